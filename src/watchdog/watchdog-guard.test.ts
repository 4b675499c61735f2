import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alpacaFakeConfig } from '../../test/fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from '../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { TcpProxy } from '../../test/support/tcp-proxy.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { waitFor } from '../../test/support/wait.ts';
import { type Broker, type Order, PaperBroker } from '../broker/index.ts';
import type { Config, WatchdogSection } from '../config/index.ts';
import { beat } from '../heartbeats/index.ts';
import { silentLogger } from '../logging/index.ts';
import { createStoreFromUrl, type Store } from '../store/index.ts';
import { createAlpacaBroker } from '../venues/alpaca/broker/index.ts';
import { logNotifier, Pager, Watchdog } from './index.ts';

const logger = silentLogger();
let db: TestDatabase;
let fake: AlpacaFake;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  fake = await startAlpacaFake();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  fake.control.book.closeAll();
  if (db) await db.drop();
});
afterAll(async () => {
  await fake.close();
});

function config(watchdog: Partial<WatchdogSection> = {}): Config {
  const base = alpacaFakeConfig(fake, ['AAA']);
  const folder = walkableTempDir(path.join(tmpdir(), 'signet-watchdog-guard-'));
  return {
    ...base,
    dataPath: path.join(folder, 'state'),
    paths: { ...base.paths, contextDir: path.join(folder, 'context') },
    // The brain's beat is judged by brainHeartbeatMs, not by the interval a beat states: a minute,
    // so that no test here sees the brain stale on a loaded machine (the high-water mark's did at
    // 200 ms: level 4 before the drawdown, while it awaited a fill).
    watchdog: { ...base.watchdog, checkIntervalMs: 100, brainHeartbeatMs: 60_000, ...watchdog },
  };
}

function watchdogOn(settings: Config, broker: Broker | undefined, store: Store = db.store): Watchdog {
  const watchdog = new Watchdog({
    config: settings,
    store,
    broker,
    pager: new Pager([logNotifier(logger)], logger, 50),
    logger,
    haltFile: path.join(settings.dataPath, 'halt.json'),
  });
  cleanups.push(() => watchdog.stop());
  return watchdog;
}

/** Working stop orders at the fake Alpaca for the symbol, bracket legs included. */
function fakeStops(symbol: string) {
  return fake.control.book.orders.filter(
    (order) =>
      order.symbol === symbol &&
      order.type === 'stop' &&
      !['filled', 'canceled', 'expired', 'rejected', 'replaced'].includes(order.status),
  );
}

const stopsOf = (orders: Order[], symbol: string) =>
  orders.filter((order) => order.symbol === symbol && order.type === 'stop');

