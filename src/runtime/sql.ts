/** SQL the runtime writes as the broker reports: orders, fills and positions mirror the broker. */
export const runtimeSql = {
  /** An order we did not write ourselves (a bracket child, a flatten): recorded as the broker has it. */
  upsertOrder:
    () => `INSERT INTO orders (client_order_id, broker, parent_client_order_id, leg, symbol, side, type, qty,
      limit_price, stop_price, status, filled_qty, avg_fill_price, reject_reason, cycle_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
    ON CONFLICT (client_order_id) DO UPDATE SET status = EXCLUDED.status, filled_qty = EXCLUDED.filled_qty,
      avg_fill_price = EXCLUDED.avg_fill_price, reject_reason = EXCLUDED.reject_reason, updated_at = now()
    RETURNING message_id`,
  insertFill:
    () => `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, commission, ts)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (broker, broker_fill_id) DO NOTHING
    RETURNING id`,
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
