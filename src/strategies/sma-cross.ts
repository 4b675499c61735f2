import { z } from 'zod';
import type { BarSeries } from '../market/index.ts';
import { assertExact, priceScale, roundPrice, toMicros } from './indicators.ts';
import type { Proposal, Strategy, StrategyOptions } from './strategy.ts';

export const smaCrossParametersSchema = z
  .object({
    fast: z.number().int().min(1).max(1_000).default(10),
    slow: z.number().int().min(2).max(5_000).default(30),
  })
  .strict()
  .refine((value) => value.fast < value.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

export type SmaCrossParameters = z.input<typeof smaCrossParametersSchema>;

/** Per-series indicator state, computed up to `computed` and never beyond the bar asked for. */
interface SmaState {
  micros: Float64Array;
  /** sign(fastSMA − slowSMA) at each bar from slow − 1 on. */
  sign: Int8Array;
  /** The last non-zero sign at or before each bar (0 if none yet): backtrader's "nzd". */
  lastNonZero: Int8Array;
  sumFast: number;
  sumSlow: number;
  computed: number;
}

/**
 * Moving-average crossover (backtrader's CrossOver): a golden cross is the fast SMA above the
 * slow SMA now and below it at the last earlier bar where the two differed; a death cross is
 * the mirror image. A tie is no cross. Sums are exact integers of micro-units.
 *
 * Long only (default): enter long on a golden cross when flat, exit on a death cross. With
 * `short: true` it reverses on every cross, always in the market after the first one: a
 * golden cross enters long (flat) or covers the short and goes long (`reverse`), a death
 * cross enters short (flat) or sells the long and goes short.
 */
export class SmaCross implements Strategy {
  readonly name = 'sma-cross';
  readonly warmup: number;
  readonly parameters: Readonly<Record<string, number>>;
  readonly short: boolean;
  private readonly fast: number;
  private readonly slow: number;
  /**
   * States by the closes' storage (their buffer, then their offset in it), not by the series
   * object: a caller that hands over a new view of the same series each bar (`sliceSeries` from
   * its first bar, as the full-pipeline backtest's cycle does) shares one state, which goes on
   * from the last bar it computed. Keyed by the object, each bar's view started again from the
   * first bar: O(bars) a decision, the run's cost growing with the square of its length.
   * A series' bars are written once, when it is built (CSV, sim, a feed's answer): a view sees
   * the same closes as an earlier view of the same storage up to the bar that one reached. A
   * state whose last computed close no longer matches is computed again from the first bar.
   */
  private readonly states = new WeakMap<ArrayBufferLike, Map<number, SmaState>>();

  constructor(parameters: SmaCrossParameters = {}, options: StrategyOptions = {}) {
    const valid = smaCrossParametersSchema.parse(parameters);
    this.short = options.short === true;
    this.fast = valid.fast;
    this.slow = valid.slow;
    this.warmup = valid.slow + 1;
    this.parameters = { fast: valid.fast, slow: valid.slow };
  }

  private lastSeries: BarSeries | null = null;
  private lastState: SmaState | null = null;

  /** The state of the series' closes (see `states`), computed up to `index`. */
  private advance(series: BarSeries, index: number): SmaState {
    const close = series.close;
    const state = series === this.lastSeries && this.lastState ? this.lastState : this.stateOf(close);
    if (state.micros.length <= index) grow(state, series.length);
    this.lastSeries = series;
    this.lastState = state;
    if (state.computed >= index) return state;
    const { fast, slow } = this;
    const { micros, sign, lastNonZero } = state;
    let sumFast = state.sumFast;
    let sumSlow = state.sumSlow;
    for (let at = state.computed + 1; at <= index; at += 1) {
      const value = toMicros(close[at]!);
      micros[at] = value;
      sumFast += value;
      sumSlow += value;
      if (at >= fast) sumFast -= micros[at - fast]!;
      if (at >= slow) sumSlow -= micros[at - slow]!;
      if (at >= slow - 1) {
        // fast/slow SMAs compared as sumFast/fast vs sumSlow/slow, cross-multiplied: exact.
        const left = sumFast * slow;
        const right = sumSlow * fast;
        if (left > 9e15 || right > 9e15) assertExact(Math.max(left, right), 'SMA cross-product');
        const current = left > right ? 1 : left < right ? -1 : 0;
        sign[at] = current;
        lastNonZero[at] = current !== 0 || at === slow - 1 ? current : lastNonZero[at - 1]!;
      }
    }
    state.sumFast = sumFast;
    state.sumSlow = sumSlow;
    state.computed = index;
    return state;
  }

  decide(series: BarSeries, index: number, positionQty: number): Proposal | null {
    if (index < this.slow) return null;
    const state = this.advance(series, index);
    const now = state.sign[index]!;
    const before = state.lastNonZero[index - 1]!;
    const up = now > 0 && before < 0;
    const down = now < 0 && before > 0;
    let intent: 'enter' | 'exit';
    let reverse = false;
    if (this.short) {
      // Reverse on every cross: act unless already on the cross's side.
      if (!(up && positionQty <= 0) && !(down && positionQty >= 0)) return null;
      intent = positionQty === 0 ? 'enter' : 'exit';
      reverse = positionQty !== 0;
    } else {
      if (!(up && positionQty === 0) && !(down && positionQty > 0)) return null;
      intent = up ? 'enter' : 'exit';
    }
    const fastSma = roundPrice(this.sma(state, index, this.fast));
    const slowSma = roundPrice(this.sma(state, index, this.slow));
    const close = series.close[index]!;
    const closeFact = roundPrice(close);
    return {
      symbol: series.symbol,
      side: up ? 'buy' : 'sell',
      intent,
      ...(reverse ? { reverse } : {}),
      referencePrice: close,
      // The rounded numbers print as price() prints them: reason and facts agree to the digit.
      reason: `SMA(${this.fast}) ${fastSma} crossed ${up ? 'above' : 'below'} SMA(${this.slow}) ${slowSma}; close ${closeFact}`,
      facts: [
        { name: `sma${this.fast}`, value: fastSma },
        { name: `sma${this.slow}`, value: slowSma },
        { name: 'close', value: closeFact },
      ],
      strategy: this.name,
      time: series.time[index]!,
    };
  }

  /** The state kept for these closes' storage; a new one (nothing computed) when none is, or it no longer matches them. */
  private stateOf(close: Float64Array): SmaState {
    let byOffset = this.states.get(close.buffer);
    if (!byOffset) {
      byOffset = new Map();
      this.states.set(close.buffer, byOffset);
    }
    const known = byOffset.get(close.byteOffset);
    // The last computed bar this view holds, checked against the closes.
    const probe = Math.min(known?.computed ?? -1, close.length - 1);
    if (known && (probe < 0 || known.micros[probe] === toMicros(close[probe]!))) return known;
    const state = emptyState(close.length);
    // Bounded: views that each start at another bar of one buffer (a rolling window) would
    // otherwise keep a state for every start for as long as the buffer lives.
    if (byOffset.size >= maxStatesPerBuffer && !byOffset.has(close.byteOffset))
      byOffset.delete(byOffset.keys().next().value!);
    byOffset.set(close.byteOffset, state);
    return state;
  }

  /** The SMA at a bar, for reasons and tests (exact sum, one division). */
  private sma(state: SmaState, index: number, length: number): number {
    let sum = 0;
    for (let at = index - length + 1; at <= index; at += 1) sum += state.micros[at]!;
    return sum / length / priceScale;
  }
}

/** States kept for one buffer's closes, by where the view starts (see stateOf). */
const maxStatesPerBuffer = 4;

function emptyState(capacity: number): SmaState {
  return {
    micros: new Float64Array(capacity),
    sign: new Int8Array(capacity),
    lastNonZero: new Int8Array(capacity),
    sumFast: 0,
    sumSlow: 0,
    computed: -1,
  };
}

/**
 * Gives the state room for `length` bars (a later view of the same storage is longer), its
 * computed bars kept, in place: every holder of the state sees the room.
 */
function grow(state: SmaState, length: number): void {
  const capacity = Math.max(length, state.micros.length * 2);
  const micros = new Float64Array(capacity);
  const sign = new Int8Array(capacity);
  const lastNonZero = new Int8Array(capacity);
  micros.set(state.micros);
  sign.set(state.sign);
  lastNonZero.set(state.lastNonZero);
  state.micros = micros;
  state.sign = sign;
  state.lastNonZero = lastNonZero;
}
