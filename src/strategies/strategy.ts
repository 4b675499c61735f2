import type { BarSeries } from '../market/index.ts';

/**
 * The deterministic strategies' common shape (later the Strategist agent's fallback):
 * bars in, at most one proposal out. `decide` reads only bars 0..index of the series, so
 * precomputing indicators up to `index` is allowed and looking beyond it is not.
 */
export interface Proposal {
  symbol: string;
  side: 'buy' | 'sell';
  /** enter: open a long position; exit: close it. */
  intent: 'enter' | 'exit';
  /** The price the decision was made at (the signal bar's close). */
  referencePrice: number;
  /** Human-readable: what was seen, with the numbers. */
  reason: string;
  /**
   * The figures the reason quotes, by the names the FactChecker checks (e.g. sma10, close,
   * highestHigh20): the Strategist's fallback carries them as its facts.
   */
  facts: Array<{ name: string; value: number }>;
  strategy: string;
  /** Epoch ms of the signal bar. */
  time: number;
}

export interface Strategy {
  readonly name: string;
  /** Bars needed before the first possible proposal. */
  readonly warmup: number;
  /** The parameters, for logs and reports. */
  readonly parameters: Readonly<Record<string, number>>;
  /** `positionQty`: shares held now (0 when flat). Returns null on a quiet bar. */
  decide(series: BarSeries, index: number, positionQty: number): Proposal | null;
}
