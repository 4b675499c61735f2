/**
 * The market-data contract every feed implements (csv, sim, alpaca, mt5).
 * Dependency-free on purpose: adapters and the pipeline import only these types.
 */

/** One OHLCV bar. `time` is the bar's UTC timestamp in milliseconds since the epoch. */
export interface Bar {
  symbol: string;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Bars of one symbol in columns, oldest first. Columnar typed arrays keep the backtest's hot loop
 * free of per-bar objects; `barAt` (bar.ts) turns one row into a `Bar` where an object is wanted.
 */
export interface BarSeries {
  readonly symbol: string;
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** A row a feed left out because `skipBadRows` was set. */
export interface SkippedRow {
  source: string;
  line: number;
  field: string;
  message: string;
}

export interface FeedRange {
  /** Inclusive. */
  from?: number;
  /** Inclusive. */
  to?: number;
}

export interface FeedResult {
  series: BarSeries[];
  skipped: SkippedRow[];
}

export interface Feed {
  /** e.g. "csv" or "sim". */
  readonly kind: string;
  /** Loads every symbol's bars (within `range` when given). */
  load(range?: FeedRange): Promise<FeedResult>;
}
