import { z } from 'zod';
import type { BarSeries } from '../market/index.ts';
import { highest, lowest, price, roundPrice } from './indicators.ts';
import type { Proposal, Strategy, StrategyOptions } from './strategy.ts';

export const breakoutParametersSchema = z
  .object({
    /** Enter when the close exceeds the highest high of this many earlier bars. */
    entry: z.number().int().min(2).max(1_000).default(20),
    /** Exit when the close falls below the lowest low of this many earlier bars. */
    exit: z.number().int().min(2).max(1_000).default(10),
  })
  .strict();

export type BreakoutParameters = z.input<typeof breakoutParametersSchema>;

/**
 * Donchian channel breakout. Long only by default: buy when the close breaks above the entry
 * channel's high, sell when it breaks below the exit channel's low. With `short: true` also
 * the mirror image: sell short when flat and the close breaks below the entry channel's low,
 * buy to cover when it breaks above the exit channel's high (an upside break while flat is
 * checked first).
 */
export class Breakout implements Strategy {
  readonly name = 'breakout';
  readonly warmup: number;
  readonly parameters: Readonly<Record<string, number>>;
  readonly short: boolean;
  private readonly entry: number;
  private readonly exit: number;

  constructor(parameters: BreakoutParameters = {}, options: StrategyOptions = {}) {
    const valid = breakoutParametersSchema.parse(parameters);
    this.short = options.short === true;
    this.entry = valid.entry;
    this.exit = valid.exit;
    this.warmup = Math.max(valid.entry, valid.exit) + 1;
    this.parameters = { entry: valid.entry, exit: valid.exit };
  }

  decide(series: BarSeries, index: number, positionQty: number): Proposal | null {
    if (index < this.warmup - 1) return null;
    const close = series.close[index]!;
    if (positionQty === 0) {
      const top = highest(series.high, index - this.entry, index - 1);
      if (!(close > top)) return this.short ? this.shortEntry(series, index, close) : null;
      return this.proposal(
        series,
        index,
        'buy',
        'enter',
        `close ${price(close)} broke above the ${this.entry}-bar high ${price(top)}`,
        [
          { name: 'close', value: roundPrice(close) },
          { name: `highestHigh${this.entry}`, value: roundPrice(top) },
        ],
      );
    }
    if (positionQty > 0) {
      const bottom = lowest(series.low, index - this.exit, index - 1);
      if (!(close < bottom)) return null;
      return this.proposal(
        series,
        index,
        'sell',
        'exit',
        `close ${price(close)} fell below the ${this.exit}-bar low ${price(bottom)}`,
        [
          { name: 'close', value: roundPrice(close) },
          { name: `lowestLow${this.exit}`, value: roundPrice(bottom) },
        ],
      );
    }
    if (positionQty < 0 && this.short) {
      const top = highest(series.high, index - this.exit, index - 1);
      if (!(close > top)) return null;
      return this.proposal(
        series,
        index,
        'buy',
        'exit',
        `close ${price(close)} rose above the ${this.exit}-bar high ${price(top)}`,
        [
          { name: 'close', value: roundPrice(close) },
          { name: `highestHigh${this.exit}`, value: roundPrice(top) },
        ],
      );
    }
    return null;
  }

  private shortEntry(series: BarSeries, index: number, close: number): Proposal | null {
    const bottom = lowest(series.low, index - this.entry, index - 1);
    if (!(close < bottom)) return null;
    return this.proposal(
      series,
      index,
      'sell',
      'enter',
      `close ${price(close)} broke below the ${this.entry}-bar low ${price(bottom)}`,
      [
        { name: 'close', value: roundPrice(close) },
        { name: `lowestLow${this.entry}`, value: roundPrice(bottom) },
      ],
    );
  }

  private proposal(
    series: BarSeries,
    index: number,
    side: 'buy' | 'sell',
    intent: 'enter' | 'exit',
    reason: string,
    facts: Proposal['facts'],
  ): Proposal {
    return {
      facts,
      symbol: series.symbol,
      side,
      intent,
      referencePrice: series.close[index]!,
      reason,
      strategy: this.name,
      time: series.time[index]!,
    };
  }
}
