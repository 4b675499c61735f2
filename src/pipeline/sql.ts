import type { Order } from '../broker/index.ts';
/** SQL of the live pipeline: our own record of orders, written before and after the broker call. */
export const pipelineSql = {
  /** The intent, committed before the broker sees the order, so a crash leaves a trace to reconcile. */
  insertOrderIntent:
    () => `INSERT INTO orders (client_order_id, broker, parent_client_order_id, leg, symbol, side, type, qty,
      limit_price, stop_price, status, cycle_id, message_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending_submit', $11, $12)
    ON CONFLICT (client_order_id) DO NOTHING
    RETURNING id`,
  /**
   * Our one transition: out of 'pending_submit' once the broker answered. Later states are the
   * broker's to report (stream, recorder, reconciliation), and may already have arrived: a fill
   * on the stream can beat the submission's own answer, and must not be overwritten by it.
   */
  updateOrderStatus: () => `UPDATE orders SET status = $2, broker_order_id = coalesce($3, broker_order_id),
      reject_reason = $4, filled_qty = $5, avg_fill_price = $6, updated_at = now()
    WHERE client_order_id = $1 AND status = 'pending_submit'`,
  orderByClientId: () =>
    'SELECT client_order_id, status, cycle_id, symbol FROM orders WHERE client_order_id = $1',
  pendingIntents: () => `SELECT client_order_id, symbol, cycle_id, message_id FROM orders
    WHERE broker = $1 AND status = 'pending_submit' AND leg = 'entry' ORDER BY id`,
  /** Decided entries whose journal entry was never written (the brain stopped in between). */
  entriesWithoutJournal:
    () => `SELECT o.client_order_id, o.cycle_id, o.symbol, o.status, o.reject_reason FROM orders o
    WHERE o.broker = $1 AND o.leg = 'entry' AND o.cycle_id IS NOT NULL AND o.status <> 'pending_submit'
      AND NOT EXISTS (SELECT 1 FROM agent_journal j WHERE j.client_order_id = o.client_order_id)
    ORDER BY o.id`,
};

/** The parameters of `pipelineSql.updateOrderStatus` for what the broker said of an order. */
export function orderStatusParams(
  clientOrderId: string,
  order: Pick<Order, 'status' | 'reason' | 'qty' | 'fillPrice'>,
): unknown[] {
  return [
    clientOrderId,
    order.status,
    null,
    order.reason,
    order.status === 'filled' ? order.qty : 0,
    order.fillPrice,
  ];
}
