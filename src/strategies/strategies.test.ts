import { describe, expect, it } from 'vitest';
import { type BarSeries, emptySeries, sliceSeries } from '../market/index.ts';
import { Breakout, createStrategy, MeanReversion, SmaCross } from './index.ts';

function closes(values: number[], symbol = 'T'): BarSeries {
  const series = emptySeries(symbol, values.length);
  values.forEach((close, at) => {
    series.time[at] = Date.UTC(2020, 0, 1 + at);
    series.open[at] = close;
    series.high[at] = close * 1.01;
    series.low[at] = close * 0.99;
    series.close[at] = close;
    series.volume[at] = 1;
  });
  series.length = values.length;
  return series;
}

function signals(strategy: { decide: SmaCross['decide'] }, series: BarSeries, position = 0) {
  const out: Array<[number, string]> = [];
  for (let at = 0; at < series.length; at += 1) {
    const proposal = strategy.decide(series, at, position);
    if (proposal) out.push([at, proposal.intent]);
  }
  return out;
}

describe('sma-cross', () => {
  it('decides on a new view of the series each bar as on the series itself', () => {
    // A wave with crosses both ways: the full pipeline hands the strategist a new view each bar.
    const values = Array.from({ length: 120 }, (_, at) => 50 + 10 * Math.sin(at / 7) + (at % 5) * 0.01);
    const series = closes(values);
    const whole = signals(new SmaCross({ fast: 3, slow: 8 }), series);
    const strategy = new SmaCross({ fast: 3, slow: 8 });
    const viewed: Array<[number, string]> = [];
    for (let at = 0; at < series.length; at += 1) {
      const view = sliceSeries(series, undefined, series.time[at]!);
      const proposal = strategy.decide(view, view.length - 1, 0);
      if (proposal) viewed.push([at, proposal.intent]);
    }
    expect(whole.length).toBeGreaterThanOrEqual(2);
    expect(viewed).toEqual(whole);
    // A shorter view after the longer ones (the same storage, its state kept) decides as before.
    const early = sliceSeries(series, undefined, series.time[20]!);
    expect(strategy.decide(early, early.length - 1, 0)).toEqual(
      new SmaCross({ fast: 3, slow: 8 }).decide(early, 20, 0),
    );
  });

  it('keeps a few states for one buffer, however many starts its views have', () => {
    const series = closes(Array.from({ length: 200 }, (_, at) => 50 + 10 * Math.sin(at / 5)));
    const strategy = new SmaCross({ fast: 3, slow: 8 });
    // A rolling window: each view starts a bar later; each decides as a fresh strategy would.
    for (let start = 0; start < 100; start += 1) {
      const view = sliceSeries(series, series.time[start]!, series.time[start + 50]!);
      expect(strategy.decide(view, view.length - 1, 0)).toEqual(
        new SmaCross({ fast: 3, slow: 8 }).decide(view, view.length - 1, 0),
      );
    }
    const kept = (strategy as unknown as { states: WeakMap<ArrayBufferLike, Map<number, unknown>> }).states;
    expect(kept.get(series.close.buffer)?.size).toBe(4);
  });

  it('computes again when the closes under a kept state were written over', () => {
    const series = closes([1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]);
    const strategy = new SmaCross({ fast: 1, slow: 2 });
    expect(signals(strategy, sliceSeries(series, undefined, series.time[4]!))).toEqual([]);
    // The same storage now holds other closes (a buffer reused): the old state must not answer.
    series.close.set([5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3]);
    const rewritten = sliceSeries(series, undefined, series.time[6]!);
    const fresh = new SmaCross({ fast: 1, slow: 2 });
    for (let at = 0; at < rewritten.length; at += 1)
      expect(strategy.decide(rewritten, at, 0)).toEqual(fresh.decide(rewritten, at, 0));
    expect(signals(fresh, rewritten)).toEqual([[5, 'enter']]);
  });

  it('treats equal averages as a tie (no cross), even when doubles disagree', () => {
    // fast 1 / slow 2: the sign is sign(close − previous close). 0.1 + 0.2 is 0.30000000000000004
    // as a double, above 0.3, but the same price: a tie, not an up-cross. The cross comes at
    // 0.31, the first bar above, against the last bar where they differed (0.5 → 0.3, down).
    const series = closes([0.5, 0.3, 0.1 + 0.2, 0.3, 0.31]);
    expect(signals(new SmaCross({ fast: 1, slow: 2 }), series)).toEqual([[4, 'enter']]);
  });

  it('needs the last differing bar on the other side: down, tie, down is no cross', () => {
    const series = closes([0.5, 0.4, 0.4, 0.3]);
    expect(signals(new SmaCross({ fast: 1, slow: 2 }), series, 100)).toEqual([]);
    const up = closes([0.3, 0.4, 0.4, 0.3]);
    expect(signals(new SmaCross({ fast: 1, slow: 2 }), up, 100)).toEqual([[3, 'exit']]);
  });

  it('gives a reason with the averages and never looks past the bar it is asked about', () => {
    const values = Array.from({ length: 80 }, (_, at) => 100 + 10 * Math.sin(at / 6));
    const strategy = new SmaCross({ fast: 3, slow: 8 });
    const full = closes(values);
    const proposals = signals(strategy, full);
    expect(proposals.length).toBeGreaterThan(0);
    // The same decisions on a series cut right after each signal bar.
    for (const [at] of proposals) {
      const cut = closes(values.slice(0, at + 1));
      expect(new SmaCross({ fast: 3, slow: 8 }).decide(cut, at, 0)?.intent).toBe('enter');
    }
    const proposal = strategy.decide(full, proposals[0]![0], 0)!;
    expect(proposal.reason).toMatch(/^SMA\(3\) [\d.]+ crossed above SMA\(8\) [\d.]+; close [\d.]+$/);
  });
});

