import type { Queryable } from '../store/index.ts';
import { markOrder } from './orders.ts';
import { setStop } from './positions.ts';
import { ledgerSql } from './sql.ts';
import type { OrderState } from './states.ts';

/** A stop the monitor moved (src/pipeline/stop-management.ts), as the broker answered the move. */
export interface StopMove {
  symbol: string;
  /** The stop that was moved; null where the stop lives on the position (MT5's SL). */
  fromClientOrderId: string | null;
  /** The stop working after the move: the same id (moved in place) or its replacement's. */
  toClientOrderId: string;
  brokerOrderId: string | null;
  side: 'buy' | 'sell';
  qty: number;
  stopPrice: number;
  /** The price the position's first stop had: its initial risk R is measured from it. */
  initialStopPrice: number;
  status: OrderState;
}

/**
 * Records a moved stop: the same order's new price (its first price kept), or the replacement
 * order with the old one ended as replaced; the position then points at the stop now working.
 */
export async function recordStopMove(q: Queryable, broker: string, move: StopMove): Promise<void> {
  if (move.fromClientOrderId === move.toClientOrderId) {
    await q.query(ledgerSql.moveStopInPlace(), [
      move.toClientOrderId,
      broker,
      move.stopPrice,
      move.initialStopPrice,
      move.brokerOrderId,
    ]);
  } else {
    await q.query(ledgerSql.upsertReplacementStop(), [
      move.toClientOrderId,
      broker,
      move.brokerOrderId,
      move.symbol,
      move.side,
      move.qty,
      move.stopPrice,
      move.initialStopPrice,
      move.status,
    ]);
    if (move.fromClientOrderId !== null)
      await markOrder(
        q,
        move.fromClientOrderId,
        'cancelled',
        `replaced by ${move.toClientOrderId} (stop moved to ${move.stopPrice})`,
      );
  }
  await setStop(q, broker, move.symbol, move.toClientOrderId);
}

/** Alpaca's `replaced` for a bracket leg of ours: true when a leg row now follows `newBrokerOrderId`. */
export async function followReplacedLeg(
  q: Queryable,
  broker: string,
  oldBrokerOrderId: string,
  newBrokerOrderId: string,
): Promise<boolean> {
  const result = await q.query(ledgerSql.followReplacedLeg(), [broker, oldBrokerOrderId, newBrokerOrderId]);
  return (result.rowCount ?? 0) > 0;
}
