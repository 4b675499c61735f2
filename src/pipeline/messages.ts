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
  /** Dotted lower-case, e.g. `strategist.proposal`. */
  topic: string;
  cycleId: string | null;
  /** Local reference of the message that caused this one. */
  causedBy: number | null;
  payload: unknown;
  /** Logical time, epoch ms: the simulated clock in a backtest. */
  time: number;
}

export type CycleMessageInput = Omit<CycleMessage, 'ref'>;

export interface MessageSink {
  /** Records a message and returns its local reference. */
  emit(message: CycleMessageInput): number;
}

/** Keeps every message in memory, in emission order (the backtest's log before it is written). */
export class MemorySink implements MessageSink {
  readonly messages: CycleMessage[] = [];

  emit(message: CycleMessageInput): number {
    const ref = this.messages.length + 1;
    this.messages.push({ ...message, ref });
    return ref;
  }
}

/** Topics of the execution path, in one place. */
export const topics = {
  runStarted: 'backtest.started',
  runCompleted: 'backtest.completed',
  proposal: 'strategist.proposal',
  order: 'executor.order',
  skipped: 'executor.skipped',
  fill: 'broker.fill',
  rejected: 'broker.rejected',
  cancelled: 'broker.cancelled',
  exit: 'monitor.exit',
} as const;
