import type { OrderSide } from '../broker/index.ts';
import type { Queryable, SqlWrite } from '../store/index.ts';
import { ledgerSql } from './sql.ts';

/** One execution of an order. */
export interface FillRecord {
  clientOrderId: string;
  /** The broker's execution id: the same one is never recorded twice. */
  executionId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  commission?: number;
  /** Epoch ms. */
  time: number;
  /**
   * The order's filled quantity after this execution, as the broker reported it: the fill is
   * then skipped when the recorded fills already reach it (a late event after a reconciliation).
   */
  cumulativeFilledQty?: number;
}

/** Records an execution once; true when it was new. */
export async function recordFill(q: Queryable, broker: string, fill: FillRecord): Promise<boolean> {
  const write = fillWrite(broker, fill);
  const inserted = await q.query(write.text, write.values);
  return inserted.rows.length > 0;
}

/** recordFill as a write for a statement of several (the broker recorder's fill). */
export function fillWrite(broker: string, fill: FillRecord): SqlWrite {
  const values = [
    fill.clientOrderId,
    fill.executionId,
    broker,
    fill.symbol,
    fill.side,
    fill.qty,
    fill.price,
    fill.commission ?? 0,
    new Date(fill.time),
  ];
  return fill.cumulativeFilledQty === undefined
    ? { text: ledgerSql.insertFill(), values }
    : { text: ledgerSql.insertFillGuarded(), values: [...values, fill.cumulativeFilledQty] };
}

/** A fill recorded under a placeholder order moves to the order that really sent it; true when it moved. */
export async function moveFill(
  q: Queryable,
  broker: string,
  executionId: string,
  from: string,
  to: string,
): Promise<boolean> {
  const moved = await q.query(ledgerSql.moveFill(), [to, broker, executionId, from]);
  return moved.rows.length > 0;
}

/**
 * The commission of an execution already recorded, when the broker reports it separately (IB sends
 * commissionReport after execDetails); true when a fill took it.
 */
export async function recordFillCommission(
  q: Queryable,
  broker: string,
  executionId: string,
  commission: number,
): Promise<boolean> {
  const updated = await q.query(ledgerSql.setFillCommission(), [broker, executionId, commission]);
  return updated.rows.length > 0;
}
