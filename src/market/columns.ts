/**
 * A series' six columns, each a Float64Array view of one shared buffer: one allocation where six
 * cost six backing stores (and their external-memory accounting) each time, and one buffer to
 * transfer between threads. No zod here: the CSV worker loads this module.
 */

export interface BarColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** The six columns of `capacity` rows in one buffer (one allocation, one transfer between threads). */
export function columnsIn(buffer: ArrayBuffer, capacity: number): BarColumns {
  const column = (at: number) => new Float64Array(buffer, at * capacity * 8, capacity);
  return {
    time: column(0),
    open: column(1),
    high: column(2),
    low: column(3),
    close: column(4),
    volume: column(5),
  };
}

/** New zeroed columns of `capacity` rows, and the buffer they share (to transfer it whole). */
export function allocateColumns(capacity: number): { buffer: ArrayBuffer; columns: BarColumns } {
  const buffer = new ArrayBuffer(capacity * 6 * 8);
  return { buffer, columns: columnsIn(buffer, capacity) };
}
