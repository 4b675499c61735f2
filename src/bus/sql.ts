/**
 * All SQL of the bus, as small pure builders. Delivery order is (tx_id, id): ids are handed out
 * when a row is inserted, but transactions commit in any order, so a reader that trusts
 * `id > offset` skips a message whose transaction commits late. Readers therefore only look
 * below the snapshot's xmin: every transaction older than that has finished, so nothing can
 * appear behind the reader's position any more.
 */

export const busChannel = 'signet_bus';

/**
 * The message columns, `tx_id` as text (an xid8 is 64 bits: a JavaScript number would round it).
 * A statement that selects these sorts by `deliveryOrder`: a bare `ORDER BY tx_id` names the
 * text column, which sorts 1034 before 967 (delivery order broke whenever the cluster's
 * transaction ids gained a digit).
 */
const columns =
  'id, tx_id::text AS tx_id, envelope_version, ts, recorded_at, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures';

/** Delivery order on the table's own xid8 (not the text column of `columns`), and its reverse. */
const deliveryOrder = 'agent_messages.tx_id, agent_messages.id';
const newestFirst = 'agent_messages.tx_id DESC, agent_messages.id DESC';

// The same columns for the reader, which joins agent_messages as `m` and sorts on the raw xid8.
const prefixedColumns =
  'm.id, m.tx_id::text AS tx_id, m.tx_id AS tx_id_sort, m.envelope_version, m.ts, m.recorded_at, m.from_agent, m.to_agent, m.topic, m.cycle_id, m.causation_id, m.payload, m.signatures';

export interface TopicFilter {
  exact: string[];
  /** LIKE patterns for `prefix.*` subscriptions. */
  patterns: string[];
  all: boolean;
}

export function topicFilter(topics: readonly string[]): TopicFilter {
  const all = topics.includes('*');
  const exact = topics.filter((topic) => !topic.endsWith('.*') && topic !== '*');
  const patterns = topics.filter((topic) => topic.endsWith('.*')).map((topic) => `${topic.slice(0, -1)}%`);
  return { all, exact, patterns };
}

function topicCondition(first: number): string {
  return `($${first}::boolean OR m.topic = ANY($${first + 1}::text[]) OR m.topic LIKE ANY($${first + 2}::text[]))`;
}

/**
 * What an insert answers: what the table gave the message and its writer did not know (its id,
 * transaction and times), and its topic for the notification. The writer answers with the message
 * it wrote and this stamp (publish.ts): reading each payload back cost PostgreSQL its JSON's text,
 * the socket its bytes and node a parse (about a seventh of a vetoed candidate's main thread and
 * a quarter of PostgreSQL's CPU, docs/benchmarks.md, twenty-fifth pass).
 */
const stampColumns = 'id, tx_id::text AS tx_id, ts, recorded_at, topic';

/** The single-row insert; `withId`: the row's id drawn ahead, as `$10` (OVERRIDING SYSTEM VALUE). */
function singleInsert(withId: boolean): string {
  return `INSERT INTO agent_messages (${withId ? 'id, ' : ''}envelope_version, ts, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures)${withId ? '\n      OVERRIDING SYSTEM VALUE' : ''}
      VALUES (${withId ? '$10, ' : ''}$1, coalesce($2::timestamptz, clock_timestamp()), $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
      RETURNING ${stampColumns}`;
}

const insertOne = singleInsert(false);
const insertOneWithId = singleInsert(true);

/**
 * The rows of a bulk insert: one JSON array of row objects ($2, see validParameters), each with
 * its envelope columns, its payload and its signatures (and its id, when drawn ahead), read by
 * jsonb_to_recordset in input order. One JSON text, not one array parameter a column:
 * node-postgres escapes every element of an array parameter in JavaScript (each quote of each
 * payload, then of each topic, agent and cycle id), which was a tenth, then a twelfth, of a
 * full-pipeline backtest's main thread (docs/benchmarks.md, twenty-fifth and thirty-sixth
 * passes); a JSON array is one native JSON.stringify. PostgreSQL reads the one document about as
 * fast as it read the arrays and the payloads' JSON array.
 */
