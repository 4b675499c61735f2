import { type AgentOutcome, indicatorsAt, type Stance, type StrategistAnswer } from '../agents/index.ts';
import type { BarSeries } from '../market/index.ts';

/** What the agents saw, for the journal: the last bar, the indicators and the span of bars (not every bar). */
export function inputsAsSeen(series: BarSeries, index: number): Record<string, unknown> {
  const first = Math.max(0, index - 59);
  return {
    market: {
      symbol: series.symbol,
      bars: `${index - first + 1} bars, ${new Date(series.time[first]!).toISOString().slice(0, 10)} → ${new Date(series.time[index]!).toISOString().slice(0, 10)}`,
      lastBar: {
        open: series.open[index]!,
        high: series.high[index]!,
        low: series.low[index]!,
        close: series.close[index]!,
      },
      indicators: { ...indicatorsAt(series, index) },
    },
  };
}

/** An agent's outcome as a bus payload: who decided, what it answered, why a fallback decided. */
export function outcomePayload<T>(symbol: string, outcome: AgentOutcome<T>): Record<string, unknown> {
  if (!outcome.ok)
    return { symbol, ok: false, code: outcome.code, reason: outcome.reason, skill: outcome.skill };
  return {
    symbol,
    ok: true,
    decidedBy: outcome.decidedBy,
    fallbackReason: outcome.fallbackReason,
    route: outcome.route,
    model: outcome.model,
    skill: outcome.skill,
    answer: outcome.value as unknown as Record<string, unknown>,
  };
}

/** Journal notes naming each agent a deterministic fallback stood in for, and why. */
export function fallbackNotes(
  ...outcomes: Array<AgentOutcome<Stance> | AgentOutcome<StrategistAnswer>>
): string[] {
  return outcomes.flatMap((outcome) =>
    outcome.ok && outcome.decidedBy === 'fallback'
      ? [`${outcome.skill.name}: decided by the deterministic fallback (${outcome.fallbackReason})`]
      : [],
  );
}
