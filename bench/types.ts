/** One figure a benchmark reports. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The goal, in words (e.g. "≥ 5000"). */
  target?: string;
  notes?: string;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
