import type { Queryable } from '../store/index.ts';
import { operatorSql } from './sql.ts';

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const iso = (value: unknown) =>
  value instanceof Date ? value.toISOString() : value == null ? null : String(value);

export interface PositionView {
  broker: unknown;
  symbol: unknown;
  qty: number | null;
  avgPrice: number | null;
  stopClientOrderId: unknown;
  stopPrice: number | null;
  stopStatus: unknown;
  takeProfitClientOrderId: unknown;
  takeProfitPrice: number | null;
  openedAt: string | null;
  updatedAt: string | null;
}

/** Open positions with the price and status of their stop and the price of their take-profit. */
export async function readPositions(db: Queryable): Promise<PositionView[]> {
  const result = await db.query<Record<string, unknown>>(operatorSql.positions());
  return result.rows.map((row) => ({
    broker: row.broker,
    symbol: row.symbol,
    qty: num(row.qty),
    avgPrice: num(row.avg_price),
    stopClientOrderId: row.stop_client_order_id ?? null,
    stopPrice: num(row.stop_price),
    stopStatus: row.stop_status ?? null,
    takeProfitClientOrderId: row.take_profit_client_order_id ?? null,
    takeProfitPrice: num(row.take_profit_price),
    openedAt: iso(row.opened_at),
    updatedAt: iso(row.updated_at),
  }));
}

export interface OrderFilter {
  status?: string;
  symbol?: string;
  limit: number;
}

/** Orders, newest first. */
export async function readOrders(db: Queryable, filter: OrderFilter) {
  const result = await db.query<Record<string, unknown>>(operatorSql.orders(), [
    filter.status ?? null,
    filter.symbol ?? null,
    filter.limit,
  ]);
  return result.rows.map((row) => ({
    clientOrderId: row.client_order_id,
    broker: row.broker,
    parentClientOrderId: row.parent_client_order_id ?? null,
    leg: row.leg,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    qty: num(row.qty),
    limitPrice: num(row.limit_price),
    stopPrice: num(row.stop_price),
    status: row.status,
    filledQty: num(row.filled_qty),
    avgFillPrice: num(row.avg_fill_price),
    rejectReason: row.reject_reason ?? null,
    cycleId: row.cycle_id ?? null,
    submittedAt: iso(row.submitted_at),
    updatedAt: iso(row.updated_at),
  }));
}

/** Fills, newest first, with the leg of their order. */
export async function readFills(db: Queryable, filter: { symbol?: string; limit: number }) {
  const result = await db.query<Record<string, unknown>>(operatorSql.fills(), [
    filter.symbol ?? null,
    filter.limit,
  ]);
  return result.rows.map((row) => ({
    id: num(row.id),
    clientOrderId: row.client_order_id,
    broker: row.broker,
    symbol: row.symbol,
    side: row.side,
    leg: row.leg,
    qty: num(row.qty),
    price: num(row.price),
    commission: num(row.commission),
    ts: iso(row.ts),
  }));
}

/** Decision cycles, newest first, with their journaled outcomes. */
export async function readCycles(db: Queryable, limit: number) {
  const result = await db.query<Record<string, unknown>>(operatorSql.cycles(), [limit]);
  return result.rows.map((row) => ({
    cycleId: row.cycle_id,
    firstTs: iso(row.first_ts),
    lastTs: iso(row.last_ts),
    messages: num(row.messages),
    topics: row.topics,
    outcomes: row.outcomes,
  }));
}

export interface JournalLine {
  ts: string | null;
  symbol: string | null;
  agent: string;
  outcome: string;
  decidedBy: string;
  /** What `signet explain` takes: the order's client id, else the cycle's. */
  explainId: string | null;
  path: string;
}

/** The newest journal rows (all symbols, or one), newest first, with the id `signet explain` takes. */
export async function readRecentJournal(
  db: Queryable,
  symbol: string | undefined,
  limit: number,
): Promise<JournalLine[]> {
  const result = await db.query<Record<string, unknown>>(operatorSql.recentJournal(), [
    symbol ?? null,
    limit,
  ]);
  return result.rows.map((row) => ({
    ts: iso(row.ts),
    symbol: row.symbol == null ? null : String(row.symbol),
    agent: String(row.agent),
    outcome: String(row.outcome),
    decidedBy: String(row.decided_by),
    explainId:
      row.client_order_id != null
        ? String(row.client_order_id)
        : row.cycle_id != null
          ? String(row.cycle_id)
          : null,
    path: String(row.path),
  }));
}
