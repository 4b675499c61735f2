import { z } from 'zod';
import { topics } from '../bus/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { Queryable } from '../store/index.ts';
import { evaluationSql } from './sql.ts';

/** Dates move by whole weeks (weekdays, and so the trading calendar's shape, stay), about 20 years. */
export const defaultShiftWeeks = 1_043;
const dayMs = 86_400_000;

export interface Perturbed {
  series: BarSeries[];
  /** Real symbol → anonymous one (ANON1, ANON2, ...). */
  symbols: Record<string, string>;
  shiftDays: number;
}

/** The same bars with anonymous tickers and dates moved by `weeks` whole weeks. */
export function perturb(series: readonly BarSeries[], weeks = defaultShiftWeeks): Perturbed {
  const shiftMs = weeks * 7 * dayMs;
  const symbols: Record<string, string> = {};
  const moved = series.map((each, index) => {
    const anonymous = `ANON${index + 1}`;
    symbols[each.symbol] = anonymous;
    const time = new Float64Array(each.length);
    for (let at = 0; at < each.length; at += 1) time[at] = each.time[at]! + shiftMs;
    return { ...each, symbol: anonymous, time };
  });
  return { series: moved, symbols, shiftDays: weeks * 7 };
}

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

export interface PerturbationCheck {
  shiftDays: number;
  symbols: Record<string, string>;
  /** Cycles and symbols decided by a model in both runs, compared. */
  compared: number;
  unchanged: number;
  changed: number;
  unchangedPct: number | null;
  /** Decisions the model kept although the tickers and dates it saw changed: possible memorisation. */
  flagged: Decision[];
  /** Decisions of the original run with no model decision in the perturbed one (e.g. a replay miss). */
  missing: number;
}

/**
 * Compares the model's decisions on the original bars with those on the anonymised, shifted
 * ones. Per the issue, a decision that does not change when its inputs do is flagged as possible
 * memorisation; the share of changed ones is reported beside it, as a model that reacts to the
 * ticker or the date (not the bars) would change many.
 */
export function compareDecisions(
  original: readonly Decision[],
  perturbed: readonly Decision[],
  meta: { shiftDays: number; symbols: Record<string, string> },
): PerturbationCheck {
  const key = (decision: Decision) => `${decision.date}\u0000${decision.symbol}`;
  const other = new Map(
    perturbed.filter((each) => each.decidedBy === 'llm').map((each) => [key(each), each]),
  );
  const flagged: Decision[] = [];
  let compared = 0;
  let changed = 0;
  let missing = 0;
  for (const decision of original) {
    if (decision.decidedBy !== 'llm') continue;
    const twin = other.get(key(decision));
    if (!twin) {
      missing += 1;
      continue;
    }
    compared += 1;
    if (twin.decision === decision.decision) flagged.push(decision);
    else changed += 1;
  }
  return {
    shiftDays: meta.shiftDays,
    symbols: meta.symbols,
    compared,
    unchanged: flagged.length,
    changed,
    unchangedPct: compared > 0 ? Math.round((flagged.length / compared) * 10_000) / 100 : null,
    flagged,
    missing,
  };
}
