import { createRandom } from '../market/index.ts';

export interface ConfidenceInterval {
  /** The statistic on the data itself. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
  seed: number;
}

/**
 * Percentile bootstrap of a statistic of paired per-bar differences (a − b on the same bars):
 * resampled with replacement, `resamples` times, from a seeded generator, so a run reproduces.
 */
export function bootstrapInterval(
  differences: Float64Array,
  statistic: (sample: Float64Array) => number,
  options: { seed: number; resamples: number; level?: number },
): ConfidenceInterval | null {
  const level = options.level ?? 0.95;
  const count = differences.length;
  if (count < 2) return null;
  const random = createRandom(options.seed);
  const results = new Float64Array(options.resamples);
  const sample = new Float64Array(count);
  for (let round = 0; round < options.resamples; round += 1) {
    for (let at = 0; at < count; at += 1) sample[at] = differences[Math.floor(random() * count)]!;
    results[round] = statistic(sample);
  }
  results.sort();
  const pick = (quantile: number) =>
    results[Math.min(results.length - 1, Math.max(0, Math.floor(quantile * results.length)))]!;
  return {
    estimate: statistic(differences),
    low: pick((1 - level) / 2),
    high: pick(1 - (1 - level) / 2),
    level,
    resamples: options.resamples,
    seed: options.seed,
  };
}

export const mean = (values: Float64Array): number => {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length > 0 ? sum / values.length : 0;
};

/** Per-bar simple returns of an equity series (the first bar's return is from `initial`). */
export function barReturns(values: Float64Array, initial: number): Float64Array {
  const out = new Float64Array(values.length);
  let previous = initial;
  for (let at = 0; at < values.length; at += 1) {
    out[at] = previous > 0 ? values[at]! / previous - 1 : 0;
    previous = values[at]!;
  }
  return out;
}
