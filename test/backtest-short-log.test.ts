import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacktestJobResult, runBacktestJob } from '../src/backtest/index.ts';
import { Bus, type BusMessage } from '../src/bus/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { topics } from '../src/pipeline/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');

let database: TestDatabase;
let result: BacktestJobResult;
let replayed: BusMessage[];

beforeAll(async () => {
  database = await createTestDatabase();
  result = await runBacktestJob(
    {
      feed: 'csv',
      files: [orclFile],
      symbols: ['ORCL'],
      strategy: 'sma-cross',
      settings: { cash: 100_000, commission: 0.001, slippage: 0.001, size: 1000, short: true },
      runId: 'bt-short-log',
    },
    { database: async () => database.store },
  );
  const bus = new Bus({ store: database.store, logger: silentLogger() });
  replayed = await bus.replayAll({
    from: new Date('1995-01-01T00:00:00Z'),
    to: new Date('2015-01-01T00:00:00Z'),
  });
  await bus.stop();
});

afterAll(async () => {
  await database.drop();
});

describe('the bus log of a --short --size backtest', () => {
  it('is written whole, causes before effects, through the topic catalog', () => {
    expect(result.logged).toBe(result.run.messages.length);
    expect(replayed).toHaveLength(result.run.messages.length);
    const position = new Map(replayed.map((message, at) => [message.id, at]));
    for (const [at, message] of replayed.entries()) {
      if (message.causationId !== null) expect(position.get(message.causationId)).toBeLessThan(at);
    }
    const count = (topic: string) => replayed.filter((message) => message.topic === topic).length;
    expect(count(topics.runStarted)).toBe(1);
    expect(count(topics.runCompleted)).toBe(1);
    expect(count(topics.proposal)).toBe(count(topics.order) + count(topics.skipped));
    expect(count(topics.exit)).toBe(result.run.report.closedTrades);
    expect(count(topics.fill)).toBe(result.run.broker.fillCount);
  });

  it('rebuilds cash and the position from the fills alone, sells short included', () => {
    let cash = 100_000;
    let held = 0;
    let shortEntries = 0;
    for (const message of replayed.filter((each) => each.topic === topics.fill)) {
      const fill = message.payload as {
        side: 'buy' | 'sell';
        qty: number;
        price: number;
        commission: number;
      };
      const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
      if (held >= 0 && held + signed < 0) shortEntries += 1;
      cash -= signed * fill.price + fill.commission;
      held += signed;
      expect(Math.abs(held)).toBe(1000);
    }
    expect(shortEntries).toBeGreaterThan(50);
    expect(cash).toBeCloseTo(result.run.broker.cash(), 6);
    expect(held).toBe(result.run.report.openPosition?.size);
    const closed = replayed.filter((each) => each.topic === topics.exit);
    const short = closed.find((each) => (each.payload as { qty: number }).qty < 0)!.payload as {
      qty: number;
      entryPrice: number;
      exitPrice: number;
      grossPnl: number;
    };
    // Slippage moves both fills against the short: the sale lower, the cover higher.
    expect(short.grossPnl).toBeCloseTo((short.entryPrice - short.exitPrice) * -short.qty, 6);
  });
});
