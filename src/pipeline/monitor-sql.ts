/** SQL of the position monitor. */
export const monitorSql = {
  positions: () =>
    'SELECT symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id FROM positions WHERE broker = $1',
  upsertPosition:
    () => `INSERT INTO positions (broker, symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id, opened_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (broker, symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price,
      stop_client_order_id = EXCLUDED.stop_client_order_id, take_profit_client_order_id = EXCLUDED.take_profit_client_order_id,
      updated_at = now()`,
  deletePosition: () => 'DELETE FROM positions WHERE broker = $1 AND symbol = $2',
  /** The stop price of the newest stop-loss we know of for the symbol (bracket child or re-attached). */
  lastStopPrice:
    () => `SELECT stop_price FROM orders WHERE broker = $1 AND symbol = $2 AND leg = 'stop_loss' AND stop_price IS NOT NULL
    ORDER BY id DESC LIMIT 1`,
  recordOrder:
    () => `INSERT INTO orders (client_order_id, broker, leg, symbol, side, type, qty, stop_price, status)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (client_order_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()`,
};
