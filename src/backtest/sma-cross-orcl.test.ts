import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCsvBars } from '../market/index.ts';
import { SmaCross } from '../strategies/index.ts';
import { roundCents } from './money.ts';
import { runBacktest } from './runner.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const text = readFileSync(orclFile, 'utf8');

/**
 * A second, deliberately naive implementation written only from the rules (backtrader's
 * conventions): its own CSV split, BigInt SMA sums recomputed per bar, a backwards scan for
 * the last differing bar, one pending order filled at the next open, checks at submission
 * (signal close) and at fill (open), valuation at each close.
 */
function naiveSmaCross(fast: number, slow: number, cash0: number, commission: number, sizePct: number) {
  const rows = text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const micros = (decimal: string) => {
    const [whole, fraction = ''] = decimal.split('.');
    return (
      BigInt(whole!) * 1_000_000n +
      BigInt(`${fraction}000000`.slice(0, 6)) +
      (fraction.length > 6 && Number(fraction[6]) >= 5 ? 1n : 0n)
    );
  };
  const date = rows.map((row) => row[0]!);
  const open = rows.map((row) => Number(row[1]));
  const close = rows.map((row) => Number(row[4]));
  const closeMicros = rows.map((row) => micros(row[4]!));
  const sign = (i: number): number => {
    let sumFast = 0n;
    let sumSlow = 0n;
    for (let k = i - fast + 1; k <= i; k += 1) sumFast += closeMicros[k]!;
    for (let k = i - slow + 1; k <= i; k += 1) sumSlow += closeMicros[k]!;
    const left = sumFast * BigInt(slow);
    const right = sumSlow * BigInt(fast);
    return left > right ? 1 : left < right ? -1 : 0;
  };
  const cross = (i: number): number => {
    const now = sign(i);
    if (now === 0) return 0;
    for (let j = i - 1; j >= slow - 1; j -= 1) {
      const before = sign(j);
      if (before !== 0) return before !== now ? now : 0;
    }
    return 0;
  };
  let cash = cash0;
  let position = 0;
  let pending: { side: 'buy' | 'sell'; qty: number } | null = null;
  let entry = { date: '', price: 0, commission: 0 };
  const trades: Array<{
    entryDate: string;
    entryPrice: number;
    exitDate: string;
    exitPrice: number;
    size: number;
    pnl: number;
    commission: number;
  }> = [];
  const values: number[] = [];
  let rejected = 0;
  for (let i = 0; i < rows.length; i += 1) {
    if (pending) {
      const price = open[i]!;
      const value = pending.qty * price;
      const fee = value * commission;
      if (pending.side === 'buy') {
        if (value + fee > cash) rejected += 1;
        else {
          cash -= value + fee;
          position = pending.qty;
          entry = { date: date[i]!, price, commission: fee };
        }
      } else {
        cash += value - fee;
        const gross = position * price - position * entry.price;
        trades.push({
          entryDate: entry.date,
          entryPrice: entry.price,
          exitDate: date[i]!,
          exitPrice: price,
          size: position,
          pnl: gross - (entry.commission + fee),
          commission: entry.commission + fee,
        });
        position = 0;
      }
      pending = null;
    }
    values.push(cash + position * close[i]!);
    if (i < slow) continue;
    const signal = cross(i);
    if (signal > 0 && position === 0) {
      const qty = Math.floor((cash * sizePct) / close[i]!);
      if (qty * close[i]! * (1 + commission) <= cash) pending = { side: 'buy', qty };
      else rejected += 1;
    } else if (signal < 0 && position > 0) pending = { side: 'sell', qty: position };
  }
  return { trades, values, cash, position, rejected };
}

