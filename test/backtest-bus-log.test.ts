import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacktestJobResult, roundCents, runBacktestJob } from '../src/backtest/index.ts';
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
      parameters: { fast: 10, slow: 30 },
      // Brackets and exits on signal: proposals, orders, fills, cancellations and exits all occur.
      settings: { cash: 100_000, commission: 0.001, stopPct: 0.08, takeProfitPct: 0.25, exitOnSignal: true },
      runId: 'bt-log-test',
    },
    { database: async () => database.store },
  );
  const bus = new Bus({ store: database.store, logger: silentLogger() });
  // Replay the simulated time window: the log is stamped with bar times, not wall time.
  replayed = await bus.replayAll({
    from: new Date('1995-01-01T00:00:00Z'),
    to: new Date('2015-01-01T00:00:00Z'),
  });
  await bus.stop();
});

afterAll(async () => {
  await database.drop();
});

describe('the bus log of a backtest', () => {
  it('holds every message of the run, causes before effects, each topic in simulated-time order', () => {
    expect(result.logged).toBe(result.run.messages.length);
    expect(replayed).toHaveLength(result.run.messages.length);
    const position = new Map(replayed.map((message, at) => [message.id, at]));
    for (const [at, message] of replayed.entries()) {
      if (message.causationId !== null) expect(position.get(message.causationId)).toBeLessThan(at);
    }
    const lastSeen = new Map<string, number>();
    for (const message of replayed) {
      expect(message.ts.getTime()).toBeGreaterThanOrEqual(lastSeen.get(message.topic) ?? 0);
      lastSeen.set(message.topic, message.ts.getTime());
    }
    expect(replayed[0]!.topic).toBe(topics.runStarted);
    expect(replayed.filter((message) => message.topic === topics.runCompleted)).toHaveLength(1);
    expect(replayed.every((message) => message.cycleId?.startsWith('bt-log-test'))).toBe(true);
    // Sorted by simulated time, the log reads as the run happened: the summary last.
    const timeline = [...replayed].sort((a, b) => a.ts.getTime() - b.ts.getTime() || a.id - b.id);
    expect(timeline.at(-1)!.ts.getTime()).toBe(Date.parse('2014-12-31T00:00:00Z'));
  });

  it('has a message for every proposal, order, fill, cancellation and exit', () => {
    const count = (topic: string) => replayed.filter((message) => message.topic === topic).length;
    const { report, broker } = result.run;
    expect(count(topics.fill)).toBe(broker.fillCount);
    expect(count(topics.exit)).toBe(report.closedTrades);
    expect(count(topics.rejected)).toBe(report.rejectedOrders);
    expect(count(topics.proposal)).toBe(count(topics.order) + count(topics.skipped));
    expect(count(topics.cancelled)).toBeGreaterThan(0);
    expect(report.trades.some((trade) => trade.exitReason === 'stop_loss')).toBe(true);
    expect(report.trades.some((trade) => trade.exitReason === 'take_profit')).toBe(true);
  });

  it('links each message to its cause: proposal → order → fill → exit', () => {
    const byId = new Map(replayed.map((message) => [message.id, message]));
    const causeTopic = (message: BusMessage) =>
      message.causationId === null ? null : (byId.get(message.causationId)?.topic ?? 'missing');
    for (const message of replayed) {
      if (message.topic === topics.order) expect(causeTopic(message)).toBe(topics.proposal);
      if (
        message.topic === topics.fill ||
        message.topic === topics.rejected ||
        message.topic === topics.cancelled
      ) {
        expect(causeTopic(message)).toBe(topics.order);
      }
      if (message.topic === topics.exit) expect(causeTopic(message)).toBe(topics.fill);
    }
  });

  it('logs runs whose options are partly unset (no undefined reaches the bus)', async () => {
    const partial = await runBacktestJob(
      {
        feed: 'csv',
        files: [path.resolve(repoRoot, 'data/2006-day-001.txt')],
        parameters: { fast: 5, slow: 20 },
        settings: { stopPct: 0.03, takeProfitPct: undefined, commission: undefined },
        runId: 'bt-partial',
      },
      { database: async () => database.store },
    );
    expect(partial.logged).toBe(partial.run.messages.length);
    expect(partial.logged).toBeGreaterThan(2);
  });

  it('replays to the same cash, position and trades as the run reported', () => {
    let cash = 100_000;
    let position = 0;
    for (const message of replayed.filter((each) => each.topic === topics.fill)) {
      const fill = message.payload as { side: string; qty: number; price: number; commission: number };
      if (fill.side === 'buy') {
        cash -= fill.qty * fill.price + fill.commission;
        position += fill.qty;
      } else {
        cash += fill.qty * fill.price - fill.commission;
        position -= fill.qty;
      }
    }
    const { report } = result.run;
    expect(roundCents(cash)).toBe(report.finalCash);
    expect(position).toBe(report.openPosition?.size ?? 0);
    const exits = replayed
      .filter((each) => each.topic === topics.exit)
      .map((each) => roundCents((each.payload as { pnl: number }).pnl));
    expect(exits).toEqual(report.trades.map((trade) => trade.pnl));
    const completed = replayed.find((each) => each.topic === topics.runCompleted)!.payload as {
      finalValue: number;
      finalCash: number;
      closedTrades: number;
    };
    expect(completed).toMatchObject({
      finalValue: report.finalValue,
      finalCash: report.finalCash,
      closedTrades: report.closedTrades,
    });
  });
});
