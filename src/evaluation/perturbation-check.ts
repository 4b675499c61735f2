import { z } from 'zod';
import { topics } from '../bus/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { Queryable } from '../store/index.ts';
import { dataPerturbation, identityPerturbation } from './perturbation.ts';
import { evaluationSql } from './sql.ts';

const dayMs = 86_400_000;

const payloadSchema = z
  .object({
    symbol: z.string(),
    ok: z.boolean(),
    decidedBy: z.string().optional(),
    answer: z
      // A no-trade answer carries side: null.
      .object({ decision: z.string().nullish(), side: z.string().nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();

export interface Decision {
  /** YYYY-MM-DD of the cycle (in the original dates). */
  date: string;
  symbol: string;
  /** "trade buy", "no_trade", "failed". */
  decision: string;
  /** "llm", "fallback", "code" or "failure". */
  decidedBy: string;
}

/** The Strategist's decision of every cycle and symbol of a run, as the bus recorded it. */
export async function decisionsOf(
  store: Queryable,
  runId: string,
  unmap: { symbols?: Record<string, string>; shiftDays?: number } = {},
): Promise<Decision[]> {
  const back = Object.fromEntries(Object.entries(unmap.symbols ?? {}).map(([real, fake]) => [fake, real]));
  const rows = await store.query<{ cycle_id: string; payload: unknown }>(evaluationSql.proposals(), [
    topics.strategistProposal,
    `${runId}/%`,
  ]);
  return rows.rows.flatMap((row) => {
    const parsed = payloadSchema.safeParse(row.payload);
    if (!parsed.success) return [];
    const shifted = Date.parse(`${row.cycle_id.slice(runId.length + 1)}T00:00:00Z`);
    const date = new Date(shifted - (unmap.shiftDays ?? 0) * dayMs).toISOString().slice(0, 10);
    const payload = parsed.data;
    const decision = !payload.ok
      ? 'failed'
      : [payload.answer?.decision ?? 'unknown', payload.answer?.side].filter(Boolean).join(' ');
    return [
      {
        date,
        symbol: back[payload.symbol] ?? payload.symbol,
        decision,
        decidedBy: payload.ok ? (payload.decidedBy ?? 'unknown') : 'failure',
      },
    ];
  });
}

/** A flagged decision: the bar (date) and symbol, and what was decided on the original and the perturbed inputs. */
export interface FlaggedDecision {
  date: string;
  symbol: string;
  original: string;
  perturbed: string;
}

/** One check of one decider: its decisions on the original inputs against those on the perturbed ones. */
export interface CheckResult {
  /** Whose decisions: the models' (`llm`) or the deterministic fallbacks' (`fallback`, the control). */
  decider: 'llm' | 'fallback';
  /** Cycles and symbols this decider decided in both runs. */
  compared: number;
  changed: number;
  unchanged: number;
  changedPct: number | null;
  /** What is flagged: changed decisions (identity) or unchanged trades (data). */
  rule: string;
  flaggedCount: number;
  /** Flagged share of the decisions the rule looks at (all compared ones, or the original trades). */
  flaggedPct: number | null;
  flagged: FlaggedDecision[];
  /** Decisions of the original run without a decision of the same decider in the perturbed one (e.g. a replay miss). */
  missing: number;
}

export type CheckKind = 'identity' | 'data';

const percent = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 100 : null;
const isTrade = (decision: string) => decision.startsWith('trade');

/**
 * Compares one decider's decisions on the original inputs with those on the perturbed ones, per
 * date and symbol. Identity (same bars, other ticker and dates): a decision that CHANGES is
 * flagged, as the decider used the name or the date, not the bars — possible memorisation. Data
 * (other bars, same ticker and dates): a trade that does NOT change is flagged as input-insensitive
 * (arXiv 2510.07920: changing the inputs barely changes a memorising model's predictions); a
 * no-trade kept on mirrored bars is the default answer and may be right, so it is counted, not
 * flagged.
 */
export function compareDecisions(
  kind: CheckKind,
  decider: CheckResult['decider'],
  original: readonly Decision[],
  perturbed: readonly Decision[],
): CheckResult {
  const key = (decision: Decision) => `${decision.date}\u0000${decision.symbol}`;
  const other = new Map(
    perturbed.filter((each) => each.decidedBy === decider).map((each) => [key(each), each]),
  );
  const flagged: FlaggedDecision[] = [];
  let compared = 0;
  let changed = 0;
  let missing = 0;
  let trades = 0;
  for (const decision of original) {
    if (decision.decidedBy !== decider) continue;
    const twin = other.get(key(decision));
    if (!twin) {
      missing += 1;
      continue;
    }
    compared += 1;
    const differs = twin.decision !== decision.decision;
    if (differs) changed += 1;
    if (isTrade(decision.decision)) trades += 1;
    const flag = kind === 'identity' ? differs : !differs && isTrade(decision.decision);
    if (flag)
      flagged.push({
        date: decision.date,
        symbol: decision.symbol,
        original: decision.decision,
        perturbed: twin.decision,
      });
  }
  return {
    decider,
    compared,
    changed,
    unchanged: compared - changed,
    changedPct: percent(changed, compared),
    rule: kind === 'identity' ? 'changed decisions' : 'unchanged trades',
    flaggedCount: flagged.length,
    flaggedPct: percent(flagged.length, kind === 'identity' ? compared : trades),
    flagged,
    missing,
  };
}

/** The two checks of an evaluation, each for the LLM arm and (unless skipped) the fallback control. */
export interface PerturbationReport {
  identity: {
    shiftDays: number;
    symbols: Record<string, string>;
    llm: CheckResult;
    control: CheckResult | null;
  };
  data: {
    method: 'log-mirror';
    seed: number;
    anchors: Record<string, { firstClose: number; level: number }>;
    llm: CheckResult;
    control: CheckResult | null;
  };
}

/** Which perturbed run: the model's or the fallbacks' (the control), on which perturbation. */
export type PerturbedPurpose = 'identity' | 'data' | 'fallback-identity' | 'fallback-data';

/**
 * Runs the perturbed runs (`run` puts one through the full pipeline under that run id) and
 * compares each with its original run (`<runId>-llm`, `<runId>-fallback`).
 */
export async function perturbationChecks(options: {
  store: Queryable;
  series: BarSeries[];
  runId: string;
  seed: number;
  control: boolean;
  run: (purpose: PerturbedPurpose, series: BarSeries[], runId: string) => Promise<void>;
}): Promise<PerturbationReport> {
  const { store, runId } = options;
  const identity = identityPerturbation(options.series);
  const data = dataPerturbation(options.series, options.seed);
  const check = async (
    kind: CheckKind,
    decider: CheckResult['decider'],
    perturbedSeries: BarSeries[],
    unmap: { symbols?: Record<string, string>; shiftDays?: number },
  ) => {
    const purpose: PerturbedPurpose = decider === 'llm' ? kind : `fallback-${kind}`;
    const perturbedRunId = `${runId}-${purpose}`;
    await options.run(purpose, perturbedSeries, perturbedRunId);
    const original = await decisionsOf(store, `${runId}-${decider}`);
    return compareDecisions(kind, decider, original, await decisionsOf(store, perturbedRunId, unmap));
  };
  const identityLlm = await check('identity', 'llm', identity.series, identity);
  const dataLlm = await check('data', 'llm', data.series, {});
  return {
    identity: {
      shiftDays: identity.shiftDays,
      symbols: identity.symbols,
      llm: identityLlm,
      control: options.control ? await check('identity', 'fallback', identity.series, identity) : null,
    },
    data: {
      method: data.method,
      seed: data.seed,
      anchors: data.anchors,
      llm: dataLlm,
      control: options.control ? await check('data', 'fallback', data.series, {}) : null,
    },
  };
}