describe('sma-cross over ORCL 1995–2014 (independently checked)', () => {
  const series = parseCsvBars(text, { source: orclFile, symbol: 'ORCL' }).series;
  const settings = { cash: 100_000, commission: 0.001, sizePct: 0.95 };
  const run = runBacktest({ series: [series], strategy: new SmaCross({ fast: 10, slow: 30 }), settings });
  const naive = naiveSmaCross(10, 30, 100_000, 0.001, 0.95);

  it('makes the same trades, to the cent', () => {
    expect(run.report.trades.length).toBeGreaterThan(50);
    expect(run.report.closedTrades).toBe(naive.trades.length);
    expect(
      run.report.trades.map((trade) => [
        trade.entryDate,
        trade.entryPrice,
        trade.exitDate,
        trade.exitPrice,
        trade.size,
        trade.pnl,
        trade.commission,
      ]),
    ).toEqual(
      naive.trades.map((trade) => [
        trade.entryDate,
        trade.entryPrice,
        trade.exitDate,
        trade.exitPrice,
        trade.size,
        roundCents(trade.pnl),
        roundCents(trade.commission),
      ]),
    );
    expect(run.report.rejectedOrders).toBe(naive.rejected);
  });

  it('ends with the same cash, value and open position, and the same per-bar values', () => {
    expect(run.report.finalCash).toBe(roundCents(naive.cash));
    expect(run.report.finalValue).toBe(roundCents(naive.values.at(-1)!));
    expect(run.report.openPosition?.size ?? 0).toBe(naive.position);
    expect(run.values.length).toBe(naive.values.length);
    run.values.forEach((value, at) => {
      expect(value).toBeCloseTo(naive.values[at]!, 6);
    });
  });

  it('computes drawdown, Sharpe and exposure from the per-bar values', () => {
    const values = naive.values;
    let peak = 100_000;
    let maxDrawdown = 0;
    for (const value of values) {
      peak = Math.max(peak, value);
      maxDrawdown = Math.max(maxDrawdown, (peak - value) / peak);
    }
    const returns = values.slice(1).map((value, at) => value / values[at]! - 1);
    const mean = returns.reduce((sum, r) => sum + r, 0) / returns.length;
    const stdev = Math.sqrt(returns.reduce((sum, r) => sum + (r - mean) ** 2, 0) / returns.length);
    const downside = Math.sqrt(returns.reduce((sum, r) => sum + Math.min(r, 0) ** 2, 0) / returns.length);
    expect(run.report.metrics.maxDrawdownPct).toBeCloseTo(maxDrawdown * 100, 4);
    expect(run.report.metrics.sharpe).toBeCloseTo((mean / stdev) * Math.sqrt(252), 6);
    expect(run.report.metrics.sortino).toBeCloseTo((mean / downside) * Math.sqrt(252), 6);
    const wins = naive.trades.filter((trade) => trade.pnl > 0);
    expect(run.report.metrics.winRatePct).toBeCloseTo((wins.length / naive.trades.length) * 100, 4);
    const profit = wins.reduce((sum, trade) => sum + trade.pnl, 0);
    const loss = -naive.trades.filter((trade) => trade.pnl < 0).reduce((sum, trade) => sum + trade.pnl, 0);
    expect(run.report.metrics.profitFactor).toBeCloseTo(profit / loss, 6);
  });

  it('gives identical JSON for identical inputs', () => {
    const again = runBacktest({
      series: [parseCsvBars(text, { source: orclFile, symbol: 'ORCL' }).series],
      strategy: new SmaCross({ fast: 10, slow: 30 }),
      settings,
    });
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(run.report));
    expect(JSON.stringify(again.messages)).toBe(JSON.stringify(run.messages));
  });

  it('runs the same without keeping its log (--no-db): same report and equity, no messages kept', () => {
    const unlogged = runBacktest({
      series: [parseCsvBars(text, { source: orclFile, symbol: 'ORCL' }).series],
      strategy: new SmaCross({ fast: 10, slow: 30 }),
      settings,
      keepLog: false,
    });
    expect(run.messages.length).toBeGreaterThan(50);
    expect(unlogged.messages).toEqual([]);
    expect(JSON.stringify(unlogged.report)).toBe(JSON.stringify(run.report));
    expect([...unlogged.values]).toEqual([...run.values]);
  });
});
