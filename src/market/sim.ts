import { z } from 'zod';
import { emptySeries, sliceSeries } from './bar.ts';
import type { BarSeries, Feed, FeedRange, FeedResult } from './feed.ts';

/**
 * A seeded synthetic market: each symbol walks through regimes (trending up or down, ranging
 * around an anchor, volatile) with occasional overnight gaps. The same seed gives the same
 * bars on every machine: only a 32-bit integer PRNG and IEEE arithmetic are involved.
 */
export const simFeedOptionsSchema = z
  .object({
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    symbols: z.array(z.string().min(1).max(32)).min(1).default(['SIM']),
    /** Bars per symbol (weekdays). */
    bars: z.number().int().min(1).max(1_000_000).default(2_520),
    /** First bar's date (UTC midnight). */
    start: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .default('2015-01-02'),
    startPrice: z.number().positive().default(100),
  })
  .strict();

export type SimFeedOptions = z.input<typeof simFeedOptionsSchema>;

export type Regime = 'trending' | 'ranging' | 'volatile';

/** mulberry32: small, fast, and the same everywhere. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  // Box–Muller; 1 - u keeps the logarithm finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function hashSymbol(seed: number, symbol: string): number {
  let hash = (seed ^ 0x9e3779b9) >>> 0;
  for (let at = 0; at < symbol.length; at += 1)
    hash = Math.imul(hash ^ symbol.charCodeAt(at), 0x01000193) >>> 0;
  return hash;
}

const cents = (value: number) => Math.max(0.01, Math.round(value * 100) / 100);
const day = 86_400_000;

export interface SimSeries extends BarSeries {
  /** The regime each bar was drawn in (for tests and charts). */
  readonly regimes: Regime[];
}

/**
 * The sim market's series by symbol, generated on first use and kept (each is a pure function of
 * the settings): undefined for a symbol outside the market.
 */
export function simSeriesCache(settings: {
  seed: number;
  symbols: readonly string[];
  bars: number;
  start: string;
}): (symbol: string) => SimSeries | undefined {
  const cache = new Map<string, SimSeries>();
  return (symbol) => {
    if (!settings.symbols.includes(symbol)) return undefined;
    let series = cache.get(symbol);
    if (!series) {
      series = generateSimSeries(
        { seed: settings.seed, symbols: [...settings.symbols], bars: settings.bars, start: settings.start },
        symbol,
      );
      cache.set(symbol, series);
    }
    return series;
  };
}

export function generateSimSeries(options: SimFeedOptions, symbol: string): SimSeries {
  const settings = simFeedOptionsSchema.parse(options);
  const random = createRandom(hashSymbol(settings.seed, symbol));
  const series = emptySeries(symbol, settings.bars);
  const regimes: Regime[] = [];
  let time = Date.parse(`${settings.start}T00:00:00Z`);
  let previousClose = settings.startPrice;
  let regime: Regime = 'ranging';
  let drift = 0;
  let anchor = previousClose;
  for (let index = 0; index < settings.bars; index += 1) {
    while (new Date(time).getUTCDay() % 6 === 0) time += day;
    // Regimes last about 40 bars on average.
    if (index === 0 || random() < 0.025) {
      const pick = random();
      regime = pick < 0.4 ? 'trending' : pick < 0.8 ? 'ranging' : 'volatile';
      drift = regime === 'trending' ? (random() < 0.5 ? -1 : 1) * (0.0008 + random() * 0.0017) : 0;
      anchor = previousClose;
    }
    const volatility = regime === 'volatile' ? 0.03 : regime === 'trending' ? 0.011 : 0.008;
    const pull = regime === 'ranging' ? 0.08 * Math.log(anchor / previousClose) : 0;
    const gap = random() < 0.02 ? normal(random) * 0.035 : normal(random) * volatility * 0.15;
    const open = cents(previousClose * Math.exp(gap));
    const close = cents(open * Math.exp(drift + pull + normal(random) * volatility));
    const high = cents(Math.max(open, close) * (1 + Math.abs(normal(random)) * volatility * 0.5));
    const low = cents(
      Math.min(open, close) * (1 - Math.min(0.5, Math.abs(normal(random)) * volatility * 0.5)),
    );
    series.time[index] = time;
    series.open[index] = open;
    series.high[index] = Math.max(high, open, close);
    series.low[index] = Math.min(low, open, close);
    series.close[index] = close;
    series.volume[index] = Math.round(
      1_000_000 * Math.exp(normal(random) * 0.4) * (regime === 'volatile' ? 2 : 1),
    );
    regimes.push(regime);
    previousClose = close;
    time += day;
  }
  series.length = settings.bars;
  return Object.assign(series, { regimes });
}

export function simFeed(options: SimFeedOptions): Feed {
  const settings = simFeedOptionsSchema.parse(options);
  return {
    kind: 'sim',
    async load(range?: FeedRange): Promise<FeedResult> {
      const series = settings.symbols.map((symbol) =>
        sliceSeries(generateSimSeries(settings, symbol), range?.from, range?.to),
      );
      return { series, skipped: [] };
    },
  };
}
