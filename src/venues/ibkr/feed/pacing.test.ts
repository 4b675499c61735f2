import { describe, expect, it } from 'vitest';
import { ibkrSectionSchema } from '../config-section.ts';
import { durationFor, endDateTime, parseBarTime } from './ibkr-feed.ts';
import { HistoricalPacer } from './pacing.ts';

const settings = ibkrSectionSchema.parse({}).pacing;

/** A clock that only moves when a request waits. */
function fakeClock() {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    clock: {
      now: () => now,
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
    },
    waits,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('IB historical pacing', () => {
  it('holds an identical request 15 s', async () => {
    const { clock, waits } = fakeClock();
    const pacer = new HistoricalPacer(settings, clock);
    await pacer.acquire('AAPL', 'AAPL|1 D');
    await pacer.acquire('AAPL', 'AAPL|1 D');
    expect(waits).toEqual([15_000]);
  });

  it('lets at most 5 requests of one contract into 2 s', async () => {
    const { clock, waits } = fakeClock();
    const pacer = new HistoricalPacer(settings, clock);
    for (let i = 0; i < 6; i += 1) await pacer.acquire('AAPL', `AAPL|${i}`);
    expect(waits).toEqual([2_000]);
  });

  it('lets at most 60 requests into 10 minutes', async () => {
    const { clock, waits, advance } = fakeClock();
    const pacer = new HistoricalPacer(settings, clock);
    for (let i = 0; i < 60; i += 1) {
      await pacer.acquire(`S${i}`, `S${i}`);
      advance(1_000);
    }
    expect(waits).toEqual([]);
    await pacer.acquire('S60', 'S60');
    // The first went at t0; 60 s have passed: the 61st waits for the window to slide past it.
    expect(waits).toEqual([540_000]);
  });

  it('backs off after a pacing violation, doubling until a success', async () => {
    const { clock, waits } = fakeClock();
    const pacer = new HistoricalPacer(settings, clock);
    expect(pacer.violated()).toBe(15_000);
    expect(pacer.violated()).toBe(30_000);
    await pacer.acquire('A', 'A');
    expect(waits).toEqual([30_000]);
    pacer.succeeded();
    expect(pacer.violated()).toBe(15_000);
  });

  it('speaks IB’s date formats', () => {
    expect(parseBarTime('20240102')).toBe(Date.UTC(2024, 0, 2));
    expect(parseBarTime('1704207600')).toBe(1_704_207_600_000);
    expect(durationFor(Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 31))).toBe('31 D');
    expect(durationFor(Date.UTC(2020, 0, 1), Date.UTC(2024, 0, 1))).toBe('5 Y');
    expect(endDateTime(Date.UTC(2024, 0, 2, 3, 4, 5))).toBe('20240102-03:04:05');
  });
});
