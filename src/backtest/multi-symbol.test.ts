import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCsvBars } from '../market/index.ts';
import { Breakout, MeanReversion, SmaCross } from '../strategies/index.ts';
import { runBacktestJob } from './job.ts';
import { runBacktest } from './runner.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const load = (name: string, symbol: string) => {
  const file = path.resolve(repoRoot, 'data', name);
  return parseCsvBars(readFileSync(file, 'utf8'), { source: file, symbol }).series;
};

describe('backtest over several symbols on one simulated clock', () => {
  const orcl = load('orcl-1995-2014.txt', 'ORCL');
  const yhoo = load('yhoo-1996-2014.txt', 'YHOO');
  // Small positions and ample cash: no order is ever short of cash, so each symbol trades as alone.
  const settings = { cash: 10_000_000, sizePct: 0.02, commission: 0.001 };
  const strategy = () => new SmaCross({ fast: 10, slow: 30 });

  it('merges the calendars and trades each symbol exactly as it would alone (same dates and prices)', () => {
    const both = runBacktest({ series: [orcl, yhoo], strategy: strategy(), settings });
    expect(both.report.bars).toBe(orcl.length + yhoo.length);
    expect(both.times.length).toBe(orcl.length); // YHOO's dates are a subset of ORCL's
    for (const series of [orcl, yhoo]) {
      const alone = runBacktest({ series: [series], strategy: strategy(), settings });
      const key = (trade: { entryDate: string; entryPrice: number; exitDate: string; exitPrice: number }) =>
        `${trade.entryDate} ${trade.entryPrice} ${trade.exitDate} ${trade.exitPrice}`;
      expect(both.report.trades.filter((trade) => trade.symbol === series.symbol).map(key)).toEqual(
        alone.report.trades.map(key),
      );
    }
    expect(both.report.rejectedOrders).toBe(0);
  });

  it('runs breakout and mean-reversion end to end with a bracket, deterministically', () => {
    for (const make of [() => new Breakout(), () => new MeanReversion()]) {
      const input = { series: [orcl, yhoo], settings: { ...settings, stopPct: 0.05, takeProfitPct: 0.1 } };
      const first = runBacktest({ ...input, strategy: make() });
      const second = runBacktest({ ...input, strategy: make() });
      expect(first.report.closedTrades).toBeGreaterThan(10);
      expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
      for (const trade of first.report.trades)
        expect(['stop_loss', 'take_profit']).toContain(trade.exitReason);
    }
  });
});

describe('backtest over the seeded sim feed', () => {
  it('repeats exactly from its seed and differs with another seed', async () => {
    const job = (seed: number) =>
      runBacktestJob({
        feed: 'sim',
        seed,
        symbols: ['AAA', 'BBB'],
        simBars: 1_500,
        parameters: { fast: 5, slow: 20 },
      });
    const [first, second, other] = await Promise.all([job(42), job(42), job(43)]);
    expect(first.run.report.closedTrades).toBeGreaterThan(5);
    expect(JSON.stringify(second.run.report)).toBe(JSON.stringify(first.run.report));
    expect(JSON.stringify(other.run.report)).not.toBe(JSON.stringify(first.run.report));
  });
});
