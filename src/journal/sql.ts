/** The rows of a many-row insert: one array a column, the summaries as one JSON array, joined by position. */
const manyRows = `unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::bigint[], $9::text[]) WITH ORDINALITY
        AS r(ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, n)
        JOIN jsonb_array_elements($10::jsonb) WITH ORDINALITY AS s(summary, n) USING (n)`;

/** The journal's SQL, as small pure builders. */
export const journalSql = {
  insert(): string {
    return `INSERT INTO agent_journal
      (ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
      RETURNING id`;
  },
  /**
   * Many rows in one statement, as insertManyDeferred but committed as insert is (the live
   * journal's rows written together, see writer.ts); the ids in the order given.
   */
  insertMany(): string {
    return `WITH inserted AS (INSERT INTO agent_journal
      (ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary)
      SELECT r.ts, r.cycle_id, r.symbol, r.agent, r.outcome, r.decided_by, r.client_order_id, r.message_id,
        r.path, s.summary
      FROM ${manyRows}
      ORDER BY r.n
      RETURNING id) SELECT id FROM inserted ORDER BY id`;
  },
  /**
   * Many rows in one statement, ids in the order given (one array a column, `$8` bigint), the
   * summaries as one JSON array (`$10`) joined by position: node-postgres escapes each element
   * of a text[] parameter in JavaScript (every quote of every summary), a JSON array is one
   * string built by a join (as the bus's bulk insert). Commits without waiting for the WAL
   * flush (a backtest's own journal: see DeferredJournal).
   */
  insertManyDeferred(): string {
    return `INSERT INTO agent_journal
      (ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary)
      SELECT r.ts, r.cycle_id, r.symbol, r.agent, r.outcome, r.decided_by, r.client_order_id, r.message_id,
        r.path, s.summary
      FROM ${manyRows},
        (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
      ORDER BY r.n`;
  },
  /** The journal files of one order's decision (the executed entry first). */
  pathsOfOrder(): string {
    return `SELECT path, outcome FROM agent_journal WHERE client_order_id = $1 ORDER BY id`;
  },
  byPath(): string {
    return `SELECT id, ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary
      FROM agent_journal WHERE path = $1 ORDER BY id`;
  },
};
