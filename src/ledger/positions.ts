import type { Queryable, SqlWrite } from '../store/index.ts';
import { ledgerSql } from './sql.ts';

export interface PositionRecord {
  symbol: string;
  /** Negative when short. */
  qty: number;
  avgPrice: number;
  stopClientOrderId: string | null;
  takeProfitClientOrderId: string | null;
  /** Epoch ms; default: now (kept for an existing row). */
  openedAt?: number | null;
}

/** The position as the broker holds it, with the protective orders we know for it. */
export async function setPosition(q: Queryable, broker: string, position: PositionRecord): Promise<void> {
  await q.query(ledgerSql.upsertPosition(), [
    broker,
    position.symbol,
    position.qty,
    position.avgPrice,
    position.stopClientOrderId,
    position.takeProfitClientOrderId,
    position.openedAt === undefined || position.openedAt === null ? null : new Date(position.openedAt),
  ]);
}

/** Points the position at its protective orders (a null clears one). */
export async function setProtection(
  q: Queryable,
  broker: string,
  symbol: string,
  protection: { stopClientOrderId: string | null; takeProfitClientOrderId: string | null },
): Promise<void> {
  await q.query(ledgerSql.setProtection(), [
    broker,
    symbol,
    protection.stopClientOrderId,
    protection.takeProfitClientOrderId,
  ]);
}

/** Points the position at a new stop, its take-profit kept. */
export async function setStop(
  q: Queryable,
  broker: string,
  symbol: string,
  stopClientOrderId: string,
): Promise<void> {
  await q.query(ledgerSql.setStop(), [broker, symbol, stopClientOrderId]);
}

export async function removePosition(q: Queryable, broker: string, symbol: string): Promise<void> {
  await q.query(ledgerSql.deletePosition(), [broker, symbol]);
}

/**
 * After an execution: the broker's new quantity (flat removes the position); the average price
 * moves only when the position grew (or turned), at the execution's price.
 */
export async function applyExecutionToPosition(
  q: Queryable,
  broker: string,
  execution: { symbol: string; positionQty: number; price: number },
): Promise<void> {
  const write = executionWrite(broker, execution);
  await q.query(write.text, write.values);
}

/**
 * applyExecutionToPosition as a write for a statement of several (the broker recorder's fill);
 * with `protection`, the position (unless flat) is pointed at its protective orders in the same
 * write, as setProtection after it would.
 */
export function executionWrite(
  broker: string,
  execution: { symbol: string; positionQty: number; price: number },
  protection?: { stopClientOrderId: string | null; takeProfitClientOrderId: string | null },
): SqlWrite {
  const { symbol, positionQty, price } = execution;
  if (positionQty === 0) return { text: ledgerSql.deletePosition(), values: [broker, symbol] };
  if (!protection)
    return { text: ledgerSql.applyExecutionToPosition(), values: [broker, symbol, positionQty, price] };
  return {
    text: ledgerSql.applyExecutionWithProtection(),
    values: [
      broker,
      symbol,
      positionQty,
      price,
      protection.stopClientOrderId,
      protection.takeProfitClientOrderId,
    ],
  };
}

/**
 * The broker's positions become ours: every other symbol is removed, each held one gets the
 * broker's size and price (its protective orders kept). Flat entries count as not held.
 */
export async function replacePositionSizes(
  q: Queryable,
  broker: string,
  held: readonly { symbol: string; qty: number; avgPrice: number }[],
): Promise<void> {
  const open = held.filter((position) => position.qty !== 0);
  await q.query(ledgerSql.deletePositionsExcept(), [broker, open.map((position) => position.symbol)]);
  for (const position of open)
    await q.query(ledgerSql.upsertPositionSize(), [broker, position.symbol, position.qty, position.avgPrice]);
}
