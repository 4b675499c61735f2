import type { Queryable } from '../store/index.ts';
import type { OrderLeg, OrderRequest, OrderSide, OrderStatus } from './broker.ts';
import { reconcileSql } from './reconcile-sql.ts';
import { publishLedgerFill } from './trade-messages.ts';

/** An order as the broker reports it, in Signet's vocabulary (broker-neutral). */
export interface BrokerOrderState {
  clientOrderId: string;
  brokerOrderId: string;
  parentClientOrderId: string | null;
  leg: OrderLeg;
  symbol: string;
  side: OrderSide;
  type: 'market' | 'limit' | 'stop' | 'stop_limit';
  qty: number;
  limitPrice: number | null;
  stopPrice: number | null;
  timeInForce: string;
  status: OrderStatus;
  filledQty: number;
  avgFillPrice: number | null;
  /** Epoch ms. */
  submittedAt: number;
  /** Epoch ms of the last fill, when filled. */
  filledAt: number | null;
  reason: string | null;
}

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

/** Records an order before it is sent, so a crash in between still leaves a row to reconcile. */
export async function recordOrderIntent(q: Queryable, broker: string, request: OrderRequest): Promise<void> {
  await q.query(reconcileSql.insertOrderIntent(), [
    request.clientOrderId,
    broker,
    null,
    request.leg ?? 'entry',
    request.symbol,
    request.side,
    request.type,
    request.qty,
    request.limitPrice ?? null,
    request.stopPrice ?? null,
    request.bracket ? 'gtc' : 'day',
    request.cycleId ?? null,
  ]);
}

export function orderStateValues(broker: string, state: BrokerOrderState): unknown[] {
  return [
    state.clientOrderId,
    broker,
    state.brokerOrderId,
    state.parentClientOrderId,
    state.leg,
    state.symbol,
    state.side,
    state.type,
    state.qty,
    state.limitPrice,
    state.stopPrice,
    state.timeInForce,
    state.status,
    state.filledQty,
    state.avgFillPrice,
    state.reason,
    new Date(state.submittedAt),
    null,
  ];
}

/** Inserts or refreshes orders from the broker's answer (an entry and its bracket legs). */
export async function recordOrderStates(
  q: Queryable,
  broker: string,
  states: readonly BrokerOrderState[],
): Promise<void> {
  for (const state of states) await q.query(reconcileSql.upsertOrderState(), orderStateValues(broker, state));
}

/**
 * Records one execution: the fill (unless already covered), the order's state, the position,
 * and its messages (`order.filled`, and `position.closed` when the position is back to flat).
 * Returns false when the fill was already recorded (a replayed or late event) or the order is
 * not one of ours.
 */
export async function recordExecution(
  q: Queryable,
  broker: string,
  execution: BrokerExecution,
  order: BrokerOrderState,
): Promise<boolean> {
  await q.query(reconcileSql.lockBroker(), [broker]);
  const resolved = await q.query<{ client_order_id: string }>(reconcileSql.resolveClientOrderId(), [
    broker,
    execution.brokerOrderId,
    order.clientOrderId,
  ]);
  // Not ours (placed by hand, or by another system): reconciliation reports it; we never adopt it here.
  const clientOrderId = resolved.rows[0]?.client_order_id;
  if (!clientOrderId) return false;
  await q.query(reconcileSql.upsertOrderState(), orderStateValues(broker, { ...order, clientOrderId }));
  const inserted = await q.query(reconcileSql.insertFillGuarded(), [
    clientOrderId,
    execution.executionId,
    broker,
    execution.symbol,
    execution.side,
    execution.qty,
    execution.price,
    new Date(execution.time),
    execution.cumulativeFilledQty,
  ]);
  if (inserted.rows.length === 0) return false;
  if (execution.positionQty === 0) await q.query(reconcileSql.deletePosition(), [broker, execution.symbol]);
  else
    await q.query(reconcileSql.applyExecutionToPosition(), [
      broker,
      execution.symbol,
      execution.positionQty,
      execution.price,
    ]);
  await publishLedgerFill(q, broker, execution.executionId);
  return true;
}

/** Symbols an order of ours explains at this broker (see reconcileSql.explainedSymbols). */
export async function explainedSymbols(q: Queryable, broker: string): Promise<Set<string>> {
  const result = await q.query<{ symbol: string }>(reconcileSql.explainedSymbols(), [broker]);
  return new Set(result.rows.map((row) => row.symbol));
}
