import type { OrderLeg, OrderRequest, OrderSide, OrderStatus } from '../broker/index.ts';
import type { Queryable } from '../store/index.ts';
import { ledgerSql } from './sql.ts';
import type { OrderState } from './states.ts';

/** An order's state to record: what a broker reported, or what a broker without ids of its own says. */
export interface OrderStateReport {
  clientOrderId: string;
  /** Null for a broker with no ids of its own (an existing id is kept). */
  brokerOrderId: string | null;
  parentClientOrderId: string | null;
  leg: OrderLeg;
  symbol: string;
  side: OrderSide;
  type: 'market' | 'limit' | 'stop' | 'stop_limit';
  qty: number;
  limitPrice: number | null;
  stopPrice: number | null;
  timeInForce: string;
  status: OrderState;
  filledQty: number;
  avgFillPrice: number | null;
  /** Epoch ms; null: now, when the row is first written. */
  submittedAt: number | null;
  reason: string | null;
  /** Written when the row is first inserted; an existing row keeps its own. */
  cycleId?: string | null;
}

/** An order as the broker reports it, in Signet's vocabulary (broker-neutral). */
export interface BrokerOrderState extends OrderStateReport {
  brokerOrderId: string;
  status: OrderStatus;
  /** Epoch ms. */
  submittedAt: number;
  /** Epoch ms of the last fill, when filled. */
  filledAt: number | null;
}

/** An order row written before, or without, the broker's word. */
export interface OrderIntent {
  clientOrderId: string;
  brokerOrderId?: string | null;
  parentClientOrderId?: string | null;
  leg: OrderLeg;
  symbol: string;
  side: OrderSide;
  type: 'market' | 'limit' | 'stop' | 'stop_limit';
  qty: number;
  limitPrice?: number | null;
  stopPrice?: number | null;
  timeInForce?: string;
  status: Extract<OrderState, 'pending_submit' | 'waiting' | 'open'>;
  cycleId?: string | null;
  /** The bus message that decided it (`order.intent`). */
  messageId?: number | null;
  /** A note kept in reject_reason (e.g. why an exit row was made for a deal). */
  note?: string | null;
}

/** Records an order unless its client order id is known already; true when inserted. */
export async function recordIntent(q: Queryable, broker: string, intent: OrderIntent): Promise<boolean> {
  const inserted = await q.query(ledgerSql.insertIntent(), [
    intent.clientOrderId,
    broker,
    intent.brokerOrderId ?? null,
    intent.parentClientOrderId ?? null,
    intent.leg,
    intent.symbol,
    intent.side,
    intent.type,
    intent.qty,
    intent.limitPrice ?? null,
    intent.stopPrice ?? null,
    intent.timeInForce ?? 'day',
    intent.status,
    intent.cycleId ?? null,
    intent.messageId ?? null,
    intent.note ?? null,
  ]);
  return inserted.rows.length > 0;
}

/** An order request about to go to the broker, as an `open` row, so a crash in between leaves one to reconcile. */
export async function recordOrderIntent(q: Queryable, broker: string, request: OrderRequest): Promise<void> {
  await recordIntent(q, broker, {
    clientOrderId: request.clientOrderId,
    leg: request.leg ?? 'entry',
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    qty: request.qty,
    limitPrice: request.limitPrice ?? null,
    stopPrice: request.stopPrice ?? null,
    timeInForce: request.bracket ? 'gtc' : 'day',
    status: 'open',
    cycleId: request.cycleId ?? null,
  });
}

export function orderStateValues(broker: string, state: OrderStateReport): unknown[] {
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
    state.submittedAt === null ? null : new Date(state.submittedAt),
    null,
    state.cycleId ?? null,
  ];
}

/** Inserts or moves an order forward to the broker's state (never back; see ledgerSql.upsertOrderState). */
export async function applyOrderState(q: Queryable, broker: string, state: OrderStateReport): Promise<void> {
  await q.query(ledgerSql.upsertOrderState(), orderStateValues(broker, state));
}

/** Inserts or refreshes orders from the broker's answer (an entry and its bracket legs). */
export async function recordOrderStates(
  q: Queryable,
  broker: string,
  states: readonly OrderStateReport[],
): Promise<void> {
  for (const state of states) await applyOrderState(q, broker, state);
}

