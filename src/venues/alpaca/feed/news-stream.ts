import WebSocket from 'ws';
import { z } from 'zod';
import type { Config, Secret } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import { type Headline, NewsError, type NewsFeed, type NewsQuery, visibleAt } from '../../../news/index.ts';
import { alpacaCredentials } from '../broker/index.ts';
import { alpacaNewsItemSchema, createAlpacaNewsFeed, headlineFromAlpaca } from './news.ts';

/**
 * Alpaca's real-time news, `wss://stream.data.alpaca.markets/v1beta1/news`
 * (https://alpaca.markets/docs/api-references/market-data-api/news-data/realtime/): after the
 * `connected` greeting we send `{"action":"auth",...}`, then `{"action":"subscribe","news":[...]}`;
 * each article arrives as `{"T":"n", ...}` (the historical API's article object). Articles are
 * kept in memory; `headlines()` serves them with the no-look-ahead rule.
 *
 * The stream only knows what arrived since it connected, so a symbol is served from the buffer
 * only once it is "buffered": the historical feed (`backfill`) was read for it at a bar no
 * earlier than the connection. Before that, for a bar before the connection (a backtest, a
 * daily bar stamped before the start), or while the stream is down, every question goes to the
 * historical feed. After a drop the stream reconnects and every symbol is read afresh.
 */
const frameSchema = z.array(z.object({ T: z.string() }).passthrough());

/** Alpaca's real-time news endpoint (the same for paper and live keys). */
export const alpacaNewsStreamUrl = 'wss://stream.data.alpaca.markets/v1beta1/news';

export interface AlpacaNewsStreamOptions {
  url: string;
  keyId: Secret;
  secretKey: Secret;
  symbols: string[];
  logger: Logger;
  /** The historical API, for what happened before the stream connected. */
  backfill?: NewsFeed;
  /** Articles kept (oldest dropped first). */
  keep?: number;
  /** Wait before reconnecting after a drop (default 5 s); 0: never reconnect. */
  reconnectMs?: number;
  /** The clock the connection time is taken on (default Date.now). */
  now?: () => number;
}

/** What a symbol's backfill covered: served from the buffer for questions within it. */
interface Seeded {
  asOf: number;
  lookbackMs: number;
  limit: number;
}