function bulkRows(withIds: boolean): string {
  const idType = withIds ? 'id bigint, ' : '';
  const idName = withIds ? 'id, ' : '';
  return `ROWS FROM (jsonb_to_recordset($2::jsonb) AS (${idType}ts timestamptz, from_agent text, to_agent text,
          topic text, cycle_id text, causation_id bigint, payload jsonb, signatures jsonb)) WITH ORDINALITY
        AS r(${idName}ts, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures, ordinality)`;
}

/**
 * One multi-row insert ($1 version, then bulkRows), rows in input order, optionally notifying
 * once per distinct topic in the same statement.
 */
function bulkInsert(returning: string, notify: boolean, select: string): string {
  const insert = `INSERT INTO agent_messages (envelope_version, ts, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures)
      SELECT $1::smallint, coalesce(r.ts, clock_timestamp()), r.from_agent, r.to_agent, r.topic, r.cycle_id, r.causation_id, r.payload, r.signatures
      FROM ${bulkRows(false)}
      ORDER BY r.ordinality
      RETURNING ${returning}`;
  if (!notify) return `WITH inserted AS (${insert}) SELECT ${select} FROM inserted ORDER BY inserted.id`;
  return `WITH inserted AS (${insert}), notified AS (
      SELECT pg_notify('${busChannel}', topic) FROM (SELECT DISTINCT topic FROM inserted) AS topics
    )
    SELECT ${select} FROM inserted, (SELECT count(*) FROM notified) AS n ORDER BY inserted.id`;
}

/**
 * A CTE that makes its statement's commit not wait for the WAL flush (`synchronous_commit` off
 * for this transaction alone); the statement joins it, so it is evaluated.
 */
const relaxed = "relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)";

/** See busSql.publishOneWithWrites. */
function publishOneWithWrites(ctes: string, waitForDisk = true, guard?: string): string {
  const before = `${waitForDisk ? '' : `${relaxed},\n    `}${guard === undefined ? '' : `guard AS (SELECT ${guard} AS allowed),\n    `}`;
  const after = ctes === '' ? '' : `,\n    ${ctes}`;
  // The guard is joined, so it is evaluated (a CTE no one reads is not); it raises to refuse.
  const joined = `${waitForDisk ? '' : ', relaxed'}${guard === undefined ? '' : ', guard'}`;
  return `WITH ${before}inserted AS (
      ${insertOneWithId}
    )${after}
    SELECT inserted.*, pg_notify('${busChannel}', inserted.topic) FROM inserted${joined}`;
}

/** The multi-row insert of rows whose ids were drawn ahead (each row's `id`, see bulkRows), in id order. */
function numberedInsert(returning: string): string {
  return `INSERT INTO agent_messages (id, envelope_version, ts, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures)
      OVERRIDING SYSTEM VALUE
      SELECT r.id, $1::smallint, coalesce(r.ts, clock_timestamp()), r.from_agent, r.to_agent, r.topic, r.cycle_id, r.causation_id, r.payload, r.signatures
      FROM ${bulkRows(true)}
      ORDER BY r.id
      RETURNING ${returning}`;
}

