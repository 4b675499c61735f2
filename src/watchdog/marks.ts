import { z } from 'zod';
import type { Queryable } from '../store/index.ts';
import { watchdogSql } from './sql.ts';

/** What the drawdown and daily-loss halts measure from: kept in the database, not in a process. */
export const watchdogMarksSchema = z.object({
  highWaterMark: z.number(),
  /** UTC day (YYYY-MM-DD) the day-start equity belongs to. */
  day: z.string(),
  dayStartEquity: z.number(),
});
export type WatchdogMarks = z.infer<typeof watchdogMarksSchema>;

/**
 * `watchdog.marks.<venue>.<account id>`: one row per account, like the account snapshots
 * (src/account-state), so two accounts never share a high-water mark. The leader and its
 * standbys read and write the same row, so a restart or a failover carries the marks over.
 */
export function watchdogMarksKey(venue: string, accountId: string | null): string {
  return `watchdog.marks.${venue}.${accountId && accountId.length > 0 ? accountId : 'default'}`;
}

/**
 * Raises the stored high-water mark to `highWaterMark` when higher, and starts the day at
 * `equity` the first time a day is seen; one statement, so two watchdogs never lower either.
 * Answers the marks as stored.
 */
export async function keepWatchdogMarks(
  db: Queryable,
  key: string,
  seen: { equity: number; highWaterMark: number; now: number },
): Promise<WatchdogMarks> {
  const day = new Date(seen.now).toISOString().slice(0, 10);
  const result = await db.query<{ value: unknown }>(watchdogSql.keepMarks(), [
    key,
    seen.equity,
    Math.max(seen.highWaterMark, seen.equity),
    day,
  ]);
  return watchdogMarksSchema.parse(result.rows[0]?.value);
}