describe('watchdog protection is judged at the broker', () => {
  it('Alpaca: a 50-share position opened by hand, the brain dead, 12 passes → exactly one sell stop for 50', async () => {
    db = await createTestDatabase();
    const settings = config({ missingStop: 'reattach' });
    const watchdog = watchdogOn(settings, createAlpacaBroker(settings, { logger, liveConfirmed: true }));
    fake.control.setPrice('AAA', 40);
    fake.control.addPosition('AAA', 50, 40);
    const postsBefore = fake.control.countRequests('POST', '/v2/orders');
    for (let pass = 0; pass < 12; pass += 1) {
      const check = await watchdog.check();
      expect(check.leader).toBe(true);
      // Nothing of ours explains it: no new entries, but no flatten either, so the stop is the guard.
      expect(check.level).toBe(settings.watchdog.unexplainedPositionLevel);
    }
    const stops = fakeStops('AAA');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'sell', qty: 50, stop_price: 38 });
    // Looked up, not resent: one submission in twelve passes.
    expect(fake.control.countRequests('POST', '/v2/orders') - postsBefore).toBe(1);
    const recorded = await db.store.query<{ client_order_id: string; qty: string; side: string }>(
      "SELECT client_order_id, qty, side FROM orders WHERE symbol = 'AAA' AND leg = 'stop_loss'",
    );
    expect(recorded.rows).toMatchObject([{ client_order_id: stops[0]!.client_order_id, side: 'sell' }]);
    expect(Number(recorded.rows[0]!.qty)).toBe(50);
    // Covered now: the invariant passes from the broker's own orders, not from a link of ours.
    expect((await watchdog.check()).failing.map((each) => each.name)).not.toContain(
      'every_position_has_a_stop',
    );
  });

  it('Alpaca: a position protected by its bracket stop (legs only nested on request) is never given a second stop', async () => {
    db = await createTestDatabase();
    const settings = config({ missingStop: 'reattach' });
    const broker = createAlpacaBroker(settings, { logger, liveConfirmed: true });
    const watchdog = watchdogOn(settings, broker);
    fake.control.setPrice('AAA', 40);
    await broker.submit({
      clientOrderId: 'sig-bracket-1',
      symbol: 'AAA',
      side: 'buy',
      type: 'market',
      qty: 30,
      bracket: { stopLoss: 38.5, takeProfit: 44 },
    });
    await waitFor(
      () => fakeStops('AAA').length === 1 && fake.control.book.positions.has('AAA'),
      'the bracket filled with its stop leg held',
    );
    const postsBefore = fake.control.countRequests('POST', '/v2/orders');
    for (let pass = 0; pass < 12; pass += 1) await watchdog.check();
    expect(fake.control.countRequests('POST', '/v2/orders') - postsBefore).toBe(0);
    expect(fakeStops('AAA')).toHaveLength(1);
    expect(stopsOf(await broker.workingOrders(), 'AAA')).toMatchObject([
      { clientOrderId: 'sig-bracket-1.sl', leg: 'stop_loss', stopPrice: 38.5, qty: 30 },
    ]);
    // Read by our id, the leg comes from the nested lookup (by_client_order_id never nests).
    expect(await broker.getOrder('sig-bracket-1.sl')).toMatchObject({ status: 'open', stopPrice: 38.5 });
  });

  it('Alpaca: stops placed by hand that add up to more than the position are cut back to its size', async () => {
    db = await createTestDatabase();
    const settings = config({ missingStop: 'reattach' });
    const broker = createAlpacaBroker(settings, { logger, liveConfirmed: true });
    const watchdog = watchdogOn(settings, broker);
    fake.control.setPrice('AAA', 40);
    fake.control.addPosition('AAA', 50, 40);
    for (const id of ['hand-stop-1', 'hand-stop-2'])
      await broker.submit({
        clientOrderId: id,
        symbol: 'AAA',
        side: 'sell',
        type: 'stop',
        stopPrice: 35,
        qty: 50,
      });
    for (let pass = 0; pass < 10; pass += 1) await watchdog.check();
    const stops = fakeStops('AAA');
    expect(stops.reduce((sum, order) => sum + order.qty, 0)).toBe(50);
    expect(stops).toHaveLength(1);
  });

  it('paper broker: a position opened by hand, 12 passes → exactly one stop for its quantity', async () => {
    db = await createTestDatabase();
    const settings = config({ missingStop: 'reattach' });
    const clock = { time: 1, now: () => clock.time };
    const paper = new PaperBroker({ cash: 100_000, commission: 0, clock });
    const book = paper.book('AAA');
    paper.processBar(book, 1, 40, 40, 40, 40);
    paper.submit({ clientOrderId: 'by-hand-1', symbol: 'AAA', side: 'buy', type: 'market', qty: 70 });
    clock.time = 2;
    paper.processBar(book, 2, 40, 40.5, 39.5, 40);
    expect(paper.positions()).toMatchObject([{ symbol: 'AAA', qty: 70 }]);
    const watchdog = watchdogOn(settings, paper);
    for (let pass = 0; pass < 12; pass += 1) await watchdog.check();
    expect((await watchdog.check()).failing.map((each) => each.name)).not.toContain(
      'every_position_has_a_stop',
    );
    const stops = stopsOf(paper.workingOrders(), 'AAA');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'sell', qty: 70, stopPrice: 38, leg: 'stop_loss' });
  });
});

/** A broker whose every read fails (persistent 5xx, an MT5 bridge without its database). */
function unreadableBroker(): Broker {
  const fail = () => Promise.reject(new Error('503 service unavailable'));
  return {
    name: 'broken',
    account: fail,
    positions: fail,
    submit: fail,
    cancel: fail,
    getOrder: fail,
    closeAll: fail,
  };
}