export const busSql = {
  /** Insert and notify in one statement: inside a caller's transaction, the notification goes out only on commit. */
  publishOne: () => `WITH inserted AS (
      ${insertOne}
    )
    SELECT inserted.*, pg_notify('${busChannel}', inserted.topic) FROM inserted`,

  /** As publishOne, the id drawn ahead ($10): a message published inside a caller's transaction. */
  publishOneWithId: () => publishOneWithWrites('', true),

  /**
   * As publishOneWithId, with the writes that commit with the message as data-modifying CTEs
   * after it (`ctes`: store writesAsCtes, their parameters numbered from $11; '' for none): one
   * statement. `waitForDisk` false: its commit does not wait for the WAL flush (store
   * TransactionOptions). `guard`: an SQL expression evaluated in the statement that refuses it
   * by raising (never by answering false: the writes beside it would still commit), e.g. the
   * halt ladder's at an order's submission (watchdog haltSql.entriesAllowed).
   */
  publishOneWithWrites,

  /**
   * Insert only, the id from the sequence; the Bus notifies right after the commit (see
   * notifier.ts). PostgreSQL serialises the commits of notifying transactions under one lock,
   * WAL flush included, so notifying inside every standalone publish would cap throughput at one
   * fsync at a time.
   */
  insertOne: () => insertOne,

  /** As publishMany without the notification: the Bus notifies after the commit (see notifier.ts). */
  insertMany: () => bulkInsert(stampColumns, false, 'inserted.*'),

  notify: () => `SELECT pg_notify('${busChannel}', topic) FROM unnest($1::text[]) AS topic`,

  /**
   * One message with its id drawn ahead ($10): the standalone publisher's single-row insert
   * (batcher.ts). OVERRIDING SYSTEM VALUE: the identity column takes the id it is given. Insert
   * only, as insertOne.
   */
  insertOneWithId: () => insertOneWithId,

  /** Many messages with their ids drawn ahead (each row's `id`), their stamps in id order. */
  insertManyWithIds: () =>
    `WITH inserted AS (${numberedInsert(stampColumns)}) SELECT inserted.* FROM inserted ORDER BY inserted.id`,

  /** The messages as one JSON array ($2, see bulkRows); one statement, one notification per distinct topic. */
  publishMany: () => bulkInsert(stampColumns, true, 'inserted.*'),

  /**
   * Draws $1 ids from the table's identity sequence, for a writer that hands ids out before its
   * rows are inserted (CycleBuffer, a backtest's log). Sequence values only grow, so later draws
   * are larger. The ids come back as runs of consecutive values (first, last), ascending: one
   * row when no other session drew meanwhile, where one row per id cost a backtest's log of
   * 30,000 messages 70–100 ms of rows to send and parse. The sequence is looked up once
   * (OFFSET 0 keeps the subquery from being folded into the rows): looked up per row, its name
   * was resolved 30,000 times, 6× the cost of the draws themselves (170 vs 25 ms).
   */
  reserveIds: () => `SELECT min(id)::bigint AS first, max(id)::bigint AS last FROM (
      SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM (
        SELECT nextval(s.sequence) AS id
        FROM (SELECT pg_get_serial_sequence('agent_messages', 'id')::regclass AS sequence OFFSET 0) AS s,
          generate_series(1, $1::int)
      ) AS drawn
    ) AS numbered GROUP BY run ORDER BY first`,

  /**
   * As publishMany with ids drawn by reserveIds (each row's `id`): one
   * statement, one commit, one notification per distinct topic; answers the distinct topics.
   * The commit does not wait for its WAL flush (as the LLM ledger's rows): the writer's next
   * synchronous commit (an order's transaction, the run's `backtest.completed`) flushes the WAL
   * up to itself, these rows included; a crash before that loses only the run's unfinished tail.
   */
  publishManyWithIds: () => `WITH ${relaxed},
    inserted AS (${numberedInsert('topic')})
    SELECT count(*)::int AS topics FROM (SELECT pg_notify('${busChannel}', topic) FROM (SELECT DISTINCT topic FROM inserted) AS topics) AS n, relaxed`,

  /** As publishMany, answering only the ids (in input order): bulk writers need no copy of their payloads back. */
  /** COPY of rows with their ids drawn ahead (copy-log.ts writes the lines in this column order). */
  copyMessages: () =>
    'COPY agent_messages (id, envelope_version, ts, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures) FROM STDIN',

  /** One notification per distinct topic ($1), as the bulk insert sends. */
  notifyTopics: () => `SELECT count(pg_notify('${busChannel}', topic)) FROM unnest($1::text[]) AS topic`,

  publishManyIds: () => bulkInsert('id, topic', true, 'inserted.id'),

  /**
   * The next batch after a position, only below the oldest running transaction ($4..$6 topics).
   * `horizon` is that xmin, from the same snapshot as the scan; `blocked` says whether matching
   * rows exist above it (committed, but waiting for an older transaction to finish).
   */
  readAfter: () => `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
    SELECT h.xmin::text AS horizon,
      EXISTS (SELECT 1 FROM agent_messages m WHERE m.tx_id >= h.xmin AND ${topicCondition(4)}) AS blocked,
      b.*
    FROM h LEFT JOIN LATERAL (
      SELECT ${prefixedColumns}
      FROM agent_messages m
      WHERE (m.tx_id, m.id) > ($1::xid8, $2::bigint) AND m.tx_id < h.xmin AND ${topicCondition(4)}
      ORDER BY m.tx_id, m.id
      LIMIT $3
    ) AS b ON true
    ORDER BY b.tx_id_sort, b.id`,

  ensureOffset: () => `INSERT INTO bus_offsets (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING`,
  readOffset: () =>
    'SELECT tx_id::text AS tx_id, message_id, failing_message_id, attempts FROM bus_offsets WHERE consumer = $1',

  /**
   * Offsets only move forward, even if two instances of a consumer race. Written without
   * waiting for the WAL flush: losing the newest offset in a crash only redelivers messages,
   * which at-least-once delivery allows.
   */
  advanceOffset: () => `UPDATE bus_offsets
    SET tx_id = $2::xid8, message_id = $3, failing_message_id = NULL, attempts = 0, last_error = NULL, updated_at = now()
    WHERE consumer = $1 AND (tx_id, message_id) < ($2::xid8, $3::bigint)`,

  recordFailure: () => `UPDATE bus_offsets
    SET failing_message_id = $2, attempts = CASE WHEN failing_message_id = $2 THEN attempts + 1 ELSE 1 END,
        last_error = $3, updated_at = now()
    WHERE consumer = $1
    RETURNING attempts`,

  park: () => `INSERT INTO bus_parked (consumer, message_id, topic, attempts, error)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer, message_id) DO NOTHING`,

  listParked: () => `SELECT p.consumer, p.message_id, p.topic, p.attempts, p.error, p.parked_at
    FROM bus_parked p WHERE p.resolved_at IS NULL ORDER BY p.parked_at`,

  offsets:
    () => `SELECT consumer, tx_id::text AS tx_id, message_id, failing_message_id, attempts, last_error, updated_at
    FROM bus_offsets ORDER BY consumer`,

  /** Replay a window in delivery order; every filter is optional. */
  replay: () => `SELECT ${columns} FROM agent_messages
    WHERE ($1::timestamptz IS NULL OR ts >= $1) AND ($2::timestamptz IS NULL OR ts < $2)
      AND ($3::text[] IS NULL OR topic = ANY($3) OR topic LIKE ANY($4::text[]))
      AND ($5::text IS NULL OR cycle_id = $5)
      AND (tx_id, id) > ($6::xid8, $7::bigint)
    ORDER BY ${deliveryOrder}
    LIMIT $8`,

  /** The newest committed messages, for a listing (not a tail: no position is taken from it). */
  newest: () => `SELECT ${columns} FROM agent_messages ORDER BY ${newestFirst} LIMIT $1`,

  /** The newest settled messages (for tails): below the horizon, so a tail starting after them misses nothing. */
  latest: () => `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
    SELECT h.xmin::text AS horizon, b.* FROM h LEFT JOIN LATERAL (
      SELECT ${columns} FROM agent_messages WHERE tx_id < h.xmin
      ORDER BY ${newestFirst} LIMIT $1
    ) AS b ON true`,
};
