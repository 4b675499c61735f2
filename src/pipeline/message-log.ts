import { type MessageInput, publishManyWith } from '../bus/index.ts';
import type { Queryable } from '../store/index.ts';
import type { CycleMessage } from './messages.ts';

export interface WriteLogOptions {
  /** Most messages per INSERT statement. */
  batchSize?: number;
}

/**
 * Writes a whole in-memory log to the bus in few statements, in order, with causation ids.
 * A message's cause must already have a bus id, so a batch is cut whenever a message names a
 * cause still in the batch. Messages with the same logical time are ordered by causal depth
 * first (causes before effects, otherwise as emitted), so one bar costs a statement per depth,
 * not per symbol. Run it inside a transaction (`store.transaction`) so the log commits whole.
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
    const inputs: MessageInput[] = batch.map((message) => ({
      fromAgent: message.fromAgent,
      toAgent: message.toAgent,
      topic: message.topic,
      cycleId: message.cycleId,
      causationId: message.causedBy === null ? null : (ids.get(message.causedBy) ?? null),
      payload: message.payload,
      ts: new Date(message.time),
    }));
    const written = await publishManyWith(queryable, inputs);
    // One INSERT … SELECT … ORDER BY ordinality draws ids in input order.
    written.forEach((row, at) => {
      ids.set(batch[at]!.ref, row.id);
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

function orderByDepth(messages: readonly CycleMessage[]): CycleMessage[] {
  const result: CycleMessage[] = [];
  let start = 0;
  while (start < messages.length) {
    const time = messages[start]!.time;
    let end = start;
    while (end < messages.length && messages[end]!.time === time) end += 1;
    const group = messages.slice(start, end);
    if (group.length > 1) {
      const depth = new Map<number, number>();
      for (const message of group) {
        const causeDepth = message.causedBy === null ? undefined : depth.get(message.causedBy);
        depth.set(message.ref, causeDepth === undefined ? 0 : causeDepth + 1);
      }
      // Array.prototype.sort is stable: equal depths keep their emission order.
      group.sort((a, b) => depth.get(a.ref)! - depth.get(b.ref)!);
    }
    result.push(...group);
    start = end;
  }
  return result;
}
