import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { type OutageDeps, stepThroughOutages } from '../src/runtime/database-wait.ts';
import { SimSession } from '../src/runtime/index.ts';
import { createStoreFromUrl, type Store } from '../src/store/index.ts';
import { haltFileFor, Pager, readHaltFile } from '../src/watchdog/index.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingRoute, buyAtQuotedLast } from './support/scripted-route.ts';
import { simSessionConfig } from './support/sim-config.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/**
 * Issue 19: the sim clock waits for the database. The same seeded run, once without an outage and
 * once with the database cut away for 10 s between two bars, ends with the same orders, fills
 * and decision journal: no bar skipped, none run twice.
 */
const logger = silentLogger();
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

const bars = 14;
const cutAfterStep = 4;

/** Where the database goes away: between two bars, or inside a bar (after its fills and monitor, while the Strategist thinks). */
type Cut = { at: 'between-bars' | 'mid-bar'; ms: number } | null;

async function run(cut: Cut) {
  const db = await createTestDatabase();
  databases.push(db);
  const proxy = TcpProxy.forDatabase(db.url);
  await proxy.start();
  const viaProxy = proxy.databaseUrl(db.url);
  // The session's own store goes through the proxy: the cut reaches every query it makes.
  const store: Store = createStoreFromUrl(viaProxy, {
    poolSize: 4,
    connectTimeoutMs: 500,
    logger,
  });
  const { config, contextDir } = simSessionConfig(
    'replay',
    { seed: 3, symbols: ['AAA', 'BBB'], bars: 90, warmupBars: 60 },
    { maxCorrelation: 1 },
  );
  let armed = false;
  const route = agreeingRoute((request: RouteRequest) => {
    if (armed) {
      armed = false;
      void proxy.cut().then(() => setTimeout(() => void proxy.restore(), cut?.ms ?? 0));
    }
    return buyAtQuotedLast(request);
  });
  const bus = new Bus({ store, logger });
  const agents = await scriptedAgents(db.store, [route]);
  const { session } = await SimSession.open({ config, store, bus, logger, agents, runId: 'replay' });
  const waits: string[] = [];
  const deps: OutageDeps = {
    config,
    store,
    logger,
    pager: new Pager([], logger, 50),
    haltStore: { db: store, haltFile: haltFileFor(config.dataPath) },
    journalRoot: contextDir,
    latchLevel: 2,
    onStatus: (status) => waits.push(`${status.state}@${status.bar}`),
    stopped: () => false,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const seen: number[] = [];
  for (let step = 0; step < bars; step += 1) {
    if (cut?.at === 'between-bars' && step === cutAfterStep) {
      await proxy.cut();
      setTimeout(() => void proxy.restore(), cut.ms);
    }
    if (cut?.at === 'mid-bar' && step === cutAfterStep) armed = true;
    const status = await stepThroughOutages(deps, {
      bar: () => session.cursor + (session.barInProgress ? 0 : 1),
      step: () => session.step(),
      recover: () => session.recoverBar(),
    });
    seen.push(status!.bar);
  }
  await session.flush();
  const orders = await db.store.query(
    'SELECT client_order_id, symbol, side, leg, status, qty, limit_price, stop_price, cycle_id FROM orders ORDER BY client_order_id',
  );
  const fills = await db.store.query(
    'SELECT client_order_id, broker_fill_id, symbol, side, qty, price, commission, ts FROM fills ORDER BY broker_fill_id',
  );
  const journal = await db.store.query(
    `SELECT ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id FROM agent_journal
      WHERE agent <> 'database' ORDER BY ts, agent, symbol, outcome`,
  );
  const outages = await db.store.query<{ summary: { downForMs: number; latchedLevel: number | null } }>(
    "SELECT summary FROM agent_journal WHERE agent = 'database'",
  );
  const halt = readHaltFile(deps.haltStore.haltFile);
  agents.skills.close();
  await bus.stop();
  await store.close().catch(() => {});
  await proxy.stop();
  return {
    seen,
    orders: orders.rows,
    fills: fills.rows,
    journal: journal.rows,
    outages: outages.rows,
    waits,
    halt,
  };
}

describe('a database outage pauses the sim clock (issue 19)', () => {
  it('same seed with and without a 10 s outage: same bars, orders, fills and journal', async () => {
    const plain = await run(null);
    const cut = await run({ at: 'between-bars', ms: 10_000 });
    // Every bar once, in order: the clock waited on the bar after the cut.
    expect(cut.seen).toEqual(plain.seen);
    expect(new Set(cut.seen).size).toBe(bars);
    expect(plain.orders.length).toBeGreaterThan(0);
    expect(plain.fills.length).toBeGreaterThan(0);
    expect(cut.orders).toEqual(plain.orders);
    expect(cut.fills).toEqual(plain.fills);
    expect(cut.journal).toEqual(plain.journal);
    // The wait was shown, and the outage journaled with its length; shorter than
    // watchdog.databaseUnreachableMs (15 s by default), so no halt.
    expect(cut.waits).toContain(`waiting@${plain.seen[cutAfterStep]}`);
    expect(cut.waits.at(-1)).toBe(`back@${plain.seen[cutAfterStep]}`);
    expect(cut.outages).toHaveLength(1);
    expect(cut.outages[0]!.summary.downForMs).toBeGreaterThanOrEqual(9_000);
    expect(cut.outages[0]!.summary.latchedLevel).toBeNull();
    expect(cut.halt.level).toBe(0);
    expect(plain.outages).toHaveLength(0);
  }, 60_000);

  it('a bar cut in the middle (after its fills, during its cycle) is finished, not skipped nor run twice', async () => {
    const plain = await run(null);
    const cut = await run({ at: 'mid-bar', ms: 2_000 });
    expect(cut.seen).toEqual(plain.seen);
    expect(cut.orders).toEqual(plain.orders);
    expect(cut.fills).toEqual(plain.fills);
    expect(cut.journal).toEqual(plain.journal);
    expect(cut.waits).toContain(`waiting@${plain.seen[cutAfterStep]}`);
    expect(cut.outages).toHaveLength(1);
  }, 60_000);
});
