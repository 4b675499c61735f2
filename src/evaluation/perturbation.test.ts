import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../market/index.ts';
import { dataPerturbation, identityPerturbation } from './perturbation.ts';
import { compareDecisions, type Decision } from './perturbation-check.ts';

function seriesOf(symbol: string, closes: number[]): BarSeries {
  const day = 86_400_000;
  const close = Float64Array.from(closes);
  return {
    symbol,
    length: closes.length,
    time: Float64Array.from(closes, (_, at) => Date.UTC(2014, 0, 6) + at * day),
    open: Float64Array.from(closes, (value) => value - 0.5),
    high: Float64Array.from(closes, (value) => value + 1),
    low: Float64Array.from(closes, (value) => value - 1),
    close,
    volume: Float64Array.from(closes, () => 1_000),
  };
}

const rising = seriesOf('ORCL', [40, 41, 42.5, 44, 46.25]);

describe('the identity perturbation', () => {
  it('keeps the bars and moves the name and every date by whole weeks', () => {
    const moved = identityPerturbation([rising], 2);
    expect(moved.symbols).toEqual({ ORCL: 'ANON1' });
    expect(moved.shiftDays).toBe(14);
    const [one] = moved.series;
    expect(one!.symbol).toBe('ANON1');
    expect([...one!.close]).toEqual([...rising.close]);
    expect([...one!.high]).toEqual([...rising.high]);
    expect(one!.time[0]! - rising.time[0]!).toBe(14 * 86_400_000);
    expect(new Date(one!.time[0]!).getUTCDay()).toBe(new Date(rising.time[0]!).getUTCDay());
  });
});

describe('the data perturbation', () => {
  it('mirrors the series in log space around its first close: every rise becomes a fall', () => {
    const { series, anchors, method } = dataPerturbation([rising], 7);
    const mirrored = series[0]!;
    const { level, firstClose } = anchors.ORCL!;
    expect(method).toBe('log-mirror');
    expect(firstClose).toBe(40);
    expect(level).toBeGreaterThanOrEqual(0.8);
    expect(level).toBeLessThanOrEqual(1.25);
    expect(mirrored.symbol).toBe('ORCL');
    expect([...mirrored.time]).toEqual([...rising.time]);
    expect(mirrored.close[0]).toBeCloseTo(level * 40, 2);
    for (let at = 1; at < rising.length; at += 1) {
      // The close falls by the ratio the real one rose by (to the source's 2 decimals).
      expect(mirrored.close[at]! / mirrored.close[at - 1]!).toBeCloseTo(
        rising.close[at - 1]! / rising.close[at]!,
        3,
      );
      expect(mirrored.close[at]!).toBeLessThan(mirrored.close[at - 1]!);
    }
    for (let at = 0; at < rising.length; at += 1) {
      expect(mirrored.high[at]!).toBeGreaterThan(mirrored.low[at]!);
      expect(mirrored.high[at]!).toBeGreaterThanOrEqual(mirrored.close[at]!);
      expect(mirrored.low[at]!).toBeLessThanOrEqual(mirrored.close[at]!);
      expect(Math.round(mirrored.close[at]! * 100)).toBeCloseTo(mirrored.close[at]! * 100, 6);
    }
    expect([...mirrored.volume]).toEqual([...rising.volume]);
  });

  it('is the same for a seed and differs in level for another', () => {
    const once = dataPerturbation([rising], 3);
    expect(dataPerturbation([rising], 3)).toEqual(once);
    expect(dataPerturbation([rising], 4).anchors.ORCL!.level).not.toBe(once.anchors.ORCL!.level);
  });
});

const decision = (date: string, verdict: string, decidedBy = 'llm'): Decision => ({
  date,
  symbol: 'ORCL',
  decision: verdict,
  decidedBy,
});

describe('comparing decisions', () => {
  const original = [
    decision('2014-05-01', 'trade buy'),
    decision('2014-05-02', 'no_trade'),
    decision('2014-05-05', 'trade buy'),
    decision('2014-05-06', 'no_trade', 'fallback'),
    decision('2014-05-07', 'no_trade'),
  ];
  const perturbed = [
    decision('2014-05-01', 'trade buy'),
    decision('2014-05-02', 'no_trade'),
    decision('2014-05-05', 'no_trade'),
    decision('2014-05-06', 'trade buy', 'fallback'),
  ];

  it('identity: flags the decisions that change', () => {
    const result = compareDecisions('identity', 'llm', original, perturbed);
    expect(result).toMatchObject({ compared: 3, changed: 1, unchanged: 2, flaggedCount: 1, missing: 1 });
    expect(result.flaggedPct).toBe(33.33);
    expect(result.flagged).toEqual([
      { date: '2014-05-05', symbol: 'ORCL', original: 'trade buy', perturbed: 'no_trade' },
    ]);
  });

  it('data: flags the trades that do not change, not the kept no-trades', () => {
    const result = compareDecisions('data', 'llm', original, perturbed);
    expect(result).toMatchObject({ compared: 3, changed: 1, unchanged: 2, flaggedCount: 1 });
    // One of the two original trades kept.
    expect(result.flaggedPct).toBe(50);
    expect(result.flagged).toEqual([
      { date: '2014-05-01', symbol: 'ORCL', original: 'trade buy', perturbed: 'trade buy' },
    ]);
  });

  it('compares one decider only', () => {
    const result = compareDecisions('identity', 'fallback', original, perturbed);
    expect(result).toMatchObject({ decider: 'fallback', compared: 1, changed: 1, missing: 0 });
  });
});
