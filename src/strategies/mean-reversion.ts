import { z } from 'zod';
import type { BarSeries } from '../market/index.ts';
import { price, roundPrice } from './indicators.ts';
import type { Proposal, Strategy, StrategyOptions } from './strategy.ts';

export const meanReversionParametersSchema = z
  .object({
    period: z.number().int().min(2).max(1_000).default(20),
    /** Enter when the close is this many (population) standard deviations below the mean. */
    deviations: z.number().positive().max(10).default(2),
  })
  .strict();

export type MeanReversionParameters = z.input<typeof meanReversionParametersSchema>;

/**
 * Bollinger-band reversion. Long only by default: buy below the lower band, sell back at the
 * mean. With `short: true` also the mirror image: sell short above the upper band, buy to
 * cover back at the mean.
 */
export class MeanReversion implements Strategy {
  readonly name = 'mean-reversion';
  readonly warmup: number;
  readonly parameters: Readonly<Record<string, number>>;
  readonly short: boolean;
  private readonly period: number;
  private readonly deviations: number;

  constructor(parameters: MeanReversionParameters = {}, options: StrategyOptions = {}) {
    const valid = meanReversionParametersSchema.parse(parameters);
    this.short = options.short === true;
    this.period = valid.period;
    this.deviations = valid.deviations;
    this.warmup = valid.period;
    this.parameters = { period: valid.period, deviations: valid.deviations };
  }

  decide(series: BarSeries, index: number, positionQty: number): Proposal | null {
    if (index < this.period - 1 || (positionQty < 0 && !this.short)) return null;
    const close = series.close;
    // Two passes over the window, recomputed each bar: no running-sum drift.
    let sum = 0;
    for (let at = index - this.period + 1; at <= index; at += 1) sum += close[at]!;
    const mean = sum / this.period;
    let squares = 0;
    for (let at = index - this.period + 1; at <= index; at += 1) squares += (close[at]! - mean) ** 2;
    const deviation = Math.sqrt(squares / this.period);
    const last = close[index]!;
    const lower = mean - this.deviations * deviation;
    const upper = mean + this.deviations * deviation;
    let intent: 'enter' | 'exit' | null = null;
    let side: 'buy' | 'sell' = 'buy';
    let reason = '';
    if (positionQty === 0 && last < lower) {
      intent = 'enter';
      reason = `close ${price(last)} is below the lower band ${price(lower)} (mean ${price(mean)} − ${this.deviations}σ)`;
    } else if (positionQty > 0 && last >= mean) {
      intent = 'exit';
      side = 'sell';
      reason = `close ${price(last)} is back at the ${this.period}-bar mean ${price(mean)}`;
    } else if (this.short && positionQty === 0 && last > upper) {
      intent = 'enter';
      side = 'sell';
      reason = `close ${price(last)} is above the upper band ${price(upper)} (mean ${price(mean)} + ${this.deviations}σ)`;
    } else if (positionQty < 0 && last <= mean) {
      intent = 'exit';
      reason = `close ${price(last)} is back at the ${this.period}-bar mean ${price(mean)}`;
    }
    if (intent === null) return null;
    return {
      facts: [
        { name: 'close', value: roundPrice(last) },
        { name: `sma${this.period}`, value: roundPrice(mean) },
        { name: `stdev${this.period}`, value: roundPrice(deviation) },
      ],
      symbol: series.symbol,
      side,
      intent,
      referencePrice: last,
      reason,
      strategy: this.name,
      time: series.time[index]!,
    };
  }
}
