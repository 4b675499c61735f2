import { type AgentOutcome, indicatorsAt, type Stance, type StrategistAnswer } from '../agents/index.ts';
import type { BusMessage, SentMessage } from '../bus/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';
import type { BarSeries } from '../market/index.ts';
import { withFields } from '../platform/index.ts';
import type { DeskView } from './desk.ts';

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

/** The journal's inputs with the headlines shown, when there were any. */
export function withNews(
  inputs: Record<string, unknown>,
  shown: readonly unknown[],
): Record<string, unknown> {
  return shown.length > 0 ? withFields(inputs, { news: shown }) : inputs;
}

/** A message's commit, from its send (which fails when the message was refused outright). */
export function writtenOf(sent: Promise<SentMessage>): Promise<BusMessage> {
  return sent.then((message) => message.written);
}

/** A decision's entry naming a message sent in the same breath, and that message's commit. */
export interface NamedEntry {
  /** The entry with the message's id: known as soon as the id is drawn. */
  entry: Promise<JournalEntryInput>;
  /** The message's commit: the entry's row waits for it, its file does not. */
  written: Promise<BusMessage>;
}

/**
 * The entry naming a sent message: the candidate goes on (the next one is decided) while both
 * are written, the entry's file placed while the message commits (their disk flushes side by
 * side, where one after the other they were most of a vetoed cycle's end), its row only once the
 * message is in the table. A message that fails fails the entry, so the candidate.
 */
export function entryNaming(
  sent: Promise<SentMessage>,
  entry: Omit<JournalEntryInput, 'messageId'>,
): NamedEntry {
  return {
    entry: sent.then((message) => withFields(entry, { messageId: message.id })),
    written: writtenOf(sent),
  };
}

/** The Macro Officer's view as recorded beside a Regime stance (null: it gave none). */
export function macroSide(view: DeskView): Record<string, string> | null {
  const { macro } = view;
  return macro
    ? { regime: macro.regime, bias: macro.bias, stance: macro.stance, decidedBy: macro.decidedBy }
    : null;
}
