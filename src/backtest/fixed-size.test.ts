import { describe, expect, it } from 'vitest';
import { type BarSeries, emptySeries } from '../market/index.ts';
import { Breakout, type Proposal, SmaCross, type Strategy } from '../strategies/index.ts';
import { targetOf } from './fixed-size.ts';
import { runBacktest } from './runner.ts';

/** Bars from [open, high, low, close] rows, one a day. */
function bars(rows: Array<[number, number, number, number]>, symbol = 'T'): BarSeries {
  const series = emptySeries(symbol, rows.length);
  rows.forEach(([open, high, low, close], at) => {
    series.time[at] = Date.UTC(2020, 0, 1 + at);
    series.open[at] = open;
    series.high[at] = high;
    series.low[at] = low;
    series.close[at] = close;
    series.volume[at] = 1;
  });
  series.length = rows.length;
  return series;
}

/** Proposes what it is told at given bars (a scripted strategy). */
function scripted(
  script: Record<number, Pick<Proposal, 'side' | 'intent' | 'reverse'>>,
  short = true,
): Strategy {
  return {
    name: 'scripted',
    warmup: 1,
    parameters: {},
    short,
    decide(series, index) {
      const step = script[index];
      if (!step) return null;
      return {
        symbol: series.symbol,
        ...step,
        referencePrice: series.close[index]!,
        reason: 'scripted',
        facts: [],
        strategy: 'scripted',
        time: series.time[index]!,
      };
    },
  };
}

const flat = (count: number, price = 10): Array<[number, number, number, number]> =>
  Array.from({ length: count }, () => [price, price, price, price]);

