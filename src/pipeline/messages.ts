import { type BrokerEvent, fillEventPayload } from '../broker/index.ts';
import { topics as catalog, type TopicName } from '../bus/index.ts';
/**
 * What a cycle says, before it is on the bus. A sink hands out local references so a message
 * can name its cause before any bus id exists; writeMessageLog turns them into causation ids.
 * Dependency-free: the live runtime supplies its own sink.
 */
export interface CycleMessage {
  /** Local reference (1, 2, 3, …) within one sink. */
  ref: number;
  fromAgent: string;
  toAgent: string;
  /** A catalog topic (src/bus/topics.ts). */
  topic: TopicName;
  cycleId: string | null;
  /** Local reference of the message that caused this one. */
  causedBy: number | null;
  payload: unknown;
  /** Logical time, epoch ms: the simulated clock in a backtest. */
  time: number;
}

export type CycleMessageInput = Omit<CycleMessage, 'ref'>;

/** What a paper fill says on the bus, live or in a backtest's log (the same payload in both). */
export function fillPayload(event: Extract<BrokerEvent, { kind: 'fill' }>): Record<string, unknown> {
  return fillEventPayload(event);
}

export interface MessageSink {
  /** Records a message and returns its local reference. */
  emit(message: CycleMessageInput): number;
}

/**
 * Keeps every message in memory, in emission order (the backtest's log before it is written).
 * With `keep: false` it numbers them and keeps none: for a run whose log goes nowhere
 * (`signet backtest --no-db`), the same messages are emitted and dropped at once, so the
 * garbage collector never copies 29,786 live objects from young to old space (issue 23).
 */
export class MemorySink implements MessageSink {
  readonly messages: CycleMessage[] = [];
  /** Messages emitted so far, kept or not: the last ref handed out. */
  private emitted = 0;
  private readonly keep: boolean;

  constructor(options: { keep?: boolean } = {}) {
    this.keep = options.keep !== false;
  }

  emit(message: CycleMessageInput): number {
    this.emitted += 1;
    const ref = this.emitted;
    // The input is a fresh literal at every call site: stamping it avoids a copy per message.
    const stamped = message as CycleMessage;
    stamped.ref = ref;
    if (this.keep) this.messages.push(stamped);
    return ref;
  }
}

/**
 * Topics of the execution path, in one place. A backtest's log is complete when it holds:
 * one `backtest.started` (run id, strategy, parameters, settings, symbols and bar ranges);
 * every proposal; for each, the order sent or the reason none was (`executor.skipped`); every
 * broker answer (fill, rejection, cancellation — bracket children and OCO included); one
 * `position.closed` per closed round trip; and one `backtest.completed` with the full report
 * minus the trade list (final value and cash, open positions, metrics). Quiet bars say
 * nothing. Replaying the fills alone rebuilds cash and positions to the cent.
 */
export const topics = {
  runStarted: catalog.backtestStarted,
  runCompleted: catalog.backtestCompleted,
  proposal: catalog.strategistProposal,
  order: catalog.executorOrder,
  skipped: catalog.executorSkipped,
  // The same fill, rejection, cancellation and round-trip topics as every venue (before the
  // catalog: broker.fill, broker.rejected, broker.cancelled, monitor.exit; still read as these).
  fill: catalog.orderFilled,
  rejected: catalog.orderRejected,
  cancelled: catalog.orderCancelled,
  exit: catalog.positionClosed,
} as const;
