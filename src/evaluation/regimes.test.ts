import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../market/index.ts';
import { regimeOf } from './regimes.ts';

function seriesOf(closes: number[]): BarSeries {
  const time = Float64Array.from(closes, (_, at) => at * 86_400_000);
  const close = Float64Array.from(closes);
  return {
    symbol: 'IDX',
    length: closes.length,
    time,
    open: close,
    high: close,
    low: close,
    close,
    volume: close,
  };
}

describe('market regimes from the 200-day SMA and its slope', () => {
  it('bull above a rising average, bear below a falling one, sideways otherwise, unknown too early', () => {
    const up = Array.from({ length: 300 }, (_, at) => 100 + at);
    const down = Array.from({ length: 300 }, (_, at) => 400 - at);
    // Rising for 300 bars, then a sudden drop below the still-rising average.
    const dip = [...up, 250];
    const rising = seriesOf(up);
    const falling = seriesOf(down);
    const dipped = seriesOf(dip);
    expect(regimeOf(rising, [rising.time[100]!, rising.time[219]!, rising.time[299]!])).toEqual([
      'unknown',
      'bull',
      'bull',
    ]);
    expect(regimeOf(falling, [falling.time[299]!])).toEqual(['bear']);
    expect(regimeOf(dipped, [dipped.time[300]!])).toEqual(['sideways']);
    // (The timeline is ascending.) Before the first bar, unknown; between bars, the last bar at or before.
    expect(regimeOf(rising, [-1, rising.time[250]! + 3_600_000])).toEqual(['unknown', 'bull']);
  });
});
