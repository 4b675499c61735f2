import { ValidationError } from '../errors/index.ts';
import { type Queryable, type SqlWrite, writesAsCtes } from '../store/index.ts';
import {
  type BusMessage,
  envelopeVersion,
  type MessageInput,
  messageInputSchema,
  type Signature,
  type ValidMessageInput,
} from './envelope.ts';
import { fastValidate } from './fast-validate.ts';
import { busSql } from './sql.ts';
import { type TopicCatalog, topicCatalog } from './topics.ts';

export interface MessageRow extends Record<string, unknown> {
  id: number;
  tx_id: string;
  envelope_version: number;
  ts: Date;
  recorded_at: Date;
  from_agent: string;
  to_agent: string;
  topic: string;
  cycle_id: string | null;
  causation_id: number | null;
  payload: unknown;
  signatures: Signature[];
}

export function rowToMessage(row: MessageRow): BusMessage {
  if (row.envelope_version !== envelopeVersion) {
    throw new ValidationError(`message ${row.id} has envelope version ${row.envelope_version}`, [
      { path: 'envelope_version', message: `this Signet reads version ${envelopeVersion}` },
    ]);
  }
  return {
    v: envelopeVersion,
    id: Number(row.id),
    txId: row.tx_id,
    ts: new Date(row.ts),
    recordedAt: new Date(row.recorded_at),
    fromAgent: row.from_agent,
    toAgent: row.to_agent,
    topic: row.topic,
    cycleId: row.cycle_id,
    causationId: row.causation_id === null ? null : Number(row.causation_id),
    payload: row.payload,
    signatures: row.signatures,
  };
}

/**
 * Validates an envelope; the error names each bad field (`envelope.topic: ...`). A well-formed
 * topic the catalog does not hold is refused too, with the fix (src/bus/topics.ts).
 */
