import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperBroker } from '../src/broker/index.ts';
import { Bus } from '../src/bus/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { type BarSeries, generateSimSeries, paperPriceTick } from '../src/market/index.ts';
import { type CycleDeps, runDecisionCycle } from '../src/pipeline/index.ts';
import { cycleDepsFor } from '../src/runtime/index.ts';
import { haltFileFor } from '../src/watchdog/index.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, recordStatements, type TestDatabase } from './support/database.ts';
import { agreeingRoute, buyAtQuotedLast } from './support/scripted-route.ts';
import { simSessionConfig } from './support/sim-config.ts';

/**
 * The halt at an order's submission, as a session's kernel wires it (cycleDepsFor): the halt file
 * read just before the order intent's statement, the halt row checked inside it. The halt is
 * raised after the Risk Gate read the account and before the intent is written, the window a read
 * of its own before the intent left open.
 */
const logger = silentLogger();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const series: BarSeries = generateSimSeries({ seed: 5, bars: 90, symbols: ['HSA'] }, 'HSA');
const lastClose = series.close[series.length - 1]!;

interface Kernel {
  deps: CycleDeps;
  broker: PaperBroker;
  haltFile: string;
  /** Reads of the halt of its own (the cycle's start; the Risk Gate's goes with its entries). */
  haltReads: () => number;
  close(): Promise<void>;
}

/** A session kernel's cycle deps on the paper broker; `afterRiskRead` runs once the Risk Gate has read. */
async function kernel(label: string, afterRiskRead: () => Promise<void>): Promise<Kernel> {
  const { config } = simSessionConfig(label, {});
  mkdirSync(config.dataPath, { recursive: true });
  const clock = { now: () => series.time[series.length - 1]! + 60_000 };
  const broker = new PaperBroker({ cash: 100_000, commission: 0, clock });
  broker.processBar(
    broker.book('HSA'),
    series.time[series.length - 1]!,
    series.open[series.length - 1]!,
    series.high[series.length - 1]!,
    series.low[series.length - 1]!,
    lastClose,
  );
  const bus = new Bus({ store: db.store, logger });
  const agents = await scriptedAgents(db.store, [agreeingRoute(buyAtQuotedLast)]);
  const brokerName = `paper-${label}`;
  const deps = cycleDepsFor({
    config,
    store: db.store,
    bus,
    logger,
    agents,
    broker,
    brokerName,
    clock,
    venue: { timeframe: config.pipeline.timeframe, commissionRate: 0, priceTick: paperPriceTick },
    portfolio: async () => ({
      equity: broker.equity(),
      cash: broker.cash(),
      dayStartEquity: broker.equity(),
      positions: [],
      symbolPnlToday: {},
    }),
    freshQuote: async () => ({
      t: new Date(clock.now() - 1_000).toISOString(),
      last: lastClose,
      bid: null,
      ask: null,
    }),
    journalRoot: path.join(config.dataPath, 'journal'),
  });
  let reads = 0;
  const haltLevel = deps.haltLevel;
  const riskRead = deps.haltAndPendingEntries!;
  const wired: CycleDeps = {
    ...deps,
    haltLevel: () => {
      reads += 1;
      return haltLevel();
    },
    haltAndPendingEntries: async () => {
      const read = await riskRead();
      await afterRiskRead();
      return read;
    },
  };
  return {
    deps: wired,
    broker,
    haltFile: haltFileFor(config.dataPath),
    haltReads: () => reads,
    close: async () => {
      agents.skills.close();
      await bus.stop();
    },
  };
}

const setHaltRow = (level: number) =>
  db.store.query(
    `INSERT INTO app_state (key, value, updated_by) VALUES ('halt', $1::jsonb, 'test')
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [JSON.stringify({ level, reason: 'test', setBy: 'watchdog', setAt: '', journalPath: null })],
  );

async function topicsOf(cycleId: string): Promise<string[]> {
  const rows = await db.store.query<{ topic: string }>(
    'SELECT topic FROM agent_messages WHERE cycle_id = $1 ORDER BY id',
    [cycleId],
  );
  return rows.rows.map((row) => row.topic);
}

describe('the halt at submission, checked in the order intent statement', () => {
  it('a halt row raised after the Risk Gate read refuses the intent whole: no row, no message, no order', async () => {
    await setHaltRow(0);
    const { deps, broker, haltReads, close } = await kernel('late-row', async () => {
      await setHaltRow(2);
    });
    const report = await runDecisionCycle(deps, 'cy-late-row', [series]);
    const candidate = report.candidates[0]!;
    expect(candidate).toMatchObject({ outcome: 'halted', qty: 0, reasons: ['halt level 2 at submission'] });
    expect(broker.getOrder(candidate.clientOrderId!)).toBeUndefined();
    const orders = await db.store.query('SELECT 1 FROM orders WHERE client_order_id LIKE $1', [
      `${candidate.clientOrderId}%`,
    ]);
    expect(orders.rowCount).toBe(0);
    const topics = await topicsOf('cy-late-row');
    expect(topics).toContain('signatures.collected');
    expect(topics).toContain('order.blocked');
    expect(topics).not.toContain('order.intent');
    const journal = await db.store.query<{ outcome: string }>(
      "SELECT outcome FROM agent_journal WHERE cycle_id = 'cy-late-row' AND agent = 'executor'",
    );
    expect(journal.rows).toEqual([{ outcome: 'halted' }]);
    // The cycle's start read the halt on its own; the submission did not.
    expect(haltReads()).toBe(1);
    await setHaltRow(0);
    await close();
  });

  it('a halt file raised after the Risk Gate read blocks the order before the intent statement', async () => {
    await setHaltRow(0);
    let haltFile = '';
    const { deps, broker, close, ...rest } = await kernel('late-file', async () => {
      writeFileSync(
        haltFile,
        JSON.stringify({ level: 3, reason: 'offline', setBy: 'watchdog', setAt: '', journalPath: null }),
      );
    });
    haltFile = rest.haltFile;
    const report = await runDecisionCycle(deps, 'cy-late-file', [series]);
    const candidate = report.candidates[0]!;
    expect(candidate).toMatchObject({ outcome: 'halted', reasons: ['halt level 3 at submission'] });
    expect(broker.getOrder(candidate.clientOrderId!)).toBeUndefined();
    expect(await topicsOf('cy-late-file')).not.toContain('order.intent');
    await close();
  });

  it('with the halt clear, the order leaves after one statement that checks the row and writes the intent', async () => {
    await setHaltRow(1);
    let statements: ReturnType<typeof recordStatements> | undefined;
    const { deps, broker, haltReads, close } = await kernel('clear', async () => {
      statements = recordStatements(db.store);
    });
    const report = await runDecisionCycle(deps, 'cy-clear', [series]);
    statements?.stop();
    const candidate = report.candidates[0]!;
    expect(candidate).toMatchObject({ outcome: 'executed' });
    expect(broker.getOrder(candidate.clientOrderId!)).toBeDefined();
    const texts = statements!.texts;
    const intent = texts.filter((text) => text.includes('signet_entries_allowed()'));
    expect(intent).toHaveLength(1);
    expect(intent[0]).toContain('INSERT INTO orders');
    // No read of the halt row of its own after the Risk Gate's.
    expect(texts.filter((text) => text.includes('FROM app_state WHERE key'))).toEqual([]);
    expect(haltReads()).toBe(1);
    await close();
  });
});