describe('the fixed-size engine (--size, --short)', () => {
  it('targets +size, −size or 0', () => {
    const base = { symbol: 'T', referencePrice: 1, reason: '', facts: [], strategy: 's', time: 0 };
    expect(targetOf({ ...base, side: 'buy', intent: 'enter' }, 5)).toBe(5);
    expect(targetOf({ ...base, side: 'sell', intent: 'enter' }, 5)).toBe(-5);
    expect(targetOf({ ...base, side: 'sell', intent: 'exit' }, 5)).toBe(0);
    expect(targetOf({ ...base, side: 'sell', intent: 'exit', reverse: true }, 5)).toBe(-5);
    expect(targetOf({ ...base, side: 'buy', intent: 'exit', reverse: true }, 5)).toBe(5);
  });

  it('sells short at the next open, adds the proceeds to cash, and covers with pnl (entry − exit) × qty', () => {
    const series = bars([
      [10, 10, 10, 10],
      [12, 12.5, 11, 11],
      [9, 9.5, 8, 8],
      [8, 8, 8, 8],
    ]);
    const run = runBacktest({
      series: [series],
      strategy: scripted({ 0: { side: 'sell', intent: 'enter' }, 2: { side: 'buy', intent: 'exit' } }),
      settings: { cash: 1_000, commission: 0.01, size: 10, short: true },
    });
    // Short 10 at 12 (fee 1.2): cash 1000 + 120 − 1.2; valued at close 11: 1118.8 − 110.
    expect(run.values[1]).toBeCloseTo(1_008.8, 9);
    // Covered at the next open 8 (fee 0.8): (12 − 8) × 10 − 1.2 − 0.8 = 38.
    const [trade] = run.broker.trades;
    expect(trade).toMatchObject({ qty: -10, entryPrice: 12, exitPrice: 8, grossPnl: 40, bars: 2 });
    expect(trade!.pnl).toBeCloseTo(38, 9);
    expect(run.broker.cash()).toBeCloseTo(1_038, 9);
    expect(run.report.trades[0]!.size).toBe(-10);
    expect(run.report.openPositions).toEqual([]);
  });

  it('with --size alone stays long only: fixed entries, exits to flat', () => {
    const rising = Array.from({ length: 150 }, (_, at) => 100 + 10 * Math.sin(at / 5));
    const series = bars(rising.map((close) => [close, close + 1, close - 1, close]));
    const run = runBacktest({
      series: [series],
      strategy: new SmaCross({ fast: 3, slow: 8 }),
      settings: { cash: 100_000, size: 7 },
    });
    expect(run.broker.trades.length).toBeGreaterThan(1);
    expect(run.broker.trades.every((trade) => trade.qty === 7)).toBe(true);
  });

  it('refuses at submission an order cash cannot pay at the signal close, and drops an unaffordable opening part at the fill', () => {
    const refused = runBacktest({
      series: [bars(flat(3))],
      strategy: scripted({ 0: { side: 'buy', intent: 'enter' } }, false),
      settings: { cash: 100, commission: 0.001, size: 10 },
    });
    // 10 × 10 × 1.001 = 100.1 > 100: refused, no fill.
    expect(refused.report.rejectedOrders).toBe(1);
    expect(refused.broker.trades).toEqual([]);
    expect(refused.messages.some((message) => message.topic === 'order.rejected')).toBe(true);
    // A short, then a reversal whose long half the gap up makes unaffordable at the fill.
    const gapped = runBacktest({
      series: [
        bars([
          [10, 10, 10, 10],
          [10, 10, 10, 10],
          [10, 10, 10, 10],
          [14, 14, 14, 14],
          [14, 14, 14, 14],
        ]),
      ],
      strategy: scripted({
        0: { side: 'sell', intent: 'enter' },
        2: { side: 'buy', intent: 'exit', reverse: true },
      }),
      settings: { cash: 100, size: 10, short: true },
    });
    // Short 10 at 10: cash 200. Reverse checked at close 10: 200 − 200 = 0, accepted. At the
    // open 14: covering costs 140 (cash 60), the long 10 × 14 = 140 is dropped: flat, one rejection.
    expect(gapped.report.rejectedOrders).toBe(1);
    expect(gapped.broker.trades).toHaveLength(1);
    expect(gapped.broker.trades[0]!.grossPnl).toBeCloseTo(-40, 9);
    expect(gapped.broker.positions()).toEqual([]);
    expect(gapped.broker.cash()).toBeCloseTo(60, 9);
  });

  it('slips a short sale down and a cover up, inside the bar', () => {
    const run = runBacktest({
      series: [
        bars([
          [10, 10, 10, 10],
          [10, 10.5, 9.99, 10],
          [10, 10.05, 9, 10],
        ]),
      ],
      strategy: scripted({ 0: { side: 'sell', intent: 'enter' }, 1: { side: 'buy', intent: 'exit' } }),
      settings: { cash: 1_000, slippage: 0.01, size: 1, short: true },
    });
    const [trade] = run.broker.trades;
    expect(trade!.entryPrice).toBeCloseTo(9.99, 9); // 10 × 0.99 = 9.9, held inside the bar's low 9.99
    expect(trade!.exitPrice).toBeCloseTo(10.05, 9); // 10 × 1.01 = 10.1, held inside the high 10.05
  });

  it('runs breakout with mirror-image short entries end to end', () => {
    const down = [10, 10, 10, 10, 9.5, 9.2, 9, 9.6, 10.4, 10.6, 10.7];
    const series = bars(down.map((close) => [close, close * 1.001, close * 0.999, close]));
    const run = runBacktest({
      series: [series],
      strategy: new Breakout({ entry: 3, exit: 2 }, { short: true }),
      settings: { cash: 1_000, size: 5, short: true },
    });
    const [trade] = run.broker.trades;
    expect(trade).toMatchObject({ qty: -5, entryPrice: 9.2 });
    expect(trade!.exitPrice).toBeGreaterThan(trade!.entryPrice);
    expect(trade!.grossPnl).toBeCloseTo((trade!.entryPrice - trade!.exitPrice) * 5, 9);
  });
});
