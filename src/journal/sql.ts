/** The journal's SQL, as small pure builders. */
export const journalSql = {
  insert(): string {
    return `INSERT INTO agent_journal
      (ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
      RETURNING id`;
  },
  /**
   * As insert, committing without waiting for the WAL flush (a backtest's journal, as the LLM
   * ledger): the run's next synchronous commit makes the row durable with it.
   */
  insertDeferred(): string {
    return `INSERT INTO agent_journal
      (ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb
      FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
      RETURNING id`;
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
