import { busSql } from './sql.ts';

/** What a draw needs of a connection: a pool, a transaction's client or a COPY connection. */
export interface IdDrawer {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Draws `count` ids from the bus table's identity sequence, ascending, for a writer that hands
 * ids out before its rows are written (CycleBuffer, a backtest's log).
 */
export async function drawIds(queryable: IdDrawer, count: number): Promise<number[]> {
  if (count === 0) return [];
  const result = await queryable.query(busSql.reserveIds(), [count]);
  const ids: number[] = [];
  // Each row is a run of consecutive ids; the runs come in ascending order.
  for (const row of result.rows) {
    for (let id = Number(row.first); id <= Number(row.last); id += 1) ids.push(id);
  }
  if (ids.length !== count)
    throw new Error(`drew ${ids.length} ids from the bus sequence, asked for ${count}`);
  return ids;
}
