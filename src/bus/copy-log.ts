import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** Lines grouped into chunks of about 256 kB; each distinct topic is added to `topics` as its line is built. */
function* chunks(messages: Iterable<NumberedMessage>, topics: Set<string>): Generator<string> {
  let chunk = '';
  for (const numbered of messages) {
    topics.add(numbered.message.topic);
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
 * each distinct topic once, as the bulk insert does. Rows are sent in the order given; the
 * messages are taken from `messages` only as their chunk is built, while Postgres parses the
 * chunk before, so an iterable that builds (or checks) each message costs the writer no time
 * of its own. An iterable that throws fails the COPY (a CopyFail: nothing of it is written)
 * with its own error. Run it inside the caller's transaction, which rolls back on that error.
 */
export async function copyMessages(
  connection: CopyConnection,
  messages: Iterable<NumberedMessage>,
): Promise<void> {
  // Loaded on first use: a backtest without a database (and every other command) never needs it.
  const { from: copyFrom } = await import('pg-copy-streams');
  const topics = new Set<string>();
  const stream = connection.query(copyFrom(busSql.copyMessages()));
  await pipeline(Readable.from(chunks(messages, topics), { objectMode: false }), stream);
  if (topics.size > 0) await connection.query(busSql.notifyTopics(), [[...topics]]);
}
