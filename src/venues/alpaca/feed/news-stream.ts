import WebSocket from 'ws';
import { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import { type Headline, NewsError, type NewsFeed, type NewsQuery, visibleAt } from '../../../news/index.ts';
import { alpacaNewsItemSchema, headlineFromAlpaca } from './news.ts';

/**
 * Alpaca's real-time news, `wss://stream.data.alpaca.markets/v1beta1/news`
 * (https://alpaca.markets/docs/api-references/market-data-api/news-data/realtime/): after the
 * `connected` greeting we send `{"action":"auth",...}`, then `{"action":"subscribe","news":[...]}`;
 * each article arrives as `{"T":"n", ...}` (the historical API's article object). Articles are
 * kept in memory; `headlines()` serves them with the no-look-ahead rule, topped up by the
 * historical feed when one is given (the stream only knows what arrived since it connected).
 */
const frameSchema = z.array(z.object({ T: z.string() }).passthrough());

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
}

export class AlpacaNewsStream implements NewsFeed {
  readonly name = 'alpaca-stream';
  readonly #options: AlpacaNewsStreamOptions;
  readonly #items = new Map<string, Headline>();
  #socket: WebSocket | undefined;

  constructor(options: AlpacaNewsStreamOptions) {
    this.#options = options;
  }

  /** Connects, authenticates and subscribes; resolves once subscribed, rejects on an error frame. */
  start(): Promise<void> {
    const { url, keyId, secretKey, symbols, logger } = this.#options;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      this.#socket = socket;
      socket.on('error', (error) => reject(error));
      socket.on('message', (raw) => {
        const parsed = frameSchema.safeParse(JSON.parse(raw.toString()));
        if (!parsed.success) return logger.warn({ frame: raw.toString() }, 'unreadable Alpaca news frame');
        for (const message of parsed.data) {
          if (message.T === 'success' && message.msg === 'connected')
            socket.send(JSON.stringify({ action: 'auth', key: keyId.reveal(), secret: secretKey.reveal() }));
          else if (message.T === 'success' && message.msg === 'authenticated')
            socket.send(JSON.stringify({ action: 'subscribe', news: symbols }));
          else if (message.T === 'subscription') resolve();
          else if (message.T === 'error')
            reject(
              new NewsError(`Alpaca news stream: ${String(message.msg)} (${String(message.code)})`, {
                code: 'news_stream_refused',
                source: url,
                fix: 'Check the Alpaca keys and that their data plan includes news.',
              }),
            );
          else if (message.T === 'n') {
            const item = alpacaNewsItemSchema.safeParse(message);
            if (item.success) this.#remember(headlineFromAlpaca(item.data));
            else logger.warn({ issues: item.error.issues }, 'Alpaca news article not understood');
          }
        }
      });
    });
  }

  #remember(item: Headline): void {
    this.#items.set(item.id, item);
    const keep = this.#options.keep ?? 5_000;
    while (this.#items.size > keep) this.#items.delete(this.#items.keys().next().value!);
  }

  async headlines(query: NewsQuery): Promise<Headline[]> {
    const merged = new Map(this.#items);
    if (this.#options.backfill)
      for (const item of await this.#options.backfill.headlines(query)) merged.set(item.id, item);
    return visibleAt([...merged.values()], query);
  }

  close(): void {
    this.#socket?.close();
  }
}
