/**
 * SQL of the broker ledger (orders, fills, positions) and of reconciliation, as small pure
 * builders. Callers pass a Queryable so one transaction carries the table writes together with
 * the bus messages that journal them.
 */
/** waiting → open → final: an order's status only moves forward. */
const statusRank = (column: string) => `(CASE ${column} WHEN 'waiting' THEN 0 WHEN 'open' THEN 1 ELSE 2 END)`;

export const reconcileSql = {
  /** Serialises ledger writers of one broker (stream, poller, reconciliation) within a transaction. */
  lockBroker: () => `SELECT pg_advisory_xact_lock(hashtext('signet.broker.' || $1))`,

  ordersOfBroker: () =>
    `SELECT client_order_id, broker_order_id, parent_client_order_id, leg, symbol, side, type, qty,
            limit_price, stop_price, status, filled_qty, avg_fill_price, reject_reason
       FROM orders WHERE broker = $1 ORDER BY client_order_id`,

  openOrdersOfBroker: () =>
    `SELECT client_order_id, broker_order_id, submitted_at FROM orders
      WHERE broker = $1 AND status IN ('waiting', 'open') ORDER BY client_order_id`,

  fillTotals: () =>
    `SELECT f.client_order_id, sum(f.qty) AS qty, sum(f.qty * f.price) AS value
       FROM fills f WHERE f.broker = $1 GROUP BY f.client_order_id ORDER BY f.client_order_id`,

  positionsOfBroker: () =>
    `SELECT symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id
       FROM positions WHERE broker = $1 ORDER BY symbol`,

  /** Records an order before it is sent, so a crash in between leaves a row to reconcile. */
  insertOrderIntent: () =>
    `INSERT INTO orders (client_order_id, broker, parent_client_order_id, leg, symbol, side, type, qty,
                         limit_price, stop_price, time_in_force, status, cycle_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12)
     ON CONFLICT (client_order_id) DO NOTHING`,

  /**
   * Inserts or refreshes an order from the broker's view (leg, parent and cycle are kept). Answers
   * can arrive out of order (a submission's reply recorded after the stream's fill): a state never
   * moves an order back along waiting → open → final, nor lowers the filled quantity. The one
   * exception is an order we marked rejected before the broker ever reported it (no broker id yet).
   */
  upsertOrderState: () =>
    `INSERT INTO orders (client_order_id, broker, broker_order_id, parent_client_order_id, leg, symbol, side,
                         type, qty, limit_price, stop_price, time_in_force, status, filled_qty, avg_fill_price,
                         reject_reason, submitted_at, updated_at, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now(), $18::jsonb)
     ON CONFLICT (client_order_id) DO UPDATE SET
       broker_order_id = EXCLUDED.broker_order_id, status = EXCLUDED.status, filled_qty = EXCLUDED.filled_qty,
       avg_fill_price = EXCLUDED.avg_fill_price,
       reject_reason = COALESCE(EXCLUDED.reject_reason, orders.reject_reason),
       updated_at = now(), raw = COALESCE(EXCLUDED.raw, orders.raw)
     WHERE EXCLUDED.filled_qty >= orders.filled_qty
       AND (${statusRank('EXCLUDED.status')} >= ${statusRank('orders.status')} OR orders.broker_order_id IS NULL)`,

  markOrder: () =>
    `UPDATE orders SET status = $2, reject_reason = $3, updated_at = now() WHERE client_order_id = $1`,

  /** The local id of a broker order: by broker order id first (bracket legs), else by our id. */
  resolveClientOrderId: () =>
    `SELECT client_order_id FROM orders WHERE broker = $1 AND (broker_order_id = $2 OR client_order_id = $3)
      ORDER BY (broker_order_id = $2) DESC LIMIT 1`,

  /**
   * Inserts an execution unless the order's recorded fills already reach the cumulative filled
   * quantity the broker reported with it: a late stream event after a reconciliation adds nothing.
   */
  insertFillGuarded: () =>
    `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, commission, ts)
     SELECT $1, $2, $3, $4, $5, $6, $7, 0, $8
      WHERE (SELECT COALESCE(sum(qty), 0) FROM fills WHERE client_order_id = $1) + $6 <= $9::numeric + 1e-9
     ON CONFLICT (broker, broker_fill_id) DO NOTHING
     RETURNING id`,

  upsertPosition: () =>
    `INSERT INTO positions (broker, symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (broker, symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price,
       stop_client_order_id = EXCLUDED.stop_client_order_id,
       take_profit_client_order_id = EXCLUDED.take_profit_client_order_id, updated_at = now()`,

  /** After an execution: the new quantity from the broker, the average moved only when adding. */
  applyExecutionToPosition: () =>
    `INSERT INTO positions (broker, symbol, qty, avg_price) VALUES ($1, $2, $3, $4)
     ON CONFLICT (broker, symbol) DO UPDATE SET
       avg_price = CASE
         WHEN abs(EXCLUDED.qty) > abs(positions.qty) AND sign(EXCLUDED.qty) = sign(positions.qty) OR positions.qty = 0
           THEN (abs(positions.qty) * positions.avg_price + (abs(EXCLUDED.qty) - abs(positions.qty)) * $4)
                / abs(EXCLUDED.qty)
         WHEN sign(EXCLUDED.qty) <> sign(positions.qty) THEN $4
         ELSE positions.avg_price END,
       qty = EXCLUDED.qty, updated_at = now()`,

  insertFill: () =>
    `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, commission, ts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) ON CONFLICT (broker, broker_fill_id) DO NOTHING`,

  /**
   * Symbols an order of ours explains: one that filled, or one still on its way (an intent or a
   * working order), so a fill the broker reports before our tables know it is not a stranger.
   * A broker position in any other symbol is unexplained.
   */
  explainedSymbols: () =>
    `SELECT DISTINCT symbol FROM orders
      WHERE broker = $1 AND (filled_qty > 0 OR status IN ('pending_submit', 'open', 'waiting'))`,

  setPositionProtection: () =>
    `UPDATE positions SET stop_client_order_id = $3, take_profit_client_order_id = $4, updated_at = now()
      WHERE broker = $1 AND symbol = $2`,

  deletePosition: () => `DELETE FROM positions WHERE broker = $1 AND symbol = $2`,
};
