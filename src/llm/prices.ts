import { defaultLlmPrices, type LlmPrice } from '../config/index.ts';
import type { TokenUsage } from './route.ts';

export type PriceTable = Record<string, LlmPrice>;

/** Built-in list prices with the config's entries on top. */
export function priceTable(overrides: PriceTable = {}): PriceTable {
  return { ...defaultLlmPrices, ...overrides };
}

/**
 * Cost in micro-dollars. Prices are USD per million tokens, so tokens × price is exactly
 * micro-dollars. Cache reads and writes use their own rates when the table has them.
 */
export function costMicroUsd(price: LlmPrice, usage: TokenUsage): number {
  const uncached = Math.max(0, usage.inputTokens - usage.cachedTokens - usage.cacheWriteTokens);
  const cost =
    uncached * price.input +
    usage.cachedTokens * (price.cacheRead ?? price.input) +
    usage.cacheWriteTokens * (price.cacheWrite ?? price.input) +
    usage.outputTokens * price.output;
  return Math.round(cost);
}
