import type { Order } from '../broker/index.ts';
import type { SubmissionAnswer } from '../ledger/index.ts';
/** SQL the live pipeline reads its orders with (the ledger writes them, src/ledger). */
export const pipelineSql = {
  orderByClientId: () =>
    'SELECT client_order_id, status, cycle_id, symbol FROM orders WHERE client_order_id = $1',
  pendingIntents: () => `SELECT client_order_id, symbol, cycle_id, message_id FROM orders
    WHERE broker = $1 AND status = 'pending_submit' AND leg = 'entry' ORDER BY id`,
  /** Entry orders that may still fill: working, waiting, or sent without a known answer. */
  pendingEntries: () => `SELECT symbol, qty - filled_qty AS qty, COALESCE(limit_price, stop_price) AS price
    FROM orders WHERE broker = $1 AND leg = 'entry' AND status IN ('pending_submit', 'open', 'waiting')
    ORDER BY id`,
  /** Decided entries whose journal entry was never written (the brain stopped in between). */
  entriesWithoutJournal:
    () => `SELECT o.client_order_id, o.cycle_id, o.symbol, o.status, o.reject_reason FROM orders o
    WHERE o.broker = $1 AND o.leg = 'entry' AND o.cycle_id IS NOT NULL AND o.status <> 'pending_submit'
      AND NOT EXISTS (SELECT 1 FROM agent_journal j WHERE j.client_order_id = o.client_order_id)
    ORDER BY o.id`,
};

/** What the broker said of an order, as the ledger's answer to our intent. */
export function submissionAnswer(
  order: Pick<Order, 'status' | 'reason' | 'qty' | 'fillPrice' | 'brokerOrderId'>,
): SubmissionAnswer {
  return {
    status: order.status,
    // Set with the first answer, so reconciliation never finds it missing.
    brokerOrderId: order.brokerOrderId ?? null,
    reason: order.reason,
    filledQty: order.status === 'filled' ? order.qty : 0,
    avgFillPrice: order.fillPrice,
  };
}
