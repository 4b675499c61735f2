import { describe, expect, it } from 'vitest';
import { generateSimSeries } from '../market/index.ts';
import { barsUpTo } from './market-context.ts';

describe('barsUpTo', () => {
  const series = generateSimSeries({ seed: 5, bars: 80, symbols: ['AAA'] }, 'AAA');

  it('gives every agent of a candidate the same frozen window', () => {
    const window = barsUpTo(series, 79, 60);
    expect(barsUpTo(series, 79, 60)).toBe(window);
    expect(Object.isFrozen(window)).toBe(true);
    expect(window.every((bar) => Object.isFrozen(bar))).toBe(true);
    expect(window).toHaveLength(60);
    expect(window.at(-1)).toEqual({
      t: new Date(series.time[79]!).toISOString(),
      o: series.open[79],
      h: series.high[79],
      l: series.low[79],
      c: series.close[79],
      v: series.volume[79],
    });
  });

  it('builds a new window for another end, count or series (a new cycle brings new series)', () => {
    const window = barsUpTo(series, 79, 60);
    expect(barsUpTo(series, 78, 60)).not.toBe(window);
    expect(barsUpTo(series, 79, 20)).toHaveLength(20);
    const nextCycle = { ...series };
    expect(barsUpTo(nextCycle, 79, 60)).not.toBe(window);
    expect(barsUpTo(nextCycle, 79, 60)).toEqual(window);
  });
});
