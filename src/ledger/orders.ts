import type { OrderLeg, OrderRequest, OrderSide, OrderStatus } from '../broker/index.ts';
import { type Queryable, runWrites, type SqlWrite } from '../store/index.ts';
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

/** A final state an entry may end in without a fill: its waiting legs end with it. */
const endsUnfilled = (status: string) =>
  status === 'cancelled' || status === 'rejected' || status === 'not_sent';

/**
 * Legs a broker never created end with their entry (see ledgerSql.endLegsWithEntry). Every
 * writer that ends an order calls it, so no leg is left waiting on an entry that will not fill.
 */
async function endLegsWithEntry(q: Queryable, entryClientOrderId: string): Promise<void> {
  await q.query(ledgerSql.endLegsWithEntry(), [entryClientOrderId]);
}

/** Records an order unless its client order id is known already; true when inserted. */
export async function recordIntent(q: Queryable, broker: string, intent: OrderIntent): Promise<boolean> {
  return (await recordIntents(q, broker, [intent])) > 0;
}

/**
 * Records orders in one statement, in the order given, each unless its client order id is known
 * already; returns how many were inserted.
 */
export async function recordIntents(
  q: Queryable,
  broker: string,
  intents: readonly OrderIntent[],
): Promise<number> {
  if (intents.length === 0) return 0;
  const { text, values } = intentsWrite(broker, intents);
  const inserted = await q.query(text, values);
  return inserted.rows.length;
}

/** recordIntents as a write to send with others (one statement with its bus message); at least one intent. */
export function intentsWrite(broker: string, intents: readonly OrderIntent[]): SqlWrite {
  const values: unknown[] = [];
  for (const intent of intents) values.push(...intentValues(broker, intent));
  return { text: ledgerSql.insertIntents(intents.length), values };
}

function intentValues(broker: string, intent: OrderIntent): unknown[] {
  return [
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
  ];
}

/** The bracket of an entry being decided: its stop-loss and take-profit prices. */
export interface BracketIntent {
  stopLoss?: number | null;
  takeProfit?: number | null;
}

/** The client order id of an entry's bracket leg (`<entry>.sl`, `<entry>.tp`), as every venue names it. */
export function legClientOrderId(entryClientOrderId: string, leg: 'stop_loss' | 'take_profit'): string {
  return `${entryClientOrderId}.${leg === 'stop_loss' ? 'sl' : 'tp'}`;
}

/**
 * The stop-loss and take-profit rows of an entry, `waiting` until the entry fills; a leg without
 * a price has no row.
 */
export function bracketLegIntents(
  entry: Pick<OrderIntent, 'clientOrderId' | 'symbol' | 'side' | 'qty' | 'cycleId'>,
  bracket: BracketIntent,
): OrderIntent[] {
  const exitSide: OrderSide = entry.side === 'buy' ? 'sell' : 'buy';
  const legs = [
    { leg: 'stop_loss', type: 'stop', limitPrice: null, stopPrice: bracket.stopLoss ?? null },
    { leg: 'take_profit', type: 'limit', limitPrice: bracket.takeProfit ?? null, stopPrice: null },
  ] as const;
  return legs
    .filter((leg) => leg.stopPrice !== null || leg.limitPrice !== null)
    .map((leg) => ({
      clientOrderId: legClientOrderId(entry.clientOrderId, leg.leg),
      parentClientOrderId: entry.clientOrderId,
      leg: leg.leg,
      symbol: entry.symbol,
      side: exitSide,
      type: leg.type,
      qty: entry.qty,
      limitPrice: leg.limitPrice,
      stopPrice: leg.stopPrice,
      timeInForce: 'gtc',
      status: 'waiting',
      cycleId: entry.cycleId ?? null,
    }));
}

/**
 * The stop-loss and take-profit rows of an entry, written with the entry's intent (in the same
 * transaction), `waiting` until the entry fills: a position never points to a leg that has no
 * row. An existing row is kept (an adapter that writes its legs itself finds them there).
 */
export async function recordBracketLegs(
  q: Queryable,
  broker: string,
  entry: Pick<OrderIntent, 'clientOrderId' | 'symbol' | 'side' | 'qty' | 'cycleId'>,
  bracket: BracketIntent,
): Promise<void> {
  await recordIntents(q, broker, bracketLegIntents(entry, bracket));
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
  if (endsUnfilled(state.status)) await endLegsWithEntry(q, state.clientOrderId);
}

/**
 * applyOrderState as a write for a statement of several (the broker recorder's fill); null for a
 * state that ends the order unfilled, whose legs' ending reads the entry as the upsert left it
 * (applyOrderState's second statement), which a part of the same statement would not see.
 */
export function orderStateWrite(broker: string, state: OrderStateReport): SqlWrite | null {
  if (endsUnfilled(state.status)) return null;
  return { text: ledgerSql.upsertOrderState(), values: orderStateValues(broker, state) };
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
  await runWrites(q, answerIntentWrites(clientOrderId, answer));
}

/**
 * answerIntent as writes to send with others in one statement: the answer, and when it ends the
 * entry unfilled, its waiting legs ended with it (endLegsWithAnswer: the legs' write sees the
 * entry as the statement began, so it works out the entry's state after the answer itself).
 */
export function answerIntentWrites(clientOrderId: string, answer: SubmissionAnswer): SqlWrite[] {
  const writes: SqlWrite[] = [
    {
      text: ledgerSql.answerIntent(),
      values: [
        clientOrderId,
        answer.status,
        answer.brokerOrderId ?? null,
        answer.reason,
        answer.filledQty,
        answer.avgFillPrice,
      ],
    },
  ];
  if (endsUnfilled(answer.status)) {
    writes.push({
      text: ledgerSql.endLegsWithAnswer(),
      values: [clientOrderId, answer.status, answer.filledQty],
    });
  }
  return writes;
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
  if (endsUnfilled(status)) await endLegsWithEntry(q, clientOrderId);
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
  if (endsUnfilled(settlement.status)) await endLegsWithEntry(q, clientOrderId);
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
  if (endsUnfilled(status)) await endLegsWithEntry(q, clientOrderId);
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
