import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { waitFor } from '../../test/support/wait.ts';
import { silentLogger } from '../logging/index.ts';
import { closedReason, isTradingDay, nyseHolidays } from './calendar.ts';
import { expectedInterval, startScheduler } from './scheduler.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('exchange calendar', () => {
  it('knows the NYSE holidays, observed dates included', () => {
    const names = (year: number) =>
      [...nyseHolidays(year).entries()].map(
        ([date, name]) => `${new Date(date).toISOString().slice(0, 10)} ${name}`,
      );
    // Published NYSE calendar for 2026.
    expect(names(2026)).toEqual([
      "2026-01-01 New Year's Day",
      '2026-01-19 Martin Luther King Jr. Day',
      "2026-02-16 Washington's Birthday",
      '2026-04-03 Good Friday',
      '2026-05-25 Memorial Day',
      '2026-06-19 Juneteenth',
      '2026-07-03 Independence Day', // July 4th is a Saturday
      '2026-09-07 Labor Day',
      '2026-11-26 Thanksgiving Day',
      '2026-12-25 Christmas Day',
    ]);
    expect(closedReason(Date.parse('2026-11-26T15:00:00Z'))).toBe('Thanksgiving Day');
    expect(closedReason(Date.parse('2026-11-21T15:00:00Z'))).toBe('weekend');
    // 02:00 UTC on a Tuesday is still Monday evening in New York.
    expect(closedReason(Date.parse('2026-01-20T02:00:00Z'))).toBe('Martin Luther King Jr. Day');
    expect(isTradingDay(Date.parse('2026-11-27T15:00:00Z'))).toBe(true);
  });
});

describe('scheduler', () => {
  it('computes the longest gap of a cron in its time zone (weekends included)', () => {
    // Every 15 min, 10:00-15:45 on weekdays: the longest gap is Friday 15:45 → Monday 10:00.
    const gap = expectedInterval('*/15 10-15 * * 1-5', 'America/New_York', new Date('2026-11-23T12:00:00Z'));
    expect(gap).toBe((2 * 24 + 18 + 0.25) * 3_600_000);
  });

  it('runs jobs and records a heartbeat with the expected interval and the next run', async () => {
    const runs: Date[] = [];
    const scheduler = startScheduler({
      jobs: [
        {
          name: 'tick',
          cron: '* * * * * *',
          tradingDaysOnly: false,
          run: async (at) => {
            runs.push(at);
          },
        },
      ],
      timezone: 'America/New_York',
      db: db.store,
      logger: silentLogger(),
    });
    await waitFor(() => runs.length >= 2, 'two runs of a per-second job', 5_000);
    scheduler.stop();
    const row = await db.store.query<{
      kind: string;
      expected_interval_ms: number;
      details: { nextRunAt: string };
    }>("SELECT kind, expected_interval_ms, details FROM heartbeats WHERE name = 'job:tick'");
    expect(row.rows[0]).toMatchObject({ kind: 'job', expected_interval_ms: 1_000 });
    expect(Date.parse(row.rows[0]!.details.nextRunAt)).toBeGreaterThan(runs[0]!.getTime());
    expect(scheduler.status()[0]).toMatchObject({ name: 'tick', runs: expect.any(Number), failures: 0 });
  });
});
