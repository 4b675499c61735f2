import type { OrderSide } from '../broker/index.ts';
import { withFields } from '../platform/index.ts';
import type { Queryable } from '../store/index.ts';
import { recordFill } from './fills.ts';
import { applyOrderState, type BrokerOrderState } from './orders.ts';
import { applyExecutionToPosition } from './positions.ts';
import { ledgerSql } from './sql.ts';

/** One execution reported by the broker's stream. */
export interface BrokerExecution {
  brokerOrderId: string;
  clientOrderId: string;
  executionId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  /** Epoch ms. */
  time: number;
  /** The order's filled quantity after this execution. */
  cumulativeFilledQty: number;
  /** The broker's position after this execution (negative when short). */
  positionQty: number;
}

/** Serialises the ledger writers of one broker until the transaction ends. */
export async function lockBroker(q: Queryable, broker: string): Promise<void> {
  await q.query(ledgerSql.lockBroker(), [broker]);
}

/**
 * Records one execution: the fill (unless already covered), the order's state, the position.
 * Returns false when the fill was already recorded (a replayed or late event) or the order is
 * not one of ours.
 */
export async function recordExecution(
  q: Queryable,
  broker: string,
  execution: BrokerExecution,
  order: BrokerOrderState,
): Promise<boolean> {
  await lockBroker(q, broker);
  const resolved = await q.query<{ client_order_id: string }>(ledgerSql.resolveClientOrderId(), [
    broker,
    execution.brokerOrderId,
    order.clientOrderId,
  ]);
  // Not ours (placed by hand, or by another system): reconciliation reports it; we never adopt it here.
  const clientOrderId = resolved.rows[0]?.client_order_id;
  if (!clientOrderId) return false;
  await applyOrderState(q, broker, withFields(order, { clientOrderId }));
  const inserted = await recordFill(q, broker, {
    clientOrderId,
    executionId: execution.executionId,
    symbol: execution.symbol,
    side: execution.side,
    qty: execution.qty,
    price: execution.price,
    time: execution.time,
    cumulativeFilledQty: execution.cumulativeFilledQty,
  });
  if (!inserted) return false;
  await applyExecutionToPosition(q, broker, execution);
  return true;
}

/** Symbols an order of ours explains at this broker (see ledgerSql.explainedSymbols). */
export async function explainedSymbols(q: Queryable, broker: string): Promise<Set<string>> {
  const result = await q.query<{ symbol: string }>(ledgerSql.explainedSymbols(), [broker]);
  return new Set(result.rows.map((row) => row.symbol));
}

/** Our positions at this broker that no order of ours explains, by symbol. */
export async function unexplainedPositions(
  q: Queryable,
  broker: string,
): Promise<{ symbol: string; qty: number; avgPrice: number }[]> {
  const result = await q.query<{ symbol: string; qty: number; avg_price: number }>(
    ledgerSql.unexplainedPositions(),
    [broker],
  );
  return result.rows.map((row) => ({
    symbol: row.symbol,
    qty: Number(row.qty),
    avgPrice: Number(row.avg_price),
  }));
}