/** A protective order we placed ourselves (a re-attached stop, an exit), with the broker's status. */
export interface ProtectiveOrder {
  clientOrderId: string;
  leg: OrderLeg;
  symbol: string;
  side: OrderSide;
  type: 'market' | 'stop';
  qty: number;
  stopPrice: number | null;
  status: OrderState;
}

export async function recordProtectiveOrder(
  q: Queryable,
  broker: string,
  order: ProtectiveOrder,
): Promise<void> {
  await q.query(ledgerSql.upsertProtectiveOrder(), [
    order.clientOrderId,
    broker,
    order.leg,
    order.symbol,
    order.side,
    order.type,
    order.qty,
    order.stopPrice,
    order.status,
  ]);
}

/** What the broker answered to a submission. */
export interface SubmissionAnswer {
  status: OrderState;
  brokerOrderId?: string | null;
  reason: string | null;
  filledQty: number;
  avgFillPrice: number | null;
}

/** Our intent leaves `pending_submit` once, with the broker's answer; a row already moved on is kept. */
export async function answerIntent(
  q: Queryable,
  clientOrderId: string,
  answer: SubmissionAnswer,
): Promise<void> {
  await q.query(ledgerSql.answerIntent(), [
    clientOrderId,
    answer.status,
    answer.brokerOrderId ?? null,
    answer.reason,
    answer.filledQty,
    answer.avgFillPrice,
  ]);
}

/** The intent is on its way to the broker (queued for it): `pending_submit` → `open`. */
export async function markQueued(q: Queryable, broker: string, clientOrderId: string): Promise<void> {
  await q.query(ledgerSql.markQueued(), [clientOrderId, broker]);
}

/** A status (and reason) we set ourselves; forward only. */
export async function markOrder(
  q: Queryable,
  clientOrderId: string,
  status: OrderState,
  reason: string | null,
): Promise<void> {
  await q.query(ledgerSql.markOrder(), [clientOrderId, status, reason]);
}

export interface Settlement {
  status: OrderState;
  brokerOrderId?: string | null;
  filledQty?: number;
  avgFillPrice?: number | null;
  reason?: string | null;
}

/** An order's outcome from the broker (status, id, fill totals, reason); forward only. */
export async function settleOrder(
  q: Queryable,
  broker: string,
  clientOrderId: string,
  settlement: Settlement,
): Promise<void> {
  await q.query(ledgerSql.settleOrder(), [
    clientOrderId,
    settlement.status,
    settlement.brokerOrderId ?? null,
    settlement.filledQty ?? 0,
    settlement.avgFillPrice ?? null,
    settlement.reason ?? null,
    broker,
  ]);
}

/** The order's status, with its filled quantity and price taken from its recorded fills; forward only. */
export async function settleOrderFromFills(
  q: Queryable,
  broker: string,
  clientOrderId: string,
  status: OrderState,
  brokerOrderId: string | null,
): Promise<void> {
  await q.query(ledgerSql.settleOrderFromFills(), [clientOrderId, status, brokerOrderId, broker]);
}

/** The waiting legs of an entry become `open` (it filled) or `cancelled` (it never will). */
export async function settleLegs(
  q: Queryable,
  broker: string,
  entryClientOrderId: string,
  status: Extract<OrderState, 'open' | 'cancelled'>,
): Promise<void> {
  await q.query(ledgerSql.settleLegs(), [entryClientOrderId, status, broker]);
}

/** One leg of a bracket filled: the others still working are cancelled. */
export async function cancelSiblingLegs(
  q: Queryable,
  broker: string,
  entryClientOrderId: string,
  filledLegClientOrderId: string,
): Promise<void> {
  await q.query(ledgerSql.cancelSiblingLegs(), [
    entryClientOrderId,
    filledLegClientOrderId,
    broker,
    'the other leg of the bracket filled',
  ]);
}

/** Removes a placeholder order (its fills must have moved to another order first). */
export async function dropOrder(q: Queryable, broker: string, clientOrderId: string): Promise<void> {
  await q.query(ledgerSql.deleteOrder(), [clientOrderId, broker]);
}
