import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseCsvBars } from '../market/index.ts';
import { topics } from '../pipeline/index.ts';
import { createStrategy, SmaCross } from '../strategies/index.ts';
import { runBacktest } from './runner.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');

/** backtrader's figures, made by oracle/sma-cross-short.py (see its header for the rules). */
const oracle = z
  .object({
    settings: z.object({
      cash: z.number(),
      commission: z.number(),
      size: z.number(),
      fast: z.number(),
      slow: z.number(),
    }),
    finalValue: z.number(),
    finalCash: z.number(),
    position: z.object({ size: z.number(), price: z.number() }),
    trades: z.array(
      z.object({
        entryDate: z.string(),
        exitDate: z.string(),
        side: z.enum(['long', 'short']),
        entryPrice: z.number(),
        grossPnl: z.number(),
        pnl: z.number(),
        commission: z.number(),
        bars: z.number(),
      }),
    ),
    orders: z.array(
      z.object({
        status: z.string(),
        executed: z.string().nullable(),
        executedSize: z.number(),
        price: z.number(),
        commission: z.number(),
      }),
    ),
    values: z.array(z.number()),
  })
  .parse(JSON.parse(readFileSync(new URL('./oracle/sma-cross-short.json', import.meta.url), 'utf8')));

describe('sma-cross --short --size 1000 over ORCL 1995–2014 (against backtrader)', () => {
  const series = parseCsvBars(readFileSync(orclFile, 'utf8'), { source: orclFile, symbol: 'ORCL' }).series;
  const { cash, commission, size, fast, slow } = oracle.settings;
  const run = runBacktest({
    series: [series],
    strategy: new SmaCross({ fast, slow }, { short: true }),
    settings: { cash, commission, size, short: true },
  });
  const trades = run.broker.trades;

  it('ends with backtrader’s value, cash and position, exact to 1e-6', () => {
    expect(oracle.orders.every((order) => order.status === 'Completed')).toBe(true);
    expect(Math.abs(run.values.at(-1)! - oracle.finalValue)).toBeLessThan(1e-6);
    expect(Math.abs(run.broker.cash() - oracle.finalCash)).toBeLessThan(1e-6);
    const [position] = run.broker.positions();
    expect(position?.qty).toBe(oracle.position.size);
    expect(Math.abs(position!.avgPrice - oracle.position.price)).toBeLessThan(1e-6);
    expect(run.report.rejectedOrders).toBe(0);
  });

  it('values the account like backtrader at every close', () => {
    expect(run.values.length).toBe(oracle.values.length);
    const worst = oracle.values.reduce(
      (max, value, at) => Math.max(max, Math.abs(run.values[at]! - value)),
      0,
    );
    expect(worst).toBeLessThan(1e-6);
  });

  it('makes backtrader’s trades: dates, side, entry price, pnl, commission, bars', () => {
    expect(trades.length).toBe(oracle.trades.length);
    expect(trades.length).toBeGreaterThan(100);
    trades.forEach((trade, at) => {
      const expected = oracle.trades[at]!;
      expect(new Date(trade.entryTime).toISOString().slice(0, 10)).toBe(expected.entryDate);
      expect(new Date(trade.exitTime).toISOString().slice(0, 10)).toBe(expected.exitDate);
      expect(trade.qty < 0 ? 'short' : 'long').toBe(expected.side);
      expect(Math.abs(trade.qty)).toBe(size);
      expect(Math.abs(trade.entryPrice - expected.entryPrice)).toBeLessThan(1e-6);
      expect(Math.abs(trade.grossPnl - expected.grossPnl)).toBeLessThan(1e-6);
      expect(Math.abs(trade.pnl - expected.pnl)).toBeLessThan(1e-6);
      expect(Math.abs(trade.commission - expected.commission)).toBeLessThan(1e-6);
      expect(trade.bars).toBe(expected.bars);
    });
  });

  it('reverses on every cross: sides alternate, each trade exits where the next one enters', () => {
    const fills = run.messages.filter((message) => message.topic === topics.fill);
    expect(fills.length).toBe(oracle.orders.length);
    fills.forEach((fill, at) => {
      const payload = fill.payload as { qty: number; side: string; price: number; commission: number };
      const expected = oracle.orders[at]!;
      expect(payload.qty * (payload.side === 'buy' ? 1 : -1)).toBe(expected.executedSize);
      expect(Math.abs(payload.price - expected.price)).toBeLessThan(1e-6);
      expect(Math.abs(payload.commission - expected.commission)).toBeLessThan(1e-6);
    });
    for (let at = 1; at < trades.length; at += 1) {
      expect(Math.sign(trades[at]!.qty)).toBe(-Math.sign(trades[at - 1]!.qty));
      expect(trades[at]!.entryTime).toBe(trades[at - 1]!.exitTime);
    }
    // A short's pnl is (entry − exit) × shares.
    const short = trades.find((trade) => trade.qty < 0)!;
    expect(short.grossPnl).toBeCloseTo((short.entryPrice - short.exitPrice) * size, 9);
    expect(run.report.trades.some((row) => row.size < 0)).toBe(true);
  });

  it('refuses a short run without a size, and a long-only strategy in a short run', () => {
    expect(() =>
      runBacktest({
        series: [series],
        strategy: createStrategy('sma-cross', {}, { short: true }),
        settings: { short: true },
      }),
    ).toThrow(/--short needs a fixed --size/);
    expect(() =>
      runBacktest({ series: [series], strategy: new SmaCross(), settings: { size: 1000, short: true } }),
    ).toThrow(/built long only/);
    expect(() =>
      runBacktest({ series: [series], strategy: new SmaCross({}, { short: true }), settings: {} }),
    ).toThrow(/proposes shorts but the run is long only/);
  });
});
