import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AgentRuntime } from '../src/agents/index.ts';
import { loadBacktestBars } from '../src/backtest/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, type ConfigFile, loadConfig } from '../src/config/index.ts';
import type { BarSeries } from '../src/market/index.ts';
import { monitorSql } from '../src/pipeline/monitor-sql.ts';
import { type PipelineBacktestResult, runPipelineBacktest } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import type { TransactionOptions } from '../src/store/index.ts';
import { logger } from './optimizer-support.ts';
import { createTestDatabase, recordStatements, type TestDatabase } from './support/database.ts';
import { repoRoot } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

let db: TestDatabase;
let skills: SkillRegistry;
let agents: AgentRuntime;
let orcl: BarSeries;
let folder: string;

beforeAll(async () => {
  db = await createTestDatabase();
  folder = walkableTempDir(path.join(tmpdir(), 'signet-bt-monitor-'));
  skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
  agents = { skills, llm: undefined, philosophy: await loadPhilosophy(shippedPhilosophyFile()), logger };
  const { series } = await loadBacktestBars({
    feed: 'csv',
    files: [path.resolve(repoRoot, 'data/orcl-1995-2014.txt')],
    symbols: ['ORCL'],
    from: Date.parse('2012-01-01'),
  });
  orcl = series[0]!;
});
afterAll(async () => {
  skills.close();
  await db.drop();
});

/** ORCL's bars under another symbol, prices times `factor`: returns that correlate 1 with ORCL's. */
function copyOf(series: BarSeries, symbol: string, factor: number): BarSeries {
  const scaled = (values: Float64Array) => values.map((value) => value * factor);
  const { time, volume, length } = series;
  return {
    symbol,
    length,
    time,
    volume,
    open: scaled(series.open),
    high: scaled(series.high),
    low: scaled(series.low),
    close: scaled(series.close),
  };
}

/**
 * One in-process run; how many times the monitor read the positions table during it; the
 * statements sent through the pool, in order; and the options of every transaction begun.
 */
async function run(
  runId: string,
  config: Config,
  series: BarSeries[] = [orcl],
): Promise<{
  result: PipelineBacktestResult;
  reads: number;
  texts: string[];
  transactions: Array<TransactionOptions | undefined>;
}> {
  const bus = new Bus({ store: db.store, logger });
  const statements = recordStatements(db.store);
  const transactions: Array<TransactionOptions | undefined> = [];
  const realTransaction = db.store.transaction.bind(db.store);
  const spy = vi.spyOn(db.store, 'transaction').mockImplementation(((work, options) => {
    transactions.push(options);
    return realTransaction(work, options);
  }) as typeof db.store.transaction);
  try {
    const result = await runPipelineBacktest({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      series,
      runId,
      warmupBars: 60,
      journalRoot: path.join(folder, runId),
      deciders: 'fallback sma-cross',
    });
    const texts = statements.texts;
    return {
      result,
      reads: texts.filter((text) => text === monitorSql.positions()).length,
      texts,
      transactions,
    };
  } finally {
    spy.mockRestore();
    statements.stop();
    await bus.stop();
  }
}

/** What a run left in its tables and on the bus. */
async function footprint(runId: string) {
  const broker = `bt:${runId}`;
  const orders = await db.store.query(
    // Client order ids are hashes of the run's cycle ids: the rows are compared in the order written.
    `SELECT leg, symbol, side, type, qty, stop_price, status, filled_qty, avg_fill_price
       FROM orders WHERE broker = $1 ORDER BY id`,
    [broker],
  );
  const positions = await db.store.query(
    'SELECT symbol, qty, avg_price, stop_client_order_id IS NOT NULL AS stopped FROM positions WHERE broker = $1',
    [broker],
  );
  // The runs go one after the other: a run's messages are those from its start to its end.
  const topics = await db.store.query(
    `WITH span AS (
       SELECT min(id) FILTER (WHERE topic = 'backtest.started') AS first,
              max(id) FILTER (WHERE topic = 'backtest.completed') AS last
         FROM agent_messages WHERE payload->>'runId' = $1)
     SELECT topic, count(*)::int AS n FROM agent_messages, span
      WHERE id BETWEEN span.first AND span.last GROUP BY topic ORDER BY topic`,
    [runId],
  );
  return { orders: orders.rows, positions: positions.rows, topics: topics.rows };
}

const configWith = (overrides: Partial<ConfigFile> = {}) =>
  loadConfig({ overrides: { dataDir: path.join(folder, 'state'), ...overrides }, file: '/dev/null' });

