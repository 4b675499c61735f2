import {
  type CopyConnection,
  copyMessages,
  drawIds,
  type MessageInput,
  type NumberedMessage,
  publishManyIdsWith,
  validateMessage,
} from '../bus/index.ts';
import type { Queryable } from '../store/index.ts';
import type { CycleMessage } from './messages.ts';

export interface WriteLogOptions {
  /** Most messages per INSERT statement. */
  batchSize?: number;
}

/**
 * Writes a whole in-memory log to the bus in a handful of statements, with causation ids.
 * A message's cause must have its bus id before the message is inserted, and a proposal →
 * order → fill → exit chain spans bars, so a strictly chronological write would cost a
 * statement per link (hundreds per run). The log is therefore written in causal order: level
 * by level of causal depth (runs and proposals; orders and skips; fills, rejections and
 * cancellations; exits), each level in simulated-time order (emission order). Every cause
 * precedes its effects in delivery order; `ts` carries the simulated time for a timeline.
 * Run it inside a transaction (`store.transaction`) so the log commits whole.
 * Returns the bus id of each local reference.
 */
export async function writeMessageLog(
  queryable: Queryable,
  messages: readonly CycleMessage[],
  options: WriteLogOptions = {},
): Promise<Map<number, number>> {
  const batchSize = options.batchSize ?? 5_000;
  const ids = new Map<number, number>();
  const ordered = orderByDepth(messages);
  let batch: CycleMessage[] = [];
  const pending = new Set<number>();
  const flush = async () => {
    if (batch.length === 0) return;
    const inputs: MessageInput[] = batch.map((message) => asInput(message, (ref) => ids.get(ref)));
    const written = await publishManyIdsWith(queryable, inputs);
    // One INSERT … SELECT … ORDER BY ordinality draws ids in input order.
    written.forEach((id, at) => {
      ids.set(batch[at]!.ref, id);
    });
    batch = [];
    pending.clear();
  };
  for (const message of ordered) {
    if ((message.causedBy !== null && pending.has(message.causedBy)) || batch.length >= batchSize)
      await flush();
    batch.push(message);
    pending.add(message.ref);
  }
  await flush();
  return ids;
}

/**
 * The same log as writeMessageLog (same rows, same id order: level by level of causal depth,
 * each level in emission order), in three statements: every id is drawn ahead from the
 * identity sequence, so every causation id is known before the first row is sent, and the rows
 * go in one `COPY … FROM STDIN` streamed while Postgres parses (copyMessages). Each message is
 * validated as its line is built: the checks run while Postgres parses the lines before them,
 * not ahead of the whole COPY, and a bad message fails the COPY with its validation error.
 * Run it inside a transaction on `connection` so the log commits whole (or not at all).
 * Returns the bus id of each local reference.
 */
export async function copyMessageLog(
  connection: CopyConnection,
  messages: readonly CycleMessage[],
): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  if (messages.length === 0) return ids;
  // The draw needs only the count: Postgres draws while the log is put in causal order here.
  const drawing = drawIds(connection, messages.length);
  drawing.catch(() => undefined); // awaited below, unless ordering throws first
  const ordered = orderByDepth(messages);
  const drawn = await drawing;
  ordered.forEach((message, at) => {
    ids.set(message.ref, drawn[at]!);
  });
  const idOf = (ref: number) => ids.get(ref);
  function* numbered(): Generator<NumberedMessage> {
    for (let at = 0; at < ordered.length; at += 1) {
      yield { id: drawn[at]!, message: validateMessage(asInput(ordered[at]!, idOf)) };
    }
  }
  await copyMessages(connection, numbered());
  return ids;
}

/**
 * The log level by level of causal depth, each level in emission order. A message's depth is
 * its cause's plus one when the cause was emitted before it, else 0. A counting sort (stable,
 * linear): the comparison sort it replaces looked two depths up in a Map per comparison, ≈ 25 ms
 * of the 100-symbol durable run's critical path (issue 23).
 */
export function orderByDepth(messages: readonly CycleMessage[]): CycleMessage[] {
  const count = messages.length;
  const depthOf = new Map<number, number>();
  const depths = new Int32Array(count);
  let deepest = 0;
  for (let at = 0; at < count; at += 1) {
    const message = messages[at]!;
    const causeDepth = message.causedBy === null ? undefined : depthOf.get(message.causedBy);
    const depth = causeDepth === undefined ? 0 : causeDepth + 1;
    depthOf.set(message.ref, depth);
    depths[at] = depth;
    if (depth > deepest) deepest = depth;
  }
  // next[d]: where the next message of depth d goes (the messages of lesser depth come first).
  const next = new Int32Array(deepest + 1);
  for (let at = 0; at < count; at += 1) {
    const depth = depths[at]!;
    if (depth < deepest) next[depth + 1] = next[depth + 1]! + 1;
  }
  for (let depth = 1; depth <= deepest; depth += 1) next[depth] = next[depth]! + next[depth - 1]!;
  const ordered = new Array<CycleMessage>(count);
  for (let at = 0; at < count; at += 1) {
    const depth = depths[at]!;
    ordered[next[depth]!] = messages[at]!;
    next[depth] = next[depth]! + 1;
  }
  return ordered;
}

/** A logged message's cause by its bus id: null without a cause, or when its cause is not logged. */
function causationOf(message: CycleMessage, idOf: (ref: number) => number | undefined): number | null {
  return message.causedBy === null ? null : (idOf(message.causedBy) ?? null);
}

/** A logged message as the bus takes it, its cause by the bus id drawn for it. */
function asInput(message: CycleMessage, idOf: (ref: number) => number | undefined): MessageInput {
  return {
    fromAgent: message.fromAgent,
    toAgent: message.toAgent,
    topic: message.topic,
    cycleId: message.cycleId,
    causationId: causationOf(message, idOf),
    payload: message.payload,
    ts: new Date(message.time),
  };
}
