import type { RowLayout } from './csv-scan.ts';

/**
 * A CSV file's header read into the layout its rows are scanned with; no zod, so the parsing
 * thread beside the main one (csv-worker.ts) loads it alone.
 */

export type Column = 'date' | 'open' | 'high' | 'low' | 'close' | 'adjClose' | 'volume' | 'openInterest';

const headerNames: Record<string, Column> = {
  date: 'date',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  'adj close': 'adjClose',
  adjclose: 'adjClose',
  adj_close: 'adjClose',
  volume: 'volume',
  openinterest: 'openInterest',
  'open interest': 'openInterest',
};

const required: Column[] = ['date', 'open', 'high', 'low', 'close', 'volume'];

export interface Header {
  /** The header line as written (without its line break or a byte-order mark). */
  line: string;
  /** Where each known column sits (its first occurrence). */
  index: Partial<Record<Column, number>>;
  /** Where the first row starts. */
  rowsStart: number;
  /** What is wrong with it, if anything: a required column missing, or no Adj Close to adjust by. */
  missing: Column | null;
  /** The layout of its rows, when nothing is missing. */
  layout: RowLayout | null;
}

export function readHeader(text: Buffer, adjusted: boolean): Header {
  const firstBreak = text.indexOf(10);
  const line = (firstBreak < 0 ? text.toString('utf8') : text.toString('utf8', 0, firstBreak))
    .replace(/\r$/, '')
    .replace(/^\uFEFF/, '');
  const columns = line.split(',').map((name) => headerNames[name.trim().toLowerCase()]);
  const index: Partial<Record<Column, number>> = {};
  columns.forEach((column, at) => {
    if (column && index[column] === undefined) index[column] = at;
  });
  const rowsStart = firstBreak < 0 ? text.length : firstBreak + 1;
  let missing = required.find((column) => index[column] === undefined) ?? null;
  if (missing === null && adjusted && index.adjClose === undefined) missing = 'adjClose';
  const layout: RowLayout | null =
    missing !== null
      ? null
      : {
          fieldCount: columns.length,
          date: index.date!,
          open: index.open!,
          high: index.high!,
          low: index.low!,
          close: index.close!,
          volume: index.volume!,
          adjClose: index.adjClose ?? -1,
          adjusted,
        };
  return { line, index, rowsStart, missing, layout };
}

/** An upper bound on the rows of a file: its line breaks, plus one. */
export function rowCapacity(text: Buffer): number {
  let capacity = 1;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) capacity += 1;
  return capacity;
}
