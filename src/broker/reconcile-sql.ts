/**
 * What reconciliation reads of the ledger (orders, fills, positions), as small pure builders.
 * The writes are the ledger's (src/ledger).
 */
export const reconcileSql = {
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

  /** The local id of a broker order: by broker order id first (bracket legs), else by our id. */
  resolveClientOrderId: () =>
    `SELECT client_order_id FROM orders WHERE broker = $1 AND (broker_order_id = $2 OR client_order_id = $3)
      ORDER BY (broker_order_id = $2) DESC LIMIT 1`,
};