describe('watchdog: an unreadable broker is one failing invariant among the others', () => {
  it('the broker unreadable and a job gone stale: both escalate, the broker at its own level', async () => {
    db = await createTestDatabase();
    const settings = config({ brokerUnreachableMs: 0, brokerUnreachableLevel: 3 });
    const watchdog = watchdogOn(settings, unreadableBroker());
    await beat(db.store, 'job:monitor', 'job', 100);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const check = await watchdog.check();
    expect(check.failing.map((each) => [each.name, each.level])).toEqual(
      expect.arrayContaining([
        ['broker_reachable', 3],
        ['heartbeat:job:monitor', settings.watchdog.staleJobLevel],
      ]),
    );
    expect(check.level).toBe(3);
  });

  it('a broker blip shorter than brokerUnreachableMs is shown, not halted on', async () => {
    db = await createTestDatabase();
    const settings = config({ brokerUnreachableMs: 60_000 });
    const check = await watchdogOn(settings, unreadableBroker()).check();
    expect(check.report?.results.find((each) => each.name === 'broker_reachable')).toMatchObject({
      ok: true,
      value: '503 service unavailable',
    });
    expect(check.level).toBe(0);
  });

  it('the broker unreadable and the database gone: database_unreachable still flattens-and-locks (level 4)', async () => {
    db = await createTestDatabase();
    const proxy = TcpProxy.forDatabase(db.url);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const viaProxy = proxy.databaseUrl(db.url);
    const store = createStoreFromUrl(viaProxy, { poolSize: 3, connectTimeoutMs: 300, logger });
    cleanups.push(() => store.close().catch(() => {}));
    const settings = config({ databaseUnreachableMs: 300, brokerUnreachableMs: 0 });
    const watchdog = watchdogOn(settings, unreadableBroker(), store);
    expect((await watchdog.check()).leader).toBe(true);
    await proxy.cut();
    await watchdog.check();
    await new Promise((resolve) => setTimeout(resolve, 350));
    const later = await watchdog.check();
    expect(later.failing.map((each) => each.name)).toEqual(
      expect.arrayContaining(['database_reachable', 'broker_reachable']),
    );
    expect(later.level).toBe(4);
  });
});

describe('watchdog marks outlive the process', () => {
  it('the high-water mark survives a restart: a drawdown after it still flattens', async () => {
    db = await createTestDatabase();
    const settings = config({ maxDrawdownPct: 0.0005 });
    const broker = createAlpacaBroker(settings, { logger, liveConfirmed: false, ledger: db.store });
    await beat(db.store, 'brain', 'process', 60_000);
    fake.control.setPrice('AAA', 100);
    await broker.submit({
      clientOrderId: 'wd-hwm-1',
      symbol: 'AAA',
      side: 'buy',
      type: 'market',
      qty: 10,
      leg: 'entry',
      bracket: { stopLoss: 90, takeProfit: 120 },
    });
    await waitFor(async () => (await broker.positions()).length === 1, 'AAA to be filled');
    const first = watchdogOn(settings, broker);
    const before = await first.check();
    expect(before.level).toBe(0);
    await first.stop();
    fake.control.setPrice('AAA', 91); // 90 lost on ~100k: 0.09 % > 0.05 %, measured from the stored mark
    const restarted = watchdogOn(settings, createAlpacaBroker(settings, { logger, liveConfirmed: false }));
    const check = await restarted.check();
    expect(check.failing.map((each) => each.name)).toContain('drawdown');
    expect(check.level).toBe(4);
    const stored = await db.store.query<{
      key: string;
      value: { highWaterMark: number; dayStartEquity: number };
    }>("SELECT key, value FROM app_state WHERE key LIKE 'watchdog.marks.alpaca.%'");
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.value.highWaterMark).toBeGreaterThan(check.report!.equity!);
    // The day's start is the stored one too, not the restarted process's first equity.
    expect(check.report!.dayStartEquity).toBeCloseTo(before.report!.equity!, 6);
    expect(stored.rows[0]!.value.dayStartEquity).toBeCloseTo(before.report!.equity!, 6);
  });
});