export class AlpacaNewsStream implements NewsFeed {
  readonly name = 'alpaca-stream';
  readonly #options: AlpacaNewsStreamOptions;
  readonly #items = new Map<string, Headline>();
  readonly #seeded = new Map<string, Seeded>();
  #socket: WebSocket | undefined;
  /** When the subscription was confirmed; undefined while not subscribed. */
  #connectedAt: number | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: AlpacaNewsStreamOptions) {
    this.#options = options;
  }

  /** Connects, authenticates and subscribes; resolves once subscribed, rejects on an error frame. */
  start(): Promise<void> {
    const { url, keyId, secretKey, symbols, logger } = this.#options;
    const now = this.#options.now ?? Date.now;
    this.#closed = false;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      this.#socket = socket;
      let subscribed = false;
      /** Alpaca said no (keys, plan): trying again would only be refused again. */
      let refused = false;
      socket.on('error', (error) => {
        if (!subscribed) reject(error);
      });
      socket.on('close', () => {
        // Whatever arrives while down is missed: nothing is served from the buffer until re-read.
        this.#connectedAt = undefined;
        this.#seeded.clear();
        if (!subscribed)
          reject(
            new NewsError('Alpaca news stream closed before the subscription was confirmed', {
              code: 'news_stream_closed',
              source: url,
              fix: 'Check the network and pipeline.news; the historical news API answers meanwhile.',
            }),
          );
        else logger.warn({ url }, 'Alpaca news stream dropped: the historical API answers until it is back');
        // The one place a reconnection is planned: every failed or dropped connection closes.
        if (!this.#closed && !refused && socket === this.#socket) this.#reconnect();
      });
      socket.on('message', (raw) => {
        const parsed = frameSchema.safeParse(JSON.parse(raw.toString()));
        if (!parsed.success) return logger.warn({ frame: raw.toString() }, 'unreadable Alpaca news frame');
        for (const message of parsed.data) {
          if (message.T === 'success' && message.msg === 'connected')
            socket.send(JSON.stringify({ action: 'auth', key: keyId.reveal(), secret: secretKey.reveal() }));
          else if (message.T === 'success' && message.msg === 'authenticated')
            socket.send(JSON.stringify({ action: 'subscribe', news: symbols }));
          else if (message.T === 'subscription') {
            subscribed = true;
            this.#connectedAt = now();
            resolve();
          } else if (message.T === 'error') {
            refused = true;
            reject(
              new NewsError(`Alpaca news stream: ${String(message.msg)} (${String(message.code)})`, {
                code: 'news_stream_refused',
                source: url,
                fix: 'Check the Alpaca keys and that their data plan includes news.',
              }),
            );
          } else if (message.T === 'n') {
            const item = alpacaNewsItemSchema.safeParse(message);
            if (item.success) this.#remember(headlineFromAlpaca(item.data));
            else logger.warn({ issues: item.error.issues }, 'Alpaca news article not understood');
          }
        }
      });
    });
  }

  #reconnect(): void {
    const wait = this.#options.reconnectMs ?? 5_000;
    if (wait <= 0 || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.start().catch((error: unknown) => {
        this.#options.logger.warn({ err: (error as Error).message }, 'Alpaca news stream: reconnect failed');
      });
    }, wait);
    this.#retry.unref();
  }

  #remember(item: Headline): void {
    this.#items.set(item.id, item);
    const keep = this.#options.keep ?? 5_000;
    while (this.#items.size > keep) {
      const oldest = this.#items.keys().next().value!;
      // A symbol that lost an article is no longer fully buffered: the next question re-reads it.
      for (const symbol of this.#items.get(oldest)?.symbols ?? []) this.#seeded.delete(symbol);
      this.#items.delete(oldest);
    }
  }

  /** True when the buffer alone holds every headline the question can be answered with. */
  buffered(query: NewsQuery): boolean {
    const seeded = this.#seeded.get(query.symbol);
    return (
      this.#connectedAt !== undefined &&
      seeded !== undefined &&
      seeded.asOf <= query.asOf &&
      query.lookbackMs <= seeded.lookbackMs &&
      query.limit <= seeded.limit
    );
  }

  async headlines(query: NewsQuery): Promise<Headline[]> {
    const backfill = this.#options.backfill;
    if (!backfill || this.buffered(query)) return visibleAt([...this.#items.values()], query);
    const connectedAt = this.#connectedAt;
    const fetched = await backfill.headlines(query);
    // Kept for later bars only when the stream was up from before this bar to now.
    if (connectedAt !== undefined && connectedAt === this.#connectedAt && query.asOf >= connectedAt) {
      for (const item of fetched) this.#remember(item);
      this.#seeded.set(query.symbol, { asOf: query.asOf, lookbackMs: query.lookbackMs, limit: query.limit });
    }
    const merged = new Map(this.#items);
    for (const item of fetched) merged.set(item.id, item);
    return visibleAt([...merged.values()], query);
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#socket?.close();
  }
}

/**
 * The stream of the `broker.alpaca` section (`pipeline.news.stream: true`): its keys, the
 * configured symbols, `newsStreamUrl` (default Alpaca's), the historical API as its backfill.
 */
export function createAlpacaNewsStream(config: Config, logger: Logger): AlpacaNewsStream {
  const section = config.broker.alpaca;
  const credentials = alpacaCredentials(config);
  return new AlpacaNewsStream({
    url: section.newsStreamUrl ?? alpacaNewsStreamUrl,
    keyId: credentials.keyId,
    secretKey: credentials.secretKey,
    symbols: section.symbols,
    logger,
    backfill: createAlpacaNewsFeed(config, logger),
  });
}
