import type { BarSeries } from '../market/index.ts';

/**
 * The deterministic strategies' common shape (later the Strategist agent's fallback):
 * bars in, at most one proposal out. `decide` reads only bars 0..index of the series, so
 * precomputing indicators up to `index` is allowed and looking beyond it is not.
 */
export interface Proposal {
  symbol: string;
  /** The order's side: buy opens a long or covers a short, sell closes a long or opens a short. */
  side: 'buy' | 'sell';
  /** enter: open a position on `side` (a sell entry is a short); exit: close the one held. */
  intent: 'enter' | 'exit';
  /**
   * Exit only, from a strategy built with `short: true` that reverses (sma-cross): close the
   * position and open the same size the other way in the same order (backtrader's
   * `order_target_size(∓size)`). A consumer that cannot short just exits.
   */
  reverse?: boolean;
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

/** How a strategy may trade, beside its numeric parameters. */
export interface StrategyOptions {
  /**
   * Also trade the short side (default false: long only, proposals unchanged). sma-cross then
   * reverses on every cross; breakout and mean-reversion take the mirror-image entry when flat.
   */
  short?: boolean;
}

export interface Strategy {
  readonly name: string;
  /** Bars needed before the first possible proposal. */
  readonly warmup: number;
  /** The parameters, for logs and reports. */
  readonly parameters: Readonly<Record<string, number>>;
  /** True when the strategy proposes short entries (built with `short: true`). */
  readonly short?: boolean;
  /** `positionQty`: shares held now (0 when flat, negative when short). Returns null on a quiet bar. */
  decide(series: BarSeries, index: number, positionQty: number): Proposal | null;
}
