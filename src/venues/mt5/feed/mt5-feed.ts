import type { Bar, Feed, FeedRange, FeedResult } from '../../../market/index.ts';
import { seriesFromBars } from '../../../market/index.ts';
import type { Queryable } from '../../../store/index.ts';
import { learnMt5Grid } from '../price-tick.ts';

export interface Mt5FeedOptions {
  db: Queryable;
  /** The terminal whose EA posts the bars (resolved late: the EA may connect after we start). */
  terminalId: () => Promise<string>;
  /** MT5 timeframe the EA posts, e.g. M5 or H1. */
  timeframe: string;
  /** Symbols to trade; empty: every symbol the EA posts bars for. */
  symbols: string[];
  /** The newest this many bars per symbol at most (a cycle needs history, not every bar ever posted). */
  maxBarsPerSymbol?: number;
}

/** SQL of the EA bar feed, as small pure builders. */
export const mt5FeedSql = {
  grids: () =>
    `SELECT symbol, digits, tick_size FROM mt5_symbols
      WHERE terminal_id = $1 AND (cardinality($2::text[]) = 0 OR symbol = ANY($2::text[]))`,
  bars: () =>
    `SELECT symbol, time, open, high, low, close, volume FROM (
       SELECT symbol, (extract(epoch FROM time_utc) * 1000)::float8 AS time, open::float8, high::float8,
              low::float8, close::float8,
              (CASE WHEN real_volume > 0 THEN real_volume ELSE tick_volume END)::float8 AS volume,
              row_number() OVER (PARTITION BY symbol ORDER BY time_utc DESC) AS newest_first
         FROM mt5_bars
        WHERE terminal_id = $1 AND timeframe = $2 AND (cardinality($3::text[]) = 0 OR symbol = ANY($3))
          AND time_utc >= to_timestamp($4 / 1000.0) AND time_utc <= to_timestamp($5 / 1000.0)) bars
      WHERE $6::bigint IS NULL OR newest_first <= $6
      ORDER BY symbol, time`,
  latest: () =>
    `SELECT DISTINCT ON (symbol) symbol, (extract(epoch FROM time_utc) * 1000)::float8 AS time, open::float8,
            high::float8, low::float8, close::float8,
            (CASE WHEN real_volume > 0 THEN real_volume ELSE tick_volume END)::float8 AS volume
       FROM mt5_bars
      WHERE terminal_id = $1 AND timeframe = $2 AND (cardinality($3::text[]) = 0 OR symbol = ANY($3))
      ORDER BY symbol, time_utc DESC`,
};

interface BarRow extends Record<string, unknown> {
  symbol: string;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const toBar = (row: BarRow): Bar => ({
  symbol: row.symbol,
  time: row.time,
  open: row.open,
  high: row.high,
  low: row.low,
  close: row.close,
  volume: row.volume,
});

/**
 * The bars the MT5 EA posted (closed bars, de-duplicated, times already converted from the trade
 * server's clock to UTC by the bridge), behind the `Feed` contract. Bars are validated again on
 * the way out like any feed's.
 */
export class Mt5Feed implements Feed {
  readonly kind = 'mt5';

  constructor(private readonly options: Mt5FeedOptions) {}

  async load(range: FeedRange = {}): Promise<FeedResult> {
    const { db, timeframe, symbols } = this.options;
    const rows = await db.query<BarRow>(mt5FeedSql.bars(), [
      await this.options.terminalId(),
      timeframe,
      symbols,
      range.from ?? 0,
      range.to ?? 8.64e15,
      this.options.maxBarsPerSymbol ?? null,
    ]);
    // Each symbol's price grid from its contract (price-tick.ts), before a cycle builds orders.
    const grids = await db.query<{ symbol: string; digits: number | null; tick_size: number | null }>(
      mt5FeedSql.grids(),
      [await this.options.terminalId(), symbols],
    );
    for (const grid of grids.rows)
      learnMt5Grid(grid.symbol, grid.digits, grid.tick_size === null ? null : Number(grid.tick_size));
    const bySymbol = new Map<string, Bar[]>(symbols.map((symbol) => [symbol, []]));
    for (const row of rows.rows) {
      const list = bySymbol.get(row.symbol) ?? [];
      list.push(toBar(row));
      bySymbol.set(row.symbol, list);
    }
    return { series: [...bySymbol].map(([symbol, bars]) => seriesFromBars(symbol, bars)), skipped: [] };
  }

  /** The newest closed bar of each symbol (symbols without one are left out). */
  async latest(): Promise<Bar[]> {
    const { db, timeframe, symbols } = this.options;
    const rows = await db.query<BarRow>(mt5FeedSql.latest(), [
      await this.options.terminalId(),
      timeframe,
      symbols,
    ]);
    return rows.rows.map(toBar);
  }
}
