import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { envelopeVersion, type ValidMessageInput } from './envelope.ts';
import { busSql } from './sql.ts';

/** What the bulk writer needs of a connection: pg's `Client` (or a pool's client) has both. */
export interface CopyConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  query<T extends Writable>(stream: T): T;
}

/** A validated message with the id drawn for it and its cause's id (already drawn). */
export interface NumberedMessage {
  id: number;
  message: ValidMessageInput;
}

/** Draws `count` ids from the table's identity sequence, ascending (the same statement as CycleBuffer). */
export async function drawIds(connection: CopyConnection, count: number): Promise<number[]> {
  if (count === 0) return [];
  const result = await connection.query(busSql.reserveIds(), [count]);
  return result.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

// COPY's text format: backslash, newline, carriage return and tab are escaped; \N is NULL.
const needsEscape = /[\\\n\r\t]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function field(value: string | null): string {
  if (value === null) return '\\N';
  return needsEscape.test(value) ? value.replace(/[\\\n\r\t]/g, (char) => escapes[char]!) : value;
}

/** One COPY text line per message: the columns of busSql.copyMessages, in that order. */
export function copyLine(numbered: NumberedMessage): string {
  const { id, message } = numbered;
  return `${id}\t${envelopeVersion}\t${field((message.ts ?? new Date()).toISOString())}\t${field(message.fromAgent)}\t${field(
    message.toAgent,
  )}\t${field(message.topic)}\t${field(message.cycleId)}\t${
    message.causationId === null ? '\\N' : message.causationId
  }\t${field(JSON.stringify(message.payload))}\t${field(JSON.stringify(message.signatures))}\n`;
}

/** Lines grouped into chunks of about 256 kB: Postgres parses one while the next is built. */
function* chunks(messages: readonly NumberedMessage[]): Generator<string> {
  let chunk = '';
  for (const numbered of messages) {
    chunk += copyLine(numbered);
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Writes numbered messages with `COPY agent_messages … FROM STDIN` (ids given: COPY writes an
 * identity column's value as given, as INSERT … OVERRIDING SYSTEM VALUE does), then notifies
 * each distinct topic once, as the bulk insert does. Rows are sent in the order given and are
 * built while Postgres parses the previous chunk. Run it inside the caller's transaction.
 */
export async function copyMessages(
  connection: CopyConnection,
  messages: readonly NumberedMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const stream = connection.query(copyFrom(busSql.copyMessages()));
  await pipeline(Readable.from(chunks(messages), { objectMode: false }), stream);
  const distinct = [...new Set(messages.map((each) => each.message.topic))];
  await connection.query(busSql.notifyTopics(), [distinct]);
}
