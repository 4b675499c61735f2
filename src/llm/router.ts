import { performance } from 'node:perf_hooks';
import type { LlmSection } from '../config/index.ts';
import type { Fault } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { CircuitBreaker } from './breaker.ts';
import { costOf, DailyBudget, isShadowAgent } from './budget.ts';
import {
  asLlmError,
  isRequestRejection,
  LlmConfigError,
  type LlmError,
  LlmFailure,
  LlmOutputError,
  type RouteFailureReason,
} from './errors.ts';
import { failedAttempt, type LedgerEntry } from './ledger.ts';
import { LedgerWriter } from './ledger-writer.ts';
import { type PriceTable, priceTable } from './prices.ts';
import { RejectionAnnouncer } from './rejections.ts';
import { type HashInput, requestHash, storeCall } from './replay.ts';
import { type Route, type RouteMessage, type RouteResponse, schemaName } from './route.ts';
import { RouterEvents } from './router-events.ts';
import type { LlmFailed, LlmRequest, LlmResult, LlmRouterOptions } from './router-types.ts';
import { createRoute } from './routes/index.ts';
import { loadBreakers } from './state.ts';
import { answerFromStore, replayMiss } from './stored-answers.ts';
import { repairMessages, validateAnswer } from './structured.ts';

export type {
  BusPublisher,
  LlmFailed,
  LlmRequest,
  LlmResult,
  LlmRouterOptions,
  LlmSuccess,
  RequestRejection,
} from './router-types.ts';

import { topics } from '../bus/index.ts';
import { withFields } from '../platform/index.ts';

type RouteOutcome<T> =
  | { ok: true; value: T; answerText: string; model: string }
  | { ok: false; error: LlmError };

/**
 * The LLM router: tries routes in priority order behind per-route circuit breakers, validates
 * every answer against the call's schema (one repair on the same route), writes one ledger row
 * per attempt, enforces the daily budget on paid routes, and records/replays answers.
 * `call` resolves to a typed failure when nothing answered; it never invents a default.
 */
export class LlmRouter {
  readonly #section: LlmSection;
  readonly #store: Queryable;
  readonly #logger: Logger;
  readonly #events: RouterEvents;
  readonly #routes: Route[];
  readonly #byName: Map<string, Route>;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #prices: PriceTable;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;
  readonly #budget: DailyBudget;
  readonly #shadowBudget: DailyBudget;
  readonly #rejections: RejectionAnnouncer;
  readonly #ledger: LedgerWriter;

