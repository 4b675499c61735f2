import { type BarSeries, isoTime } from '../market/index.ts';

/** A bar as agents see it in their inputs (compact keys, ISO time). */
export interface AgentBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number | null;
}

export interface Quote {
  t: string;
  last: number;
  bid: number | null;
  ask: number | null;
}

/** Indicators computed by code on the same bars the agents see; null without enough history. */
export interface Indicators {
  [name: string]: number | null;
  sma20: number | null;
  sma50: number | null;
  atr14: number | null;
  rsi14: number | null;
  return20Pct: number | null;
  volatility20Pct: number | null;
}

const round = (value: number, digits = 6) => Number(value.toFixed(digits));

export function sma(series: Pick<BarSeries, 'close'>, end: number, window: number): number | null {
  if (end + 1 < window) return null;
  let sum = 0;
  for (let index = end - window + 1; index <= end; index += 1) sum += series.close[index]!;
  return sum / window;
}

export function atr(series: BarSeries, end: number, window: number): number | null {
  if (end < window) return null;
  let sum = 0;
  for (let index = end - window + 1; index <= end; index += 1) {
    const previousClose = series.close[index - 1]!;
    const range = Math.max(
      series.high[index]! - series.low[index]!,
      Math.abs(series.high[index]! - previousClose),
      Math.abs(series.low[index]! - previousClose),
    );
    sum += range;
  }
  return sum / window;
}

export function rsi(series: BarSeries, end: number, window: number): number | null {
  if (end < window) return null;
  let gains = 0;
  let losses = 0;
  for (let index = end - window + 1; index <= end; index += 1) {
    const change = series.close[index]! - series.close[index - 1]!;
    if (change > 0) gains += change;
    else losses -= change;
  }
  if (gains + losses === 0) return 50;
  return (100 * gains) / (gains + losses);
}

export function volatility(series: Pick<BarSeries, 'close'>, end: number, window: number): number | null {
  if (end < window) return null;
  const changes: number[] = [];
  for (let index = end - window + 1; index <= end; index += 1) {
    changes.push(series.close[index]! / series.close[index - 1]! - 1);
  }
  const mean = changes.reduce((sum, value) => sum + value, 0) / changes.length;
  const variance = changes.reduce((sum, value) => sum + (value - mean) ** 2, 0) / changes.length;
  return Math.sqrt(variance) * 100;
}

/**
 * The indicators at bar `end`, computed once per series and bar and frozen: a candidate asks for
 * them seven times or more (the screen, the Regime, the Strategist and its fallback, the facts,
 * both signers, the cycle's notes), and a frozen object is what lets the skills' input checks
 * and the rendered text be shared between the agents that show it (skills/render-cache.ts), as
 * the window of bars is. One bar per series is kept: a cycle asks about one bar of each series.
 */
export function indicatorsAt(series: BarSeries, end: number): Readonly<Indicators> {
  const known = indicatorsBySeries.get(series);
  if (known?.end === end) return known.indicators;
  const start20 = end - 20;
  const maybe = (value: number | null) => (value === null ? null : round(value));
  const indicators: Readonly<Indicators> = Object.freeze({
    sma20: maybe(sma(series, end, 20)),
    sma50: maybe(sma(series, end, 50)),
    atr14: maybe(atr(series, end, 14)),
    rsi14: maybe(rsi(series, end, 14)),
    return20Pct: start20 >= 0 ? round((series.close[end]! / series.close[start20]! - 1) * 100) : null,
    volatility20Pct: maybe(volatility(series, end, 20)),
  });
  indicatorsBySeries.set(series, { end, indicators });
  return indicators;
}

const indicatorsBySeries = new WeakMap<BarSeries, { end: number; indicators: Readonly<Indicators> }>();

/**
 * The last `count` bars up to `end`, as agents see them. A candidate's agents (Regime,
 * Strategist, both signers) each ask for the same window: the window is built once per series
 * and frozen, so every agent gets the same object and its rendered text is made once
 * (skills/render-cache.ts keys its text on that identity). A BarSeries is not changed once
 * made (feeds build new series), which is what makes the identity a safe key.
 */
export function barsUpTo(series: BarSeries, end: number, count: number): readonly AgentBar[] {
  let windows = barWindows.get(series);
  const key = `${end}:${count}`;
  const known = windows?.get(key);
  if (known) return known;
  const bars: AgentBar[] = [];
  for (let index = Math.max(0, end - count + 1); index <= end; index += 1) {
    bars.push(
      Object.freeze({
        t: isoTime(series.time[index]!),
        o: series.open[index]!,
        h: series.high[index]!,
        l: series.low[index]!,
        c: series.close[index]!,
        v: Number.isFinite(series.volume[index]!) ? series.volume[index]! : null,
      }),
    );
  }
  const frozen = Object.freeze(bars);
  if (!windows) {
    windows = new Map();
    barWindows.set(series, windows);
  }
  // A few windows per series (one per agent's count) is all a cycle asks for.
  if (windows.size >= 4) windows.clear();
  windows.set(key, frozen);
  return frozen;
}

const barWindows = new WeakMap<BarSeries, Map<string, readonly AgentBar[]>>();

/** The last close as a quote; feeds with real quotes replace it. */
export function quoteAt(series: BarSeries, end: number): Quote {
  return { t: isoTime(series.time[end]!), last: series.close[end]!, bid: null, ask: null };
}