export function validateMessage(
  input: MessageInput,
  catalog: TopicCatalog = topicCatalog,
): ValidMessageInput {
  const fast = fastValidate(input);
  if (fast) {
    catalog.assertKnown(fast.topic);
    return fast;
  }
  const parsed = messageInputSchema.safeParse(input);
  if (parsed.success) {
    catalog.assertKnown(parsed.data.topic);
    return parsed.data;
  }
  const issues = parsed.error.issues.map((issue) => ({
    path: `envelope.${issue.path.map(String).join('.') || '(root)'}`,
    message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new ValidationError(
    `invalid bus message: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
    { fix: 'Correct the named field(s) of the message before publishing.' },
  );
}

export interface PublishOptions {
  /** A transaction's client: the message commits, or rolls back, with the caller's other writes. */
  tx?: Queryable;
}

/**
 * Inserts one message and notifies listeners, atomically: without a transaction the statement
 * is its own; inside one, PostgreSQL delivers the notification only if the transaction commits.
 */
export function publishWith(
  queryable: Queryable,
  input: MessageInput,
  catalog: TopicCatalog = topicCatalog,
): Promise<BusMessage> {
  return publishValidWith(queryable, validateMessage(input, catalog));
}

/** As publishWith, for a message validated already; `id`: drawn ahead (else from the sequence). */
export function publishValidWith(
  queryable: Queryable,
  message: ValidMessageInput,
  id?: number,
): Promise<BusMessage> {
  return id === undefined
    ? insert(queryable, message, busSql.publishOne())
    : insert(queryable, message, busSql.publishOneWithId(), id);
}

/**
 * A validated message (its id drawn ahead) and the writes that commit with it, in one statement:
 * one round trip where a transaction takes one for BEGIN, one per write and one for COMMIT.
 * Listeners are notified on its commit; `waitForDisk` false: the commit does not wait for the WAL
 * flush (store TransactionOptions); `guard`: an SQL expression that refuses the statement by
 * raising (busSql.publishOneWithWrites).
 */
export function publishValidWithWrites(
  queryable: Queryable,
  message: ValidMessageInput,
  id: number,
  writes: readonly SqlWrite[],
  waitForDisk = true,
  guard?: string,
): Promise<BusMessage> {
  const values = messageValues(message);
  values.push(id);
  const ctes = writes.length === 0 ? '' : writesAsCtes(writes, values);
  return insertRow(queryable, message, busSql.publishOneWithWrites(ctes, waitForDisk, guard), values, id);
}

/**
 * Inserts validated messages in one statement (one row: the single-row insert), their ids from
 * the sequence, without notifying; answers them in order, as written (see stamped).
 */
export async function insertSequencedWith(
  queryable: Queryable,
  messages: readonly ValidMessageInput[],
): Promise<BusMessage[]> {
  if (messages.length === 1) return [await insert(queryable, messages[0]!, busSql.insertOne())];
  const result = await queryable.query<StampRow>(busSql.insertMany(), validParameters(messages));
  // Ids come from the sequence in input order (the insert reads its rows ordered): the stamps,
  // in id order, are the messages' in input order.
  return messages.map((message, index) => stamped(message, result.rows[index]));
}

/** A validated message and the id drawn ahead for it (the standalone publisher's rows). */
export interface NumberedValidMessage {
  id: number;
  message: ValidMessageInput;
}

/** What the table stamped on a message (busSql's stampColumns). */
interface StampRow extends Record<string, unknown> {
  id: number;
  tx_id: string;
  ts: Date;
  recorded_at: Date;
}

/**
 * Inserts messages whose ids were drawn ahead, in one statement (one row: the single-row insert),
 * without notifying; answers them in the order given as the messages given, with what the table
 * stamped on them (transaction, time, time recorded). Their payloads and signatures are the ones given,
 * the same data as the stored JSON (whose object keys PostgreSQL orders its own way), not read back.
 */
export async function insertNumberedWith(
  queryable: Queryable,
  rows: readonly NumberedValidMessage[],
): Promise<BusMessage[]> {
  if (rows.length === 1) {
    const { id, message } = rows[0]!;
    return [await insert(queryable, message, busSql.insertOneWithId(), id)];
  }
  const values = validParameters(
    rows.map((row) => row.message),
    rows.map((row) => row.id),
  );
  const result = await queryable.query<StampRow>(busSql.insertManyWithIds(), values);
  // One answer per row given, in the order given (GroupWriter's contract), each the stamp of its id.
  const stamps = new Map(result.rows.map((row) => [Number(row.id), row]));
  return rows.map((row) => stamped(row.message, stamps.get(row.id), row.id));
}

/** What the table gives a message its writer does not know. */
export interface MessageStamp {
  id: number;
  txId: string;
  ts: Date;
  recordedAt: Date;
}

/** A validated message with its stamp: the envelope as stored, without reading it back. */
export function messageWith(message: ValidMessageInput, stamp: MessageStamp): BusMessage {
  return {
    v: envelopeVersion,
    id: stamp.id,
    txId: stamp.txId,
    ts: stamp.ts,
    recordedAt: stamp.recordedAt,
    fromAgent: message.fromAgent,
    toAgent: message.toAgent,
    topic: message.topic,
    cycleId: message.cycleId,
    causationId: message.causationId,
    payload: message.payload,
    signatures: message.signatures,
  };
}

/**
 * A message as written: the one given, with the stamp of its row (checked to be the row of its
 * id when the id was drawn ahead).
 */
function stamped(message: ValidMessageInput, row: StampRow | undefined, id?: number): BusMessage {
  if (!row || (id !== undefined && Number(row.id) !== id))
    throw new Error(`the insert answered ${row ? `row ${row.id}` : 'no row'} for message ${id ?? 'new'}`);
  const stamp = {
    id: Number(row.id),
    txId: row.tx_id,
    ts: new Date(row.ts),
    recordedAt: new Date(row.recorded_at),
  };
  return messageWith(message, stamp);
}

async function insert(
  queryable: Queryable,
  message: ValidMessageInput,
  sql: string,
  id?: number,
): Promise<BusMessage> {
  const values = messageValues(message);
  if (id !== undefined) values.push(id);
  return insertRow(queryable, message, sql, values, id);
}

/** The single-row insert's values $1–$9 (the id, when drawn ahead, follows as $10). */
function messageValues(message: ValidMessageInput): unknown[] {
  return [
    envelopeVersion,
    message.ts ?? null,
    message.fromAgent,
    message.toAgent,
    message.topic,
    message.cycleId,
    message.causationId,
    JSON.stringify(message.payload),
    JSON.stringify(message.signatures),
  ];
}

async function insertRow(
  queryable: Queryable,
  message: ValidMessageInput,
  sql: string,
  values: unknown[],
  id?: number,
): Promise<BusMessage> {
  const result = await queryable.query<StampRow>(sql, values);
  return stamped(message, result.rows[0], id);
}

/** Inserts many messages in one statement (the messages of a cycle, a backtest's log). */
export async function publishManyWith(
  queryable: Queryable,
  inputs: readonly MessageInput[],
  catalog: TopicCatalog = topicCatalog,
): Promise<BusMessage[]> {
  if (inputs.length === 0) return [];
  const messages = inputs.map((input) => validateMessage(input, catalog));
  const result = await queryable.query<StampRow>(busSql.publishMany(), validParameters(messages));
  // In input order, as insertSequencedWith's.
  return messages.map((message, index) => stamped(message, result.rows[index]));
}

/** The same write, answering only the new ids in input order: bulk writers need no copy of their payloads back. */
export async function publishManyIdsWith(
  queryable: Queryable,
  inputs: readonly MessageInput[],
  catalog: TopicCatalog = topicCatalog,
): Promise<number[]> {
  if (inputs.length === 0) return [];
  const result = await queryable.query<{ id: number }>(
    busSql.publishManyIds(),
    manyParameters(inputs, catalog),
  );
  return result.rows.map((row) => Number(row.id));
}

/** The bulk insert's parameters (see validParameters), each message validated first. */
function manyParameters(inputs: readonly MessageInput[], catalog: TopicCatalog): unknown[] {
  return validParameters(inputs.map((input) => validateMessage(input, catalog)));
}

/**
 * The bulk insert's parameters from messages validated already (the cycle buffer validates at
 * publish time): the envelope version, and the rows as one JSON array of objects (busSql's
 * bulkRows), each with its id when `ids` gives them (drawn ahead, parallel to the messages).
 */
export function validParameters(messages: readonly ValidMessageInput[], ids?: readonly number[]): unknown[] {
  const rows = messages.map((message, index) => ({
    id: ids?.[index],
    ts: message.ts ?? null,
    from_agent: message.fromAgent,
    to_agent: message.toAgent,
    topic: message.topic,
    // As a text parameter's UTF-8 would: a lone surrogate becomes U+FFFD, where the JSON text's
    // escape of it is refused (the payload's strings are refused so, as they always were).
    cycle_id: message.cycleId?.toWellFormed() ?? null,
    causation_id: message.causationId,
    payload: message.payload,
    signatures: message.signatures,
  }));
  return [envelopeVersion, JSON.stringify(rows)];
}
