/**
 * The only SQL that writes `orders`, `fills` and `positions`, as small pure builders. Every
 * statement that sets an order's status carries the forward-only guard (`advancesSql`), so no
 * writer can move an order back along waiting / pending → open → final. Callers pass a
 * Queryable, so one transaction carries these writes with the bus messages that journal them.
 */
import { advancesSql } from './states.ts';

/** Values an order intent's row takes (insertIntents). */
export const intentColumns = 16;

/** `($1, …, $n), ($n+1, …)`: `rows` rows of `columns` parameters each. */
function valueRows(rows: number, columns: number): string {
  const list: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    const first = row * columns + 1;
    list.push(`(${Array.from({ length: columns }, (_, index) => `$${first + index}`).join(', ')})`);
  }
  return list.join(', ');
}

/** An order of ours explains its symbol: it filled, or it is still on its way (an intent or a working order). */
const explains = (alias: string) =>
  `${alias}.filled_qty > 0 OR ${alias}.status IN ('pending_submit', 'open', 'waiting')`;

const intentInsert = (rows: number) =>
  `INSERT INTO orders (client_order_id, broker, broker_order_id, parent_client_order_id, leg, symbol, side, type,
                       qty, limit_price, stop_price, time_in_force, status, cycle_id, message_id, reject_reason)
   VALUES ${valueRows(rows, intentColumns)}
   ON CONFLICT (client_order_id) DO NOTHING
   RETURNING id`;

/** Ends the waiting legs of entry $1 as `entry` (a row source with its status and filled quantity) has it. */
const endLegsOf = (entry: string) =>
  `UPDATE orders leg SET status = CASE WHEN entry.status = 'not_sent' THEN 'not_sent' ELSE 'cancelled' END,
          reject_reason = 'entry ' || entry.client_order_id || ' ' || entry.status, updated_at = now()
     FROM ${entry}
    WHERE entry.client_order_id = $1 AND entry.status IN ('cancelled', 'rejected', 'not_sent')
      AND entry.filled_qty = 0 AND leg.parent_client_order_id = entry.client_order_id
      AND leg.broker = entry.broker AND leg.status = 'waiting'`;

/** insertIntents' texts by row count, made once each (an entry with its legs: 1 to 3 rows). */
const intentInserts: string[] = [];

/**
 * A position's average price after an execution at $4 that leaves it at EXCLUDED.qty: moved
 * only when the position grew on its side (or opened), reset when it turned, else kept.
 */
const averageAfterExecution = `CASE
         WHEN abs(EXCLUDED.qty) > abs(positions.qty) AND sign(EXCLUDED.qty) = sign(positions.qty) OR positions.qty = 0
           THEN (abs(positions.qty) * positions.avg_price + (abs(EXCLUDED.qty) - abs(positions.qty)) * $4)
                / abs(EXCLUDED.qty)
         WHEN sign(EXCLUDED.qty) <> sign(positions.qty) THEN $4
         ELSE positions.avg_price END`;