  constructor(options: LlmRouterOptions) {
    this.#section = options.section;
    this.#store = options.store;
    this.#logger = options.logger.child({ module: 'llm' });
    this.#now = options.now ?? Date.now;
    this.#ledger = new LedgerWriter(this.#store, this.#logger);
    this.#events = new RouterEvents(this.#store, this.#logger, options.bus);
    this.#rejections = new RejectionAnnouncer(
      this.#events,
      this.#logger,
      this.#now,
      options.onRequestRejected,
    );
    this.#prices = priceTable(options.section.prices);
    this.#budget = new DailyBudget({
      dailyUsd: options.section.budget.dailyUsd,
      store: this.#store,
      logger: this.#logger,
      now: this.#now,
      announce: (payload) => this.#events.publish(topics.llmBudget, payload),
    });
    this.#shadowBudget = new DailyBudget({
      dailyUsd: options.section.budget.shadowDailyUsd,
      scope: 'shadow',
      store: this.#store,
      logger: this.#logger,
      now: this.#now,
      announce: (payload) => this.#events.publish(topics.llmBudget, payload),
    });
    this.#routes =
      options.routes ??
      options.section.routes
        .map((config, index) => ({ config, index }))
        .filter(({ config }) => config.enabled)
        .sort((a, b) => a.config.priority - b.config.priority || a.index - b.index)
        .map(({ config }) => createRoute(config, options.secrets?.[config.name]));
    this.#byName = new Map(this.#routes.map((route) => [route.name, route]));
    for (const route of this.#routes) {
      if (route.billing === 'paid' && !this.#prices[route.model])
        throw new LlmConfigError(
          `llm.routes: paid route ${route.name} uses model ${route.model}, which has no price`,
          {
            route: route.name,
            fix: `Add llm.prices["${route.model}"]: { input, output } (USD per 1M tokens) so its spend counts against the budget.`,
          },
        );
    }
  }

  /** False when no route is configured: callers use their deterministic fallbacks. */
  get configured(): boolean {
    return this.#routes.length > 0;
  }

  get mode(): LlmSection['mode'] {
    return this.#section.mode;
  }

  routes(): readonly Route[] {
    return this.#routes;
  }

  /**
   * Waits until the cost ledger rows of every call so far are written (they are written behind
   * the answers); throws `LlmLedgerError` when one could not be. See `LedgerWriter`.
   */
  settle(): Promise<void> {
    return this.#ledger.settle();
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= (async () => {
      const persisted = await loadBreakers(this.#store);
      for (const route of this.#routes)
        this.#breakers.set(
          route.name,
          new CircuitBreaker(route.name, this.#section.breaker, persisted.get(route.name)),
        );
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async call<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const hashInput: HashInput = {
      skill: request.skill,
      system: request.system,
      prompt: request.prompt,
      jsonSchema: request.output.jsonSchema,
    };
    const hash = requestHash(hashInput);
    const mode = this.#section.mode;
    const failed = (error: LlmFailure, attempts = 0): LlmFailed => ({
      ok: false,
      error,
      attempts,
      requestHash: hash,
    });

    if (mode === 'replay' || mode === 'cache') {
      const stored = await answerFromStore(this.#store, this.#logger, request, hash);
      if (stored) return stored;
      if (mode === 'replay') return failed(replayMiss(this.#logger, request, hash));
    }

    if (!this.configured)
      return failed(new LlmFailure('no LLM configured', 'llm_not_configured', [], 'user'));
    await this.#ensureReady();

    const reasons: RouteFailureReason[] = [];
    const ordered: Route[] = [];
    for (const name of request.routes ?? this.#routes.map((route) => route.name)) {
      const route = this.#byName.get(name);
      if (route) ordered.push(route);
      else
        reasons.push({
          route: name,
          outcome: 'skipped',
          code: 'unknown_route',
          message: `no route named ${name}`,
          fault: 'user',
        });
    }

    let attempts = 0;
    const nextAttempt = () => ++attempts;
    const shadow = isShadowAgent(request.agent);
    const budget = shadow ? this.#shadowBudget : this.#budget;
    for (const route of ordered) {
      if (route.billing === 'paid' && (await budget.exhausted())) {
        reasons.push({
          route: route.name,
          outcome: 'skipped',
          code: 'budget_exhausted',
          message: shadow
            ? `daily shadow budget of $${this.#section.budget.shadowDailyUsd} reached (challengers)`
            : `daily budget of $${this.#section.budget.dailyUsd} reached`,
          fault: 'user',
        });
        continue;
      }
      const live = this.#breakers.get(route.name)!;
      // A challenger's calls never move the breaker the live agents share (CircuitBreaker.shadow).
      const breaker = shadow ? live.shadow : live;
      const admission = breaker.admit(this.#now());
      if (!admission.allowed) {
        const until =
          admission.until === undefined ? '' : ` until ${new Date(admission.until).toISOString()}`;
        reasons.push({
          route: route.name,
          outcome: 'skipped',
          code: admission.code,
          message: `${admission.code}${until}`,
          fault: 'external',
        });
        continue;
      }
      let reported = false;
      try {
        if (admission.transition) await this.#events.transition(admission.transition, undefined);
        const outcome = await this.#tryRoute(route, request, hash, nextAttempt);
        if (outcome.ok) {
          reported = true;
          const transition = breaker.success();
          // Fixed (a new skill version, a new model): a later refusal is news again.
          this.#rejections.answered(route.name, request.skill.name);
          const stored =
            mode === 'record' || mode === 'cache'
              ? storeCall(this.#store, {
                  hash,
                  input: hashInput,
                  route: route.name,
                  model: outcome.model,
                  answerText: outcome.answerText,
                  value: outcome.value,
                })
              : undefined;
          // No silent fallback: an answer from a later route is announced with the reasons.
          const failover =
            reasons.length > 0 ? this.#events.failover(request, route.name, reasons) : undefined;
          // Independent writes: wait for them together (one round trip of latency, not several).
          // The ledger row is not among them: it is written behind the answer (see settle()).
          await Promise.all([
            stored,
            transition ? this.#events.transition(transition, undefined) : undefined,
            failover,
          ]);
          return {
            ok: true,
            value: outcome.value,
            text: outcome.answerText,
            route: route.name,
            model: outcome.model,
            attempts,
            fromCache: false,
            requestHash: hash,
          };
        }
        const error = outcome.error;
        reported = true;
        const transition = breaker.failure(
          {
            code: error.code,
            message: error.message,
            opensRoute: error.opensRoute,
            retryAfterMs: error.retryAfterMs,
          },
          this.#now(),
        );
        if (transition) await this.#events.transition(transition, error);
        if (isRequestRejection(error)) await this.#rejections.announce(route, request, error);
        reasons.push({
          route: route.name,
          outcome: 'failed',
          code: error.code,
          message: error.message,
          fault: error.fault,
        });
      } finally {
        if (!reported) {
          const released = breaker.release();
          if (released) await this.#events.transition(released, undefined).catch(() => {});
        }
      }
    }
    const faults = new Set<Fault>(
      reasons.filter((reason) => reason.outcome === 'failed').map((reason) => reason.fault),
    );
    const fault: Fault = faults.size === 1 ? [...faults][0]! : 'external';
    const summary = reasons.map((reason) => `${reason.route}: ${reason.outcome} (${reason.code})`).join('; ');
    const error = new LlmFailure(
      `no LLM route answered ${request.skill.name} for ${request.agent}: ${summary || 'no routes'}`,
      'llm_all_routes_failed',
      reasons,
      fault,
    );
    this.#logger.error(
      { agent: request.agent, skill: request.skill.name, cycleId: request.cycleId, reasons },
      error.message,
    );
    return failed(error, attempts);
  }

  /** One route: a call, and on an unusable answer one repair call that shows the model its error. */
  async #tryRoute<T>(
    route: Route,
    request: LlmRequest<T>,
    hash: string,
    nextAttempt: () => number,
  ): Promise<RouteOutcome<T>> {
    let messages: RouteMessage[] = [{ role: 'user', content: request.prompt }];
    const timeoutMs = request.timeoutMs ?? route.timeoutMs;
    const ledger = {
      route: route.name,
      routeKind: route.kind,
      agent: request.agent,
      skill: request.skill.name,
      cycleId: request.cycleId,
      requestHash: hash,
    };
    for (let round = 0; round < 2; round += 1) {
      const attempt = nextAttempt();
      const started = performance.now();
      let response: RouteResponse;
      try {
        response = await route.complete({
          system: request.system,
          messages,
          output: { name: schemaName(request.skill.name), jsonSchema: request.output.jsonSchema },
          temperature: request.temperature,
          timeoutMs,
        });
      } catch (caught) {
        const error = asLlmError(caught, route.name);
        await this.#ledger.write(
          withFields(ledger, {
            attempt,
            ...failedAttempt(route.model, error.code, performance.now() - started),
          }),
        );
        const log = {
          route: route.name,
          code: error.code,
          fault: error.fault,
          status: error.status,
          attempt,
        };
        if (error.opensRoute)
          this.#logger.error(
            withFields(log, { fix: error.fix }),
            `${route.name} opened at once: ${error.message} (this does not fix itself)`,
          );
        else this.#logger.warn(log, `${route.name} failed: ${error.message}`);
        return { ok: false, error };
      }
      const latencyMs = performance.now() - started;
      const cost = costOf(this.#prices, route, response);
      const validation = validateAnswer(request.output.schema, response.text, response.structured);
      const entry: LedgerEntry = withFields(ledger, {
        model: response.model,
        attempt,
        inputTokens: response.usage.inputTokens,
        outputTokens: response.usage.outputTokens,
        cachedTokens: response.usage.cachedTokens,
        costMicroUsd: cost.micro,
        costIsNotional: cost.notional,
        latencyMs,
        outcome: validation.ok ? 'ok' : 'invalid_output',
        errorClass: validation.ok ? undefined : 'llm_invalid_output',
      });
      if (route.billing === 'paid' && !cost.notional)
        (isShadowAgent(request.agent) ? this.#shadowBudget : this.#budget).add(cost.micro);
      if (!validation.ok) await this.#ledger.write(entry);
      if (validation.ok) {
        void this.#ledger.write(entry);
        return {
          ok: true,
          value: validation.value,
          answerText: validation.answerText,
          model: response.model,
        };
      }
      if (round === 0) {
        this.#logger.warn(
          { route: route.name, skill: request.skill.name, problem: validation.problem },
          `${route.name} gave an unusable answer; asking once for a repair`,
        );
        messages = repairMessages(messages, response.text, validation.problem);
        continue;
      }
      const error = new LlmOutputError(
        `${route.name}: answer still unusable after one repair: ${validation.problem}`,
        {
          route: route.name,
          rawText: response.text,
        },
      );
      this.#logger.warn({ route: route.name, code: error.code }, error.message);
      return { ok: false, error };
    }
    throw new Error('unreachable');
  }
}

export function createLlmRouter(options: LlmRouterOptions): LlmRouter {
  return new LlmRouter(options);
}