describe('the full-pipeline backtest’s position monitor', () => {
  it('skips the pass after one that found nothing while the broker is unchanged, and the run is the same as with a pass every bar', async () => {
    // Stops "managed" with a trigger of 50 R (never reached by ORCL's trades): every held bar gets
    // its pass, as a managed stop needs, and no stop moves, so both runs must decide alike.
    const everyBar = await run(
      'bt-monitor-every',
      configWith({ monitor: { stopManagement: { mode: 'trail', triggerR: 50, trailR: 50 } } }),
    );
    const skipping = await run('bt-monitor-skip', configWith());

    const a = everyBar.result;
    const b = skipping.result;
    expect(b.outcomes.executed).toBeGreaterThan(2);
    expect(b.run.report.closedTrades).toBeGreaterThan(2);
    expect(b.outcomes).toEqual(a.outcomes);
    expect(b.decisions).toEqual(a.decisions);
    expect(b.run.report.trades).toEqual(a.run.report.trades);
    expect(b.run.report.finalValue).toBe(a.run.report.finalValue);
    const stepsA = await footprint('bt-monitor-every');
    const stepsB = await footprint('bt-monitor-skip');
    expect(stepsB.orders.length).toBeGreaterThan(5);
    expect(stepsB.orders).toEqual(stepsA.orders);
    expect(stepsB.positions).toEqual(stepsA.positions);
    expect(stepsB.topics).toEqual(stepsA.topics);

    // A pass on every bar held reads the positions table each time; skipping, a pass runs only
    // where the broker moved (a fill, a bracket leg becoming active, a cancellation).
    const held = a.run.report.trades.reduce((sum, trade) => sum + trade.bars, 0);
    expect(held).toBeGreaterThan(50);
    expect(everyBar.reads).toBeGreaterThanOrEqual(held);
    expect(skipping.reads).toBeGreaterThan(0);
    expect(skipping.reads).toBeLessThan(everyBar.reads / 4);
  }, 180_000);
});

describe('candidates decided side by side in one cycle', () => {
  it('are signed in rank order: a correlated second entry is vetoed, and the run is the same at any parallelism, every time', async () => {
    // Three symbols whose returns correlate 1 (the Risk Gate's limit is 0.85): while one is held
    // or its entry is working, the others must be vetoed, however many are decided at once.
    const copies = [orcl, copyOf(orcl, 'ORCL2', 2), copyOf(orcl, 'ORCL3', 3)];
    const runs = [];
    for (const [runId, parallelism] of [
      ['bt-rank-p4-a', 4],
      ['bt-rank-p4-b', 4],
      ['bt-rank-p1', 1],
    ] as const) {
      const base = configWith();
      const config = { ...base, pipeline: { ...base.pipeline, parallelism } };
      runs.push((await run(runId, config, copies)).result);
    }
    const [first, again, serial] = runs.map((each) => ({
      trades: each.run.report.trades,
      outcomes: each.outcomes,
      decisions: each.decisions,
    }));
    expect(first!.trades.length).toBeGreaterThan(2);
    expect(first!.decisions.vetoReasons.some((veto) => /returns correlate/.test(veto.reason))).toBe(true);
    expect(again).toEqual(first);
    expect(serial).toEqual(first);
    // No two of the three held at once.
    const trades = first!.trades;
    for (const a of trades)
      for (const b of trades)
        if (a !== b)
          expect(
            a.entryDate < b.exitDate && b.entryDate < a.exitDate,
            `${a.symbol} ${a.entryDate}–${a.exitDate} beside ${b.symbol} ${b.entryDate}–${b.exitDate}`,
          ).toBe(false);
  }, 180_000);
});

describe('the full-pipeline backtest’s commits', () => {
  it('do not wait for the disk, a rerun rebuilding what they wrote, but its last message does, and with it every one before', async () => {
    const { result, texts, transactions } = await run('bt-relaxed', configWith());
    expect(result.outcomes.executed).toBeGreaterThan(2);
    // A broker's cancellation is written in a transaction of its own, relaxed.
    expect(transactions.length).toBeGreaterThan(0);
    expect(transactions.filter((options) => options?.waitForDisk !== false)).toEqual([]);
    // Each fill (an entry's and an exit's a round trip) is one statement with its message, relaxed.
    const relaxed = (text: string) => text.includes("set_config('synchronous_commit', 'off', true)");
    const fillWrites = texts.filter((text) => /INSERT INTO fills/.test(text));
    expect(fillWrites.length).toBeGreaterThanOrEqual(2 * result.run.report.closedTrades);
    expect(fillWrites.filter((text) => !relaxed(text) || !/INSERT INTO agent_messages/.test(text))).toEqual(
      [],
    );
    // Each order's intent and its submission: one statement each, its own transaction, relaxed.
    const orderWrites = texts.filter((text) => /INSERT INTO orders/.test(text));
    expect(orderWrites.length).toBeGreaterThanOrEqual(result.outcomes.executed);
    expect(orderWrites.filter((text) => !relaxed(text))).toEqual([]);
    // `backtest.completed`, the run's last message, commits synchronously: the WAL is flushed in
    // order, so every relaxed commit before it is on the disk once it is.
    const messageInserts = texts.filter((text) => /INSERT INTO agent_messages/.test(text));
    expect(relaxed(messageInserts.at(-1)!)).toBe(false);
    const completed = await db.store.query(
      "SELECT id FROM agent_messages WHERE topic = 'backtest.completed' AND payload->>'runId' = $1",
      ['bt-relaxed'],
    );
    expect(completed.rows).toHaveLength(1);
  }, 180_000);
});
