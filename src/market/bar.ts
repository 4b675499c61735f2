import { z } from 'zod';
import { ValidationError } from '../errors/index.ts';
import { allocateColumns } from './columns.ts';
import type { Bar, BarSeries } from './feed.ts';

const price = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .refine((value) => Number.isFinite(value), `${name} must be a finite number`)
    .refine((value) => value > 0, `${name} must be positive`);

/** A bar at a boundary (broker responses, HTTP, files): prices positive, low ≤ open, close ≤ high. */
export const barSchema = z
  .object({
    symbol: z.string().min(1).max(32),
    time: z.number().int().refine(Number.isFinite, 'time must be a finite epoch-milliseconds value'),
    open: price('open'),
    high: price('high'),
    low: price('low'),
    close: price('close'),
    volume: z.number().finite().nonnegative(),
  })
  .strict()
  .superRefine((bar, context) => {
    if (bar.high < bar.low)
      context.addIssue({ code: 'custom', path: ['high'], message: 'high is below low' });
    for (const field of ['open', 'close'] as const) {
      if (bar[field] < bar.low || bar[field] > bar.high) {
        context.addIssue({ code: 'custom', path: [field], message: `${field} is outside [low, high]` });
      }
    }
  });

export function parseBar(value: unknown): Bar {
  const parsed = barSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw new ValidationError(
    `invalid bar: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
    { fix: 'Send bars with positive prices, low ≤ open, close ≤ high, and a UTC epoch-ms time.' },
  );
}

export function barAt(series: BarSeries, index: number): Bar {
  return {
    symbol: series.symbol,
    time: series.time[index]!,
    open: series.open[index]!,
    high: series.high[index]!,
    low: series.low[index]!,
    close: series.close[index]!,
    volume: series.volume[index]!,
  };
}

export function emptySeries(symbol: string, capacity: number): BarSeries & { length: number } {
  return { symbol, length: 0, ...allocateColumns(capacity).columns };
}

/** Columns from bar objects (validated), oldest first; times must strictly increase. */
export function seriesFromBars(symbol: string, bars: readonly unknown[]): BarSeries {
  const series = emptySeries(symbol, bars.length);
  let previous = Number.NEGATIVE_INFINITY;
  bars.forEach((raw, index) => {
    const bar = parseBar(raw);
    if (bar.time <= previous) {
      throw new ValidationError(`bar ${index} of ${symbol} is not after the bar before it`, [
        { path: `${index}.time`, message: 'times must strictly increase' },
      ]);
    }
    previous = bar.time;
    series.time[index] = bar.time;
    series.open[index] = bar.open;
    series.high[index] = bar.high;
    series.low[index] = bar.low;
    series.close[index] = bar.close;
    series.volume[index] = bar.volume;
  });
  series.length = bars.length;
  return series;
}

/** A view of the bars with from ≤ time ≤ to, sharing memory with `series` (no copy). */
export function sliceSeries(series: BarSeries, from?: number, to?: number): BarSeries {
  let start = 0;
  let end = series.length;
  if (from !== undefined) while (start < end && series.time[start]! < from) start += 1;
  if (to !== undefined) while (end > start && series.time[end - 1]! > to) end -= 1;
  if (start === 0 && end === series.length) return series;
  return {
    symbol: series.symbol,
    length: end - start,
    time: series.time.subarray(start, end),
    open: series.open.subarray(start, end),
    high: series.high.subarray(start, end),
    low: series.low.subarray(start, end),
    close: series.close.subarray(start, end),
    volume: series.volume.subarray(start, end),
  };
}

/** Formats epoch ms as YYYY-MM-DD (UTC), or the full ISO time when it is not midnight. */
export function formatBarTime(time: number): string {
  if (time % 86_400_000 !== 0) return new Date(time).toISOString();
  // Civil date from days since the epoch (H. Hinnant), without a Date object.
  const days = time / 86_400_000 + 719_468;
  const era = Math.floor(days / 146_097);
  const dayOfEra = days - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}
