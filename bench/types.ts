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

/** The middle value (the upper one of an even count), of values in any order. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The figure with its goal taken off, because the goal is judged on another row (a multiple of a
 * reference measured on the same machine): one verdict per goal.
 */
export function judgedBelow(result: BenchResult, reference: string): BenchResult {
  return {
    ...result,
    target: undefined,
    notes: `${result.notes ?? ''}; the goal is judged as a multiple of ${reference} (below)`,
  };
}

/**
 * Whether a figure meets its goal ("≤ 5", "≥ 250,000", "≤ 1.15"): "yes", "NO", or "" when the
 * figure has no goal or the goal is not a bound.
 */
export function goalMet(value: number, target: string | undefined): string {
  const bound = /^\s*(≤|≥|<|>)\s*([\d,._]+)/.exec(target ?? '');
  if (!bound || !Number.isFinite(value)) return '';
  const limit = Number(bound[2]!.replace(/[,_]/g, ''));
  if (!Number.isFinite(limit)) return '';
  const met =
    bound[1] === '≤'
      ? value <= limit
      : bound[1] === '≥'
        ? value >= limit
        : bound[1] === '<'
          ? value < limit
          : value > limit;
  return met ? 'yes' : 'NO';
}
