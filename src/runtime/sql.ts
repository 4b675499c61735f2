/** SQL of the runtime: session state, the paper request log, and what it reads of orders (the ledger writes them). */
export const runtimeSql = {
  entryMessage: () => `SELECT o.message_id, o.cycle_id FROM orders o WHERE o.client_order_id = $1`,
  readState: () => 'SELECT value FROM app_state WHERE key = $1',
  writeState: () => `INSERT INTO app_state (key, value, updated_by) VALUES ($1, $2::jsonb, $3)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
  logPaperRequest:
    () => `INSERT INTO paper_requests (run_id, bar_index, client_order_id, request) VALUES ($1, $2, $3, $4::jsonb)
    ON CONFLICT (run_id, client_order_id) DO NOTHING`,
  paperRequests: () =>
    'SELECT bar_index, request FROM paper_requests WHERE run_id = $1 ORDER BY bar_index, id',
  /** The exit entry already written for a `position.closed` message (delivery is at least once). */
  exitJournaled: () => "SELECT 1 FROM agent_journal WHERE message_id = $1 AND outcome = 'exited'",
};
