import { performance } from 'node:perf_hooks';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { costOf } from './budget.ts';
import { asLlmError, isRequestRejection, LlmOutputError } from './errors.ts';
import { failedAttempt, type LedgerEntry, recordAttempt } from './ledger.ts';
import type { PriceTable } from './prices.ts';
import { requestHash } from './replay.ts';
import { type Route, schemaName } from './route.ts';

/** A skill's real output schema, as `RouteRequest.output` carries it to every route. */
export interface ProbeSkill {
  name: string;
  version: string;
  jsonSchema: Record<string, unknown>;
}

export type ProbeOutcome =
  /** The vendor took the request (an answer, even a cut or invalid one, means it parsed our schema). */
  | 'accepted'
  /** The vendor refused our request as malformed: our configuration's fault. */
  | 'rejected'
  /** Anything else (no key, no binary, timeout, outage): the schema was never judged. */
  | 'failed'
  /** Not sent: an earlier probe of the route failed in a way every later one would repeat. */
  | 'skipped';

export interface ProbeResult {
  route: string;
  model: string;
  skill: string;
  outcome: ProbeOutcome;
  /** The vendor's own words for a rejection; the error for a failure. */
  message: string | null;
  fix: string | null;
}

// The cheapest call a vendor allows: a one-line prompt and a small answer cap. A cut answer is
// fine: what the probe asks is whether the vendor accepts the request, not what it answers.
const probeSystem = 'Signet doctor: a check that this route accepts the request format. Answer briefly.';
const probePrompt = 'Reply with the smallest JSON value that fits the output schema.';
const probeMaxTokens = 16;
const probeTimeoutMs = 60_000;

/**
 * Sends every skill's real output schema to every route once, so the operator learns before
 * trading which route refuses which skill (`signet doctor`). Each call is written to the cost
 * ledger (agent `doctor`) so its spend is counted. A route that fails for a reason other than
 * the schema (no key, no binary, a timeout) is not asked again for the other skills.
 */
export async function probeRoutes(options: {
  routes: readonly Route[];
  skills: readonly ProbeSkill[];
  prices: PriceTable;
  store?: Queryable;
  logger: Logger;
}): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const record = async (entry: LedgerEntry) => {
    if (!options.store) return;
    try {
      await recordAttempt(options.store, entry);
    } catch (error) {
      // The doctor's database check reports the database; the probe still tells its finding.
      options.logger.warn({ err: (error as Error).message }, 'probe not written to the cost ledger');
    }
  };
  await Promise.all(
    options.routes.map(async (route) => {
      let blocked: string | null = null;
      for (const skill of options.skills) {
        const base = { route: route.name, model: route.model, skill: skill.name };
        if (blocked !== null) {
          results.push({ ...base, outcome: 'skipped', message: blocked, fix: null });
          continue;
        }
        const started = performance.now();
        const hash = requestHash({
          skill: { name: skill.name, version: skill.version },
          system: probeSystem,
          prompt: probePrompt,
          jsonSchema: skill.jsonSchema,
        });
        const ledger = {
          route: route.name,
          routeKind: route.kind,
          agent: 'doctor',
          skill: skill.name,
          cycleId: undefined,
          requestHash: hash,
          attempt: 1,
        };
        try {
          const response = await route.complete({
            system: probeSystem,
            messages: [{ role: 'user', content: probePrompt }],
            output: { name: schemaName(skill.name), jsonSchema: skill.jsonSchema },
            maxOutputTokens: probeMaxTokens,
            timeoutMs: Math.min(route.timeoutMs, probeTimeoutMs),
          });
          const cost = costOf(options.prices, route, response);
          await record({
            ...ledger,
            model: response.model,
            inputTokens: response.usage.inputTokens,
            outputTokens: response.usage.outputTokens,
            cachedTokens: response.usage.cachedTokens,
            costMicroUsd: cost.micro,
            costIsNotional: cost.notional,
            latencyMs: performance.now() - started,
            outcome: 'ok',
            errorClass: undefined,
          });
          results.push({ ...base, outcome: 'accepted', message: null, fix: null });
        } catch (caught) {
          const error = asLlmError(caught, route.name);
          await record({ ...ledger, ...failedAttempt(route.model, error.code, performance.now() - started) });
          if (isRequestRejection(error)) {
            options.logger.error(
              { route: route.name, skill: skill.name, status: error.status },
              `route ${route.name} rejects our request for skill ${skill.name}: ${error.providerMessage}`,
            );
            results.push({
              ...base,
              outcome: 'rejected',
              message: error.providerMessage,
              fix: error.fix ?? null,
            });
          } else if (error instanceof LlmOutputError) {
            // The vendor parsed the request and answered (cut at the cap, or not valid): accepted.
            results.push({ ...base, outcome: 'accepted', message: null, fix: null });
          } else {
            blocked = `${route.name} failed before: ${error.message}`;
            results.push({ ...base, outcome: 'failed', message: error.message, fix: error.fix ?? null });
          }
        }
      }
    }),
  );
  const order = new Map(options.routes.map((route, index) => [route.name, index]));
  const skillOrder = new Map(options.skills.map((skill, index) => [skill.name, index]));
  return results.sort(
    (a, b) =>
      order.get(a.route)! - order.get(b.route)! || skillOrder.get(a.skill)! - skillOrder.get(b.skill)!,
  );
}
