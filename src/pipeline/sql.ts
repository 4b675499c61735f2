import type { Order } from '../broker/index.ts';
import type { SubmissionAnswer } from '../ledger/index.ts';

/** The broker's ($1) entry orders that may still fill: working, waiting, or sent without a known answer. */
const pendingEntryRows = `FROM orders WHERE broker = $1 AND leg = 'entry' AND status IN ('pending_submit', 'open', 'waiting')`;

/** SQL the live pipeline reads its orders with (the ledger writes them, src/ledger). */
export const pipelineSql = {
  /** The desk's day state read back from the bus and the ledger (desk-record.ts). */
  desk: {
    /** The day's last message of a topic by this desk that succeeded; `ts` (the desk's clock) bounds the index scan. */
    dayMessage: () => `SELECT id, cycle_id, payload FROM agent_messages
      WHERE topic = $1 AND ts >= $2 AND ts < $3 AND payload->>'desk' = $4 AND payload->>'day' = $5
        AND payload->>'ok' = 'true'
      ORDER BY id DESC LIMIT 1`,
    /**
     * Entries of the day: each entry intent's `order.intent` message is stamped with the cycle's
     * clock, so the day is the desk's (simulated in the sim), not the row's wall-clock time. A
     * refused order (rejected, never sent) opened nothing and frees its slot, as in the cycle.
     */
    newPositions: () => `SELECT count(*)::int AS n FROM orders o JOIN agent_messages m ON m.id = o.message_id
      WHERE o.broker = $1 AND o.leg = 'entry' AND o.parent_client_order_id IS NULL
        AND o.status NOT IN ('rejected', 'not_sent')
        AND m.topic = $2 AND m.ts >= $3 AND m.ts < $4
        AND ($5::text IS NULL OR left(o.cycle_id, length($5::text)) = $5::text)`,
    /** Completed cycles of this desk in a window: those whose `ceo.budget` names the desk. */
    completedCycles: () => `SELECT c.ts, c.payload FROM agent_messages c
      WHERE c.topic = $1 AND c.ts >= $2 AND c.ts < $3
        AND EXISTS (SELECT 1 FROM agent_messages b
          WHERE b.cycle_id = c.cycle_id AND b.topic = $4 AND b.payload->>'desk' = $5)
      ORDER BY c.ts, c.id`,
  },
  orderByClientId: () =>
    'SELECT client_order_id, status, cycle_id, symbol FROM orders WHERE client_order_id = $1',
  pendingIntents: () => `SELECT client_order_id, symbol, cycle_id, message_id FROM orders
    WHERE broker = $1 AND status = 'pending_submit' AND leg = 'entry' ORDER BY id`,
  /** Entry orders that may still fill: working, waiting, or sent without a known answer. */
  pendingEntries: () => `SELECT symbol, qty - filled_qty AS qty, COALESCE(limit_price, stop_price) AS price
    ${pendingEntryRows} ORDER BY id`,
  /**
   * The halt row (`haltRead`: the watchdog's read, as a subquery) and the pendingEntries
   * rows as one JSON array of [symbol, qty, price], in one statement: the Risk Gate's read.
   */
  pendingEntriesWithHalt: (haltRead: string) => `SELECT (${haltRead}) AS halt,
    coalesce((SELECT json_agg(json_build_array(symbol, qty - filled_qty, COALESCE(limit_price, stop_price)) ORDER BY id)
      ${pendingEntryRows}), '[]'::json) AS entries`,
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
