import { type BarSizeSetting, EventName, type WhatToShow } from '@stoqey/ib';
import type { Logger } from '../../../logging/index.ts';
import { type Bar, type FeedRange, type FeedResult, seriesFromBars } from '../../../market/index.ts';
import type { VenueFeed } from '../../venue-adapter.ts';
import { stockContract } from '../broker/order-build.ts';
import type { IbkrSection } from '../config-section.ts';
import { IbRequestError, ibCodes } from '../connection/errors.ts';
import { historicalDataArgs, parseArgs } from '../connection/events.ts';
import { IbConnection } from '../connection/ib-connection.ts';
import { type HistoricalPacer, pacerFor } from './pacing.ts';

const dayMs = 86_400_000;

/**
 * A bar's time as the TWS writes it with formatDate 2: epoch seconds for intraday bars, "yyyyMMdd"
 * for daily and longer ones (https://interactivebrokers.github.io/tws-api/historical_bars.html).
 */
export function parseBarTime(text: string): number {
  if (/^\d{8}$/.test(text))
    return Date.UTC(Number(text.slice(0, 4)), Number(text.slice(4, 6)) - 1, Number(text.slice(6, 8)));
  const match = /^(\d{4})(\d{2})(\d{2})\s+(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (match) {
    const [, y, mo, d, h, mi, s] = match;
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  }
  const seconds = Number(text);
  return Number.isFinite(seconds) ? seconds * 1000 : Number.NaN;
}

/** IB's duration string covering `from`..`to` ("N D" up to a year, "N Y" beyond). */
export function durationFor(from: number, to: number): string {
  const days = Math.max(1, Math.ceil((to - from) / dayMs) + 1);
  return days > 365 ? `${Math.ceil(days / 365)} Y` : `${days} D`;
}

/** "yyyyMMdd-HH:mm:ss" in UTC, the endDateTime form IB documents for UTC. */
export function endDateTime(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 19)}`;
}

export interface IbkrFeedOptions {
  section: IbkrSection;
  logger: Logger;
  symbols: string[];
  pacer?: HistoricalPacer;
  /** Opens the data connection (tests inject one); default: `dataClientId` on the configured Gateway. */
  connect?: () => Promise<IbConnection>;
  now?: () => number;
  /** Wait used for a pacing backoff (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * IB historical bars behind the `Feed` contract: `signet backtest --feed ibkr` loads every
 * symbol's bars over the range, and each cycle polls the latest bars. Requests go through the
 * pacer (IB's three historical limits); a pacing violation (162) backs off and retries, a missing
 * subscription (354, 10167) fails naming the fix. The connection (its own client id) is opened
 * for a load and closed after it.
 */
export class IbkrFeed implements VenueFeed {
  readonly kind = 'ibkr';
  readonly #options: IbkrFeedOptions;
  readonly #pacer: HistoricalPacer;

  constructor(options: IbkrFeedOptions) {
    this.#options = options;
    const { section } = options;
    this.#pacer = options.pacer ?? pacerFor(section.host, section.port, section.pacing);
  }

  async #withConnection<T>(work: (connection: IbConnection) => Promise<T>): Promise<T> {
    const { section, logger } = this.#options;
    const connection = this.#options.connect
      ? await this.#options.connect()
      : await (async () => {
          const opened = new IbConnection({
            host: section.host,
            port: section.port,
            clientId: section.dataClientId,
            logger,
            connectTimeoutMs: section.connectTimeoutMs,
            requestTimeoutMs: section.requestTimeoutMs,
            reconnectInitialMs: section.reconnectInitialMs,
            reconnectMaxMs: section.reconnectMaxMs,
            reconnect: false,
          });
          await opened.start();
          return opened;
        })();
    try {
      return await work(connection);
    } finally {
      if (!this.#options.connect) await connection.stop();
    }
  }

  async load(range: FeedRange = {}): Promise<FeedResult> {
    const now = (this.#options.now ?? Date.now)();
    const to = range.to ?? now;
    const from = range.from ?? to - 365 * dayMs;
    return this.#withConnection(async (connection) => {
      const series = [];
      for (const symbol of this.#options.symbols) {
        const bars = await this.bars(
          connection,
          symbol,
          durationFor(from, to),
          range.to === undefined ? '' : endDateTime(to),
        );
        series.push(
          seriesFromBars(
            symbol,
            bars.filter((bar) => bar.time >= from && bar.time <= to),
          ),
        );
      }
      return { series, skipped: [] };
    });
  }

  /** The newest bar of each symbol (a poll of the last few bars; symbols without one are left out). */
  async latest(): Promise<Bar[]> {
    const duration =
      this.#options.section.barSize.endsWith('day') || this.#options.section.barSize.endsWith('week')
        ? '10 D'
        : '1 D';
    return this.#withConnection(async (connection) => {
      const latest: Bar[] = [];
      for (const symbol of this.#options.symbols) {
        const bars = await this.bars(connection, symbol, duration, '');
        const last = bars.at(-1);
        if (last) latest.push(last);
      }
      return latest.sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
    });
  }

  /** One historical request, paced, retried after pacing violations. */
  async bars(connection: IbConnection, symbol: string, duration: string, end: string): Promise<Bar[]> {
    const { section, logger } = this.#options;
    const contract = stockContract(symbol, section);
    const key = `${symbol}|${end}|${duration}|${section.barSize}|${section.whatToShow}|${section.useRth}`;
    for (let attempt = 0; ; attempt += 1) {
      await this.#pacer.acquire(symbol, key);
      try {
        const bars = await this.#request(connection, symbol, contract, duration, end);
        this.#pacer.succeeded();
        return bars;
      } catch (error) {
        if (!(error instanceof IbRequestError)) throw error;
        if (error.ibCode === ibCodes.historicalDataService && /no data/i.test(error.message)) return [];
        if (
          error.ibCode === ibCodes.historicalDataService &&
          /pacing/i.test(error.message) &&
          attempt < section.pacing.maxRetries
        ) {
          const backoff = this.#pacer.violated();
          logger.warn({ symbol, backoffMs: backoff, attempt }, 'IB pacing violation (162): backing off');
          continue;
        }
        if (error.ibCode === ibCodes.notSubscribed || error.ibCode === ibCodes.delayedDataNotice)
          throw new IbRequestError(
            `historical bars of ${symbol}`,
            error.ibCode,
            error.message,
            'The IB account lacks the market-data subscription for this contract: subscribe in the IB portal (Settings → Market Data Subscriptions), or trade symbols it covers.',
          );
        throw error;
      }
    }
  }

  #request(
    connection: IbConnection,
    symbol: string,
    contract: ReturnType<typeof stockContract>,
    duration: string,
    end: string,
  ): Promise<Bar[]> {
    const { section } = this.#options;
    const bars: Bar[] = [];
    return connection.request<Bar[]>(`historical bars of ${symbol}`, (reqId, on, done) => {
      on(EventName.historicalData, (...args: unknown[]) => {
        const parsed = parseArgs(historicalDataArgs, args);
        if (!parsed || parsed[0] !== reqId) return;
        const [, time, open, high, low, close, volume] = parsed;
        if (time.startsWith('finished')) {
          done(bars);
          return;
        }
        const at = parseBarTime(time);
        if (Number.isFinite(at))
          bars.push({ symbol, time: at, open, high, low, close, volume: Math.max(0, volume) });
      });
      connection.api.reqHistoricalData(
        reqId,
        contract,
        end,
        duration,
        section.barSize as BarSizeSetting,
        section.whatToShow as WhatToShow,
        section.useRth ? 1 : 0,
        2,
        false,
      );
    });
  }
}
