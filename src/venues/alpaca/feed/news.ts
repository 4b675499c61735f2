import { z } from 'zod';
import type { Config } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import { type Headline, type NewsFeed, type NewsQuery, visibleAt } from '../../../news/index.ts';
import { AlpacaHttp, type AlpacaHttpOptions, alpacaCredentials } from '../broker/index.ts';
import { alpacaEndpoints } from '../config-section.ts';

/**
 * An article of `GET /v1beta1/news` (https://docs.alpaca.markets/us/reference/news-3.md); the
 * same object the real-time stream `wss://stream.data.alpaca.markets/v1beta1/news` sends with
 * `"T": "n"` (https://alpaca.markets/docs/api-references/market-data-api/news-data/realtime/).
 */
export const alpacaNewsItemSchema = z.object({
  id: z.number().int(),
  headline: z.string(),
  summary: z.string().default(''),
  created_at: z.string().refine((text) => Number.isFinite(Date.parse(text)), 'created_at is not RFC 3339'),
  url: z.string().nullable().default(null),
  symbols: z.array(z.string()).default([]),
  source: z.string().default('alpaca'),
});

export const alpacaNewsPageSchema = z.object({
  news: z.array(alpacaNewsItemSchema),
  next_page_token: z.string().nullable().optional(),
});

/** Alpaca's page size ceiling for news: `limit` is 1..50. */
export const alpacaNewsPageMax = 50;

export function headlineFromAlpaca(item: z.infer<typeof alpacaNewsItemSchema>): Headline {
  return {
    id: String(item.id),
    time: Date.parse(item.created_at),
    headline: item.headline,
    summary: item.summary,
    source: item.source,
    url: item.url === '' ? null : item.url,
    symbols: item.symbols,
  };
}

/**
 * Alpaca's historical news behind `NewsFeed`: the headlines about one symbol in
 * [asOf − lookback, asOf], newest first, paged with `page_token` until `limit` are read. The
 * interval's end is the bar being decided, and `visibleAt` applies the same rule again to what
 * came back, so a clock or vendor slip cannot hand an agent a later headline.
 */
export class AlpacaNewsFeed implements NewsFeed {
  readonly name = 'alpaca';
  readonly #http: AlpacaHttp;

  constructor(http: AlpacaHttp | AlpacaHttpOptions) {
    this.#http = http instanceof AlpacaHttp ? http : new AlpacaHttp(http);
  }

  async headlines(query: NewsQuery): Promise<Headline[]> {
    const collected: Headline[] = [];
    let pageToken: string | undefined;
    while (collected.length < query.limit) {
      const { value } = await this.#http.request(alpacaNewsPageSchema, 'GET', '/v1beta1/news', {
        query: {
          symbols: query.symbol,
          start: new Date(query.asOf - query.lookbackMs).toISOString(),
          end: new Date(query.asOf).toISOString(),
          limit: Math.min(alpacaNewsPageMax, query.limit - collected.length),
          sort: 'desc',
          include_content: false,
          page_token: pageToken,
        },
      });
      for (const item of value?.news ?? []) collected.push(headlineFromAlpaca(item));
      pageToken = value?.next_page_token ?? undefined;
      if (!pageToken) break;
    }
    return visibleAt(collected, query);
  }
}

/** The news feed of the `broker.alpaca` section: its data host and keys. */
export function createAlpacaNewsFeed(config: Config, logger: Logger): AlpacaNewsFeed {
  const section = config.broker.alpaca;
  return new AlpacaNewsFeed({
    baseUrl: alpacaEndpoints(section).dataUrl,
    credentials: alpacaCredentials(config),
    logger,
    timeoutMs: section.timeoutMs,
    maxRetries: section.maxRetries,
  });
}