export const ledgerSql = {
  /** Serialises the ledger writers of one broker (stream, poller, reconciliation) within a transaction. */
  lockBroker: () => `SELECT pg_advisory_xact_lock(hashtext('signet.broker.' || $1))`,

  /**
   * Orders before (or without) the broker's word, `rows` of them in one statement (an entry and
   * its bracket legs: one round trip, not three), inserted in the order given; an existing row is
   * left as it is. Each row takes `intentColumns` values.
   */
  insertIntents: (rows: number) => {
    let text = intentInserts[rows];
    if (text === undefined) text = intentInserts[rows] = intentInsert(rows);
    return text;
  },

  /**
   * Inserts or refreshes an order from the broker's view (leg, parent and cycle are kept). Answers
   * can arrive out of order (a submission's reply recorded after the stream's fill): a state never
   * moves an order back, nor lowers the filled quantity.
   */
  upsertOrderState: () =>
    `INSERT INTO orders (client_order_id, broker, broker_order_id, parent_client_order_id, leg, symbol, side,
                         type, qty, limit_price, stop_price, time_in_force, status, filled_qty, avg_fill_price,
                         reject_reason, submitted_at, updated_at, raw, cycle_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, COALESCE($17, now()), now(),
             $18::jsonb, $19)
     ON CONFLICT (client_order_id) DO UPDATE SET
       broker_order_id = COALESCE(EXCLUDED.broker_order_id, orders.broker_order_id), status = EXCLUDED.status,
       filled_qty = EXCLUDED.filled_qty, avg_fill_price = EXCLUDED.avg_fill_price,
       reject_reason = COALESCE(EXCLUDED.reject_reason, orders.reject_reason),
       updated_at = now(), raw = COALESCE(EXCLUDED.raw, orders.raw)
     WHERE EXCLUDED.filled_qty >= orders.filled_qty AND ${advancesSql('EXCLUDED.status')}`,

  /** A protective order we placed ourselves (monitor, watchdog): inserted, or its status moved on. */
  upsertProtectiveOrder: () =>
    `INSERT INTO orders (client_order_id, broker, leg, symbol, side, type, qty, stop_price, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (client_order_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()
     WHERE ${advancesSql('EXCLUDED.status')}`,

  /**
   * Our intent's one transition: out of 'pending_submit' once the broker answered. Later states
   * are the broker's to report and may already have arrived (a fill on the stream can beat the
   * submission's own answer): those rows are no longer pending, so they are left alone.
   */
  answerIntent: () =>
    `UPDATE orders SET status = $2, broker_order_id = coalesce($3, broker_order_id),
            reject_reason = $4, filled_qty = $5, avg_fill_price = $6, updated_at = now()
      WHERE client_order_id = $1 AND status = 'pending_submit'`,

  /** The intent became a live order once its command was queued (MT5). */
  markQueued: () =>
    `UPDATE orders SET status = 'open', updated_at = now()
      WHERE client_order_id = $1 AND broker = $2 AND status = 'pending_submit'`,

  /** A status and reason set by us (e.g. rejected: the broker never got it). */
  markOrder: () =>
    `UPDATE orders SET status = $2, reject_reason = $3, updated_at = now()
      WHERE client_order_id = $1 AND ${advancesSql('$2::text')}`,

  /** An order's outcome as one broker write (status, broker id, fill totals, reason). */
  settleOrder: () =>
    `UPDATE orders SET status = $2, broker_order_id = COALESCE($3, broker_order_id), filled_qty = $4,
            avg_fill_price = $5, reject_reason = $6, updated_at = now()
      WHERE client_order_id = $1 AND broker = $7 AND ${advancesSql('$2::text')}`,

  /** An order's fill state follows from its fills (an exit can close several positions, one fill each). */
  settleOrderFromFills: () =>
    `UPDATE orders SET status = $2, broker_order_id = COALESCE($3, broker_order_id),
            filled_qty = f.qty, avg_fill_price = f.avg_price, reject_reason = NULL, updated_at = now()
       FROM (SELECT COALESCE(sum(qty), 0) AS qty, sum(qty * price) / NULLIF(sum(qty), 0) AS avg_price
               FROM fills WHERE client_order_id = $1 AND broker = $4) f
      WHERE client_order_id = $1 AND broker = $4 AND ${advancesSql('$2::text')}`,

  /** The legs follow their entry: working once it filled, cancelled if it never did. */
  settleLegs: () =>
    `UPDATE orders SET status = $2, updated_at = now()
      WHERE parent_client_order_id = $1 AND broker = $3 AND status = 'waiting'`,

  /**
   * Legs a broker never created end with their entry: an entry that ended unfilled (rejected,
   * cancelled, not sent) takes its waiting legs with it: not_sent with an entry not sent (the
   * broker's word may still replace both), else cancelled.
   */
  endLegsWithEntry: () => endLegsOf('orders entry'),

  /**
   * endLegsWithEntry in the statement that answers the entry (answerIntent: $2 the answer's
   * status, $3 its filled quantity), whose writes see the entry as the statement began: the
   * entry as this statement leaves it is the answer when it was still `pending_submit` (the
   * answer's own condition), else as it was.
   */
  endLegsWithAnswer: () =>
    endLegsOf(`(SELECT client_order_id, broker,
                    CASE WHEN status = 'pending_submit' THEN $2::text ELSE status END AS status,
                    CASE WHEN status = 'pending_submit' THEN $3::numeric ELSE filled_qty END AS filled_qty
               FROM orders) AS entry`),

  /** One leg of a bracket filled: the other has nothing left to protect. */
  cancelSiblingLegs: () =>
    `UPDATE orders SET status = 'cancelled', reject_reason = $4, updated_at = now()
      WHERE parent_client_order_id = $1 AND client_order_id <> $2 AND broker = $3 AND status IN ('open', 'waiting')`,

  /** A placeholder order that turned out to belong to another (its fill was adopted). */
  deleteOrder: () => `DELETE FROM orders WHERE client_order_id = $1 AND broker = $2`,

  /** An execution, once: the same (broker, execution id) is never inserted twice. */
  /** The commission of a recorded execution, reported after it (IB's commissionReport). */
  setFillCommission: () =>
    `UPDATE fills SET commission = $3 WHERE broker = $1 AND broker_fill_id = $2 AND commission IS DISTINCT FROM $3
     RETURNING id`,

  insertFill: () =>
    `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, commission, ts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (broker, broker_fill_id) DO NOTHING
     RETURNING id`,

  /**
   * An execution unless the order's recorded fills already reach the cumulative filled quantity
   * the broker reported with it: a late stream event after a reconciliation adds nothing.
   */
  insertFillGuarded: () =>
    `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, commission, ts)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
      WHERE (SELECT COALESCE(sum(qty), 0) FROM fills WHERE client_order_id = $1) + $6 <= $10::numeric + 1e-9
     ON CONFLICT (broker, broker_fill_id) DO NOTHING
     RETURNING id`,

  /** A fill recorded under a placeholder order moves to the order that really sent it. */
  moveFill: () =>
    `UPDATE fills SET client_order_id = $1
      WHERE broker = $2 AND broker_fill_id = $3 AND client_order_id = $4
      RETURNING broker_fill_id`,

  /** A position as the broker holds it, with the protective orders we know for it. */
  upsertPosition: () =>
    `INSERT INTO positions (broker, symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id, opened_at)
     VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, now()))
     ON CONFLICT (broker, symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price,
       stop_client_order_id = EXCLUDED.stop_client_order_id,
       take_profit_client_order_id = EXCLUDED.take_profit_client_order_id, updated_at = now()`,

  /** A position's size and price only (its protective orders kept). */
  upsertPositionSize: () =>
    `INSERT INTO positions (broker, symbol, qty, avg_price) VALUES ($1, $2, $3, $4)
     ON CONFLICT (broker, symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price, updated_at = now()`,

  /** After an execution: the new quantity from the broker, the average moved only when adding. */
  applyExecutionToPosition: () =>
    `INSERT INTO positions (broker, symbol, qty, avg_price) VALUES ($1, $2, $3, $4)
     ON CONFLICT (broker, symbol) DO UPDATE SET avg_price = ${averageAfterExecution}, qty = EXCLUDED.qty, updated_at = now()`,

  /**
   * applyExecutionToPosition and setProtection as one write ($5 the stop's order, $6 the
   * take-profit's), for a statement of several writes, whose parts do not see one another's rows:
   * an entry's fill that opens the position and points it at its legs.
   */
  applyExecutionWithProtection: () =>
    `INSERT INTO positions (broker, symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (broker, symbol) DO UPDATE SET avg_price = ${averageAfterExecution}, qty = EXCLUDED.qty,
       stop_client_order_id = EXCLUDED.stop_client_order_id,
       take_profit_client_order_id = EXCLUDED.take_profit_client_order_id, updated_at = now()`,

  setProtection: () =>
    `UPDATE positions SET stop_client_order_id = $3, take_profit_client_order_id = $4, updated_at = now()
      WHERE broker = $1 AND symbol = $2`,

  /** A stop moved where it works (same order, or Alpaca's replacement of a bracket leg): its first price kept. */
  moveStopInPlace: () =>
    `UPDATE orders SET initial_stop_price = COALESCE(initial_stop_price, stop_price, $4), stop_price = $3,
            broker_order_id = COALESCE($5, broker_order_id), updated_at = now()
      WHERE client_order_id = $1 AND broker = $2`,

  /** The order that replaced a moved stop, carrying the first stop's price (R is measured from it). */
  upsertReplacementStop: () =>
    `INSERT INTO orders (client_order_id, broker, broker_order_id, leg, symbol, side, type, qty, stop_price,
                         initial_stop_price, status)
     VALUES ($1, $2, $3, 'stop_loss', $4, $5, 'stop', $6, $7, $8, $9)
     ON CONFLICT (client_order_id) DO UPDATE SET stop_price = EXCLUDED.stop_price,
       initial_stop_price = COALESCE(orders.initial_stop_price, EXCLUDED.initial_stop_price),
       broker_order_id = COALESCE(EXCLUDED.broker_order_id, orders.broker_order_id), updated_at = now()`,

  /**
   * Alpaca replaced a bracket leg of ours (trade_updates \`replaced\`): the leg lives on under the
   * new order's id, so the row follows it instead of ending.
   */
  followReplacedLeg: () =>
    `UPDATE orders SET broker_order_id = $3, updated_at = now()
      WHERE broker = $1 AND broker_order_id = $2 AND parent_client_order_id IS NOT NULL
        AND leg IN ('stop_loss', 'take_profit') AND status IN ('open', 'waiting')`,

  setStop: () =>
    `UPDATE positions SET stop_client_order_id = $3, updated_at = now() WHERE broker = $1 AND symbol = $2`,

  deletePosition: () => `DELETE FROM positions WHERE broker = $1 AND symbol = $2`,

  /** Every position of the broker but the symbols given. */
  deletePositionsExcept: () => `DELETE FROM positions WHERE broker = $1 AND NOT (symbol = ANY($2::text[]))`,

  /** The local id of a broker order: by broker order id first (bracket legs), else by our id. */
  resolveClientOrderId: () =>
    `SELECT client_order_id FROM orders WHERE broker = $1 AND (broker_order_id = $2 OR client_order_id = $3)
      ORDER BY (broker_order_id = $2) DESC LIMIT 1`,

  /**
   * Symbols an order of ours explains, so a fill the broker reports before our tables know it is
   * not a stranger. A broker position in any other symbol is unexplained.
   */
  explainedSymbols: () => `SELECT DISTINCT symbol FROM orders o WHERE o.broker = $1 AND (${explains('o')})`,

  /** Our positions at the broker that no order of ours explains. */
  unexplainedPositions: () =>
    `SELECT p.symbol, p.qty, p.avg_price FROM positions p
      WHERE p.broker = $1 AND NOT EXISTS (
        SELECT 1 FROM orders o WHERE o.broker = $1 AND o.symbol = p.symbol AND (${explains('o')}))
      ORDER BY p.symbol`,
};
