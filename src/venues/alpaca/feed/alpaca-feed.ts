import type { z } from 'zod';
import type { Config } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import type { Bar, Feed, FeedRange, FeedResult } from '../../../market/index.ts';
import { seriesFromBars } from '../../../market/index.ts';
import {
  type AlpacaBar,
  AlpacaHttp,
  type AlpacaHttpOptions,
  alpacaCredentials,
  BrokerForbiddenError,
  latestBarsSchema,
  multiBarsSchema,
} from '../broker/index.ts';
import { alpacaEndpoints } from '../config-section.ts';

export interface AlpacaFeedOptions {
  /** Market-data transport (host https://data.alpaca.markets, same keys as trading). */
  http: AlpacaHttp | AlpacaHttpOptions;
  symbols: string[];
  /** e.g. 1Day, 15Min, 1Hour. */
  timeframe: string;
  adjustment?: 'raw' | 'split' | 'dividend' | 'spin-off' | 'all';
  feed?: string;
  /** Bars per page across all symbols (Alpaca: 1–10000). */
  pageSize?: number;
  /** Default start of `load()` without a range: 365 days ago. */
  now?: () => number;
}

function toBar(symbol: string, bar: AlpacaBar): Bar {
  return {
    symbol,
    time: Date.parse(bar.t),
    open: bar.o,
    high: bar.h,
    low: bar.l,
    close: bar.c,
    volume: bar.v,
  };
}

/**
 * Alpaca Market Data v2 behind the `Feed` contract: historical bars of several symbols in one
 * paged query (following next_page_token until it is null) for backtests, and the latest bar of
 * each symbol for live cycles. Bars are validated like any boundary input (bar.ts).
 */
export class AlpacaFeed implements Feed {
  readonly kind = 'alpaca';
  private readonly http: AlpacaHttp;
  private readonly options: AlpacaFeedOptions;

  constructor(options: AlpacaFeedOptions) {
    this.http = options.http instanceof AlpacaHttp ? options.http : new AlpacaHttp(options.http);
    this.options = options;
  }

  /** A 403 from market data is about the plan, not the account: say how to fix that. */
  private async fetch<Schema extends z.ZodType>(
    schema: Schema,
    path: string,
    query: Record<string, string | number | undefined>,
  ) {
    try {
      return (await this.http.request(schema, 'GET', path, { query })).value;
    } catch (error) {
      if (error instanceof BrokerForbiddenError) {
        throw new BrokerForbiddenError(error.message, {
          status: error.status,
          cause: error,
          fix: 'The data plan of these keys does not cover this query: set broker.alpaca.dataFeed to iex, or ask for bars older than 15 minutes.',
        });
      }
      throw error;
    }
  }

  async load(range: FeedRange = {}): Promise<FeedResult> {
    const now = (this.options.now ?? Date.now)();
    const start = new Date(range.from ?? now - 365 * 86_400_000).toISOString();
    const end = range.to === undefined ? undefined : new Date(range.to).toISOString();
    const collected = new Map<string, Bar[]>(this.options.symbols.map((symbol) => [symbol, []]));
    let pageToken: string | undefined;
    for (let page = 0; page < 10_000; page += 1) {
      const value = await this.fetch(multiBarsSchema, '/v2/stocks/bars', {
        symbols: this.options.symbols.join(','),
        timeframe: this.options.timeframe,
        start,
        end,
        limit: this.options.pageSize ?? 10_000,
        adjustment: this.options.adjustment ?? 'all',
        feed: this.options.feed,
        sort: 'asc',
        page_token: pageToken,
      });
      for (const [symbol, bars] of Object.entries(value?.bars ?? {})) {
        const list = collected.get(symbol) ?? [];
        for (const bar of bars ?? []) list.push(toBar(symbol, bar));
        collected.set(symbol, list);
      }
      pageToken = value?.next_page_token ?? undefined;
      if (!pageToken) break;
    }
    const series = [...collected].map(([symbol, bars]) => seriesFromBars(symbol, bars));
    return { series, skipped: [] };
  }

  /** The most recent bar of each symbol (symbols without one are left out). */
  async latest(): Promise<Bar[]> {
    const value = await this.fetch(latestBarsSchema, '/v2/stocks/bars/latest', {
      symbols: this.options.symbols.join(','),
      feed: this.options.feed,
    });
    return Object.entries(value?.bars ?? {})
      .map(([symbol, bar]) => toBar(symbol, bar))
      .sort((a, b) => a.symbol.localeCompare(b.symbol));
  }
}

/** The feed of the `broker.alpaca` section (data host, feed, timeframe, adjustment, symbols). */
export function createAlpacaFeed(config: Config, logger: Logger, symbols?: string[]): AlpacaFeed {
  const section = config.broker.alpaca;
  return new AlpacaFeed({
    http: new AlpacaHttp({
      baseUrl: alpacaEndpoints(section).dataUrl,
      credentials: alpacaCredentials(config),
      logger,
      timeoutMs: section.timeoutMs,
      maxRetries: section.maxRetries,
    }),
    symbols: symbols ?? section.symbols,
    timeframe: section.timeframe,
    adjustment: section.adjustment,
    feed: section.dataFeed,
  });
}