describe('breakout and mean-reversion', () => {
  it('breakout enters above the channel high and exits below the channel low', () => {
    const series = closes([10, 10, 10, 10, 10.5, 10.2, 9.5, 9.4]);
    const strategy = new Breakout({ entry: 3, exit: 2 });
    expect(strategy.decide(series, 4, 0)?.intent).toBe('enter'); // 10.5 > max high 10.1
    expect(strategy.decide(series, 6, 10)?.intent).toBe('exit'); // 9.5 < min low 10.098
  });

  it('mean-reversion buys below the lower band and sells at the mean', () => {
    const series = closes([10, 10.2, 9.8, 10.1, 9.9, 8.5, 10.5]);
    const strategy = new MeanReversion({ period: 5, deviations: 1.5 });
    expect(strategy.decide(series, 5, 0)?.intent).toBe('enter');
    expect(strategy.decide(series, 6, 10)?.intent).toBe('exit');
    expect(strategy.decide(series, 4, 0)).toBeNull();
  });

  it('createStrategy names unknown strategies and bad parameters', () => {
    expect(() => createStrategy('nope')).toThrow('unknown strategy "nope"');
    expect(() => createStrategy('sma-cross', { fast: 30, slow: 10 })).toThrow(
      'sma-cross.fast: fast must be shorter than slow',
    );
    expect(createStrategy('breakout').name).toBe('breakout');
  });
});

describe('short side (short: true)', () => {
  const wave = closes(Array.from({ length: 120 }, (_, at) => 100 + 10 * Math.sin(at / 6)));

  it('sma-cross long only never proposes a sell entry; with short it reverses on every cross', () => {
    const longOnly = new SmaCross({ fast: 3, slow: 8 });
    const reversing = new SmaCross({ fast: 3, slow: 8 }, { short: true });
    expect(longOnly.short).toBe(false);
    expect(reversing.short).toBe(true);
    // Walk the series holding what each proposal leaves: always in the market after the first cross.
    let held = 0;
    const steps: Array<[string, string, boolean]> = [];
    for (let at = 0; at < wave.length; at += 1) {
      const long = longOnly.decide(wave, at, 0);
      if (long) expect(long.side === 'sell' && long.intent === 'enter').toBe(false);
      const proposal = reversing.decide(wave, at, held);
      if (!proposal) continue;
      steps.push([proposal.side, proposal.intent, proposal.reverse === true]);
      held = proposal.side === 'buy' ? 100 : -100;
    }
    expect(steps.length).toBeGreaterThan(4);
    expect(steps[0]![1]).toBe('enter');
    expect(steps[0]![2]).toBe(false);
    for (const [at, step] of steps.entries()) {
      if (at === 0) continue;
      expect(step[1]).toBe('exit');
      expect(step[2]).toBe(true);
      expect(step[0]).not.toBe(steps[at - 1]![0]); // sides alternate
    }
  });

  it('sma-cross with short enters short on a death cross when flat and keeps a short on another', () => {
    const strategy = new SmaCross({ fast: 1, slow: 2 }, { short: true });
    const down = closes([0.3, 0.4, 0.4, 0.3]);
    const proposal = strategy.decide(down, 3, 0)!;
    expect([proposal.side, proposal.intent, proposal.reverse]).toEqual(['sell', 'enter', undefined]);
    expect(proposal.reason).toMatch(/crossed below/);
    expect(new SmaCross({ fast: 1, slow: 2 }, { short: true }).decide(down, 3, -5)).toBeNull();
    expect(new SmaCross({ fast: 1, slow: 2 }).decide(down, 3, 0)).toBeNull();
  });

  it('breakout shorts below the channel low and covers above the exit high', () => {
    const series = closes([10, 10, 10, 10, 9.5, 9.8, 10.5, 10.6]);
    const strategy = new Breakout({ entry: 3, exit: 2 }, { short: true });
    const entry = strategy.decide(series, 4, 0)!; // 9.5 < min low 9.9
    expect([entry.side, entry.intent]).toEqual(['sell', 'enter']);
    expect(entry.facts).toContainEqual({ name: 'lowestLow3', value: 9.9 });
    const exit = strategy.decide(series, 6, -10)!; // 10.5 > max high 9.898 of bars 4..5
    expect([exit.side, exit.intent]).toEqual(['buy', 'exit']);
    expect(new Breakout({ entry: 3, exit: 2 }).decide(series, 4, 0)).toBeNull();
    expect(new Breakout({ entry: 3, exit: 2 }).decide(series, 6, -10)).toBeNull();
  });

  it('mean-reversion shorts above the upper band and covers at the mean', () => {
    const series = closes([10, 9.8, 10.2, 9.9, 10.1, 11.5, 9.5]);
    const strategy = new MeanReversion({ period: 5, deviations: 1.5 }, { short: true });
    const entry = strategy.decide(series, 5, 0)!;
    expect([entry.side, entry.intent]).toEqual(['sell', 'enter']);
    expect(entry.reason).toMatch(/above the upper band/);
    const exit = strategy.decide(series, 6, -10)!;
    expect([exit.side, exit.intent]).toEqual(['buy', 'exit']);
    expect(new MeanReversion({ period: 5, deviations: 1.5 }).decide(series, 5, 0)).toBeNull();
    expect(createStrategy('mean-reversion', {}, { short: true }).short).toBe(true);
  });
});
