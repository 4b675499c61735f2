import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alpacaFakeConfig } from '../../test/fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from '../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { TcpProxy } from '../../test/support/tcp-proxy.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { waitFor } from '../../test/support/wait.ts';
import type { Broker } from '../broker/index.ts';
import type { Config, WatchdogSection } from '../config/index.ts';
import { beat } from '../heartbeats/index.ts';
import { silentLogger } from '../logging/index.ts';
import { createStoreFromUrl, type Store } from '../store/index.ts';
import { createAlpacaBroker } from '../venues/alpaca/broker/index.ts';
import {
  haltLevelOrNull,
  logNotifier,
  Pager,
  readHalt,
  readHaltFile,
  Watchdog,
  webhookNotifier,
} from './index.ts';

const logger = silentLogger();
let db: TestDatabase;
let fake: AlpacaFake;
let receiver: Server;
let receiverUrl: string;
const pages: Array<{ level: number; title: string; text: string }> = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  fake = await startAlpacaFake();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      pages.push(JSON.parse(body) as { level: number; title: string; text: string });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  if (db) await db.drop();
  pages.length = 0;
});
afterAll(async () => {
  await fake.close();
  receiver.close();
});

function config(watchdog: Partial<WatchdogSection> = {}): Config {
  const base = alpacaFakeConfig(fake, ['AAA']);
  const folder = walkableTempDir(path.join(tmpdir(), 'signet-watchdog-'));
  return {
    ...base,
    dataPath: path.join(folder, 'state'),
    paths: { ...base.paths, contextDir: path.join(folder, 'context') },
    watchdog: {
      ...base.watchdog,
      checkIntervalMs: 100,
      // The brain's beat is judged by this interval, not by the one a beat states: a minute, so
      // that a test about something else never sees the brain stale when the machine is slow
      // (a beat 400 ms old was, under a loaded test run). The heartbeat test sets its own.
      brainHeartbeatMs: 60_000,
      webhookUrl: receiverUrl,
      pageRetryMs: 50,
      ...watchdog,
    },
  };
}

function watchdogFor(settings: Config, store: Store = db.store): { watchdog: Watchdog; broker: Broker } {
  // With the ledger, as the brain submits: the positions these tests open are explained by our orders.
  const broker = createAlpacaBroker(settings, { logger, liveConfirmed: false, ledger: store });
  const pager = new Pager([logNotifier(logger), webhookNotifier(receiverUrl)], logger, 50);
  const watchdog = new Watchdog({
    config: settings,
    store,
    broker,
    pager,
    logger,
    haltFile: path.join(settings.dataPath, 'halt.json'),
  });
  cleanups.push(() => watchdog.stop());
  return { watchdog, broker };
}

async function openBracket(broker: Broker, symbol: string, price: number, id: string): Promise<void> {
  fake.control.setPrice(symbol, price);
  await broker.submit({
    clientOrderId: id,
    symbol,
    side: 'buy',
    type: 'market',
    qty: 10,
    leg: 'entry',
    bracket: { stopLoss: price * 0.9, takeProfit: price * 1.2 },
  });
  await waitFor(
    async () => (await broker.positions()).some((position) => position.symbol === symbol),
    `${symbol} to be filled`,
  );
}

function closeFakePositions(): void {
  fake.control.book.closeAll();
}

describe('watchdog', () => {
  it('a brain that stopped beating: level 4 within two intervals, positions flattened at the broker, a page sent', async () => {
    db = await createTestDatabase();
    closeFakePositions();
    const settings = config({ brainHeartbeatMs: 200 });
    const { watchdog, broker } = watchdogFor(settings);
    await openBracket(broker, 'AAA', 50, 'wd-brain-1');
    await beat(db.store, 'brain', 'process', settings.watchdog.brainHeartbeatMs);
    const calm = await watchdog.check();
    expect(calm.leader).toBe(true);
    expect(calm.level).toBe(0);
    // The brain dies: no more beats. Within 2 × 200 ms (plus one check) the watchdog acts.
    await new Promise((resolve) => setTimeout(resolve, 2 * settings.watchdog.brainHeartbeatMs + 50));
    const check = await watchdog.check();
    expect(check.failing.map((each) => each.name)).toContain('heartbeat:brain');
    expect(check.level).toBe(4);
    expect(check.flattened || (await broker.positions()).length === 0).toBe(true);
    await waitFor(async () => (await broker.positions()).length === 0, 'the broker to be flat');
    expect(
      await readHalt({ db: db.store, haltFile: path.join(settings.dataPath, 'halt.json') }),
    ).toMatchObject({ level: 4, setBy: 'watchdog' });
    await waitFor(
      () => pages.some((page) => page.level === 4 && /halt level 4/.test(page.title)),
      'the page at the webhook',
    );
    expect(pages[0]?.text).toMatch(/\[Signet L4\]/);
  });

  it('a drawdown beyond the cap flattens everything', async () => {
    db = await createTestDatabase();
    closeFakePositions();
    const settings = config({ maxDrawdownPct: 0.0005 });
    const { watchdog, broker } = watchdogFor(settings);
    await beat(db.store, 'brain', 'process', 60_000);
    await openBracket(broker, 'AAA', 100, 'wd-dd-1');
    expect((await watchdog.check()).level).toBe(0);
    fake.control.setPrice('AAA', 99); // 10 shares lose 10 on an account of ~100k: 0.01 %… below the cap
    expect((await watchdog.check()).level).toBe(0);
    fake.control.setPrice('AAA', 91); // 90 lost: 0.09 % > 0.05 %
    const check = await watchdog.check();
    expect(check.failing.map((each) => each.name)).toContain('drawdown');
    expect(check.level).toBe(4);
    await waitFor(async () => (await broker.positions()).length === 0, 'the broker to be flat');
  });

  it('a position no order of ours explains raises the halt to no new entries', async () => {
    db = await createTestDatabase();
    closeFakePositions();
    const settings = config();
    const { watchdog, broker } = watchdogFor(settings);
    await beat(db.store, 'brain', 'process', 60_000);
    await openBracket(broker, 'AAA', 50, 'wd-ours-1');
    expect((await watchdog.check()).failing).toEqual([]);
    // Another system on the same account (no ledger: our tables never hear of it) buys BBB.
    const stranger = createAlpacaBroker(settings, { logger, liveConfirmed: false });
    await openBracket(stranger, 'BBB', 20, 'someone-else-1');
    const check = await watchdog.check();
    expect(check.failing).toMatchObject([
      {
        name: 'positions_explained',
        ok: false,
        level: settings.watchdog.unexplainedPositionLevel,
        value: 'BBB 10',
      },
    ]);
    expect(check.level).toBe(2);
    closeFakePositions();
  });

  it('a stop cancelled at the broker is seen there and re-attached (or halts, per config)', async () => {
    db = await createTestDatabase();
    closeFakePositions();
    const settings = config({ missingStop: 'reattach' });
    const { watchdog, broker } = watchdogFor(settings);
    await beat(db.store, 'brain', 'process', 60_000);
    await openBracket(broker, 'AAA', 40, 'wd-stop-1');
    expect((await watchdog.check()).failing).toEqual([]);
    // Someone cancels the stop at the broker (the bracket's other leg goes with it).
    const stop = fake.control.book
      .topLevel()
      .find((order) => order.client_order_id === 'wd-stop-1')!
      .legs!.find((leg) => leg.type === 'stop')!;
    fake.control.book.cancel(stop);
    const check = await watchdog.check();
    expect(check.failing.map((each) => each.name)).toContain('every_position_has_a_stop');
    const restops = fake.control.book
      .topLevel()
      .filter((order) => order.client_order_id.startsWith('wd.restop.AAA') && order.status !== 'canceled');
    expect(restops).toHaveLength(1);
    expect(Number(restops[0]!.stop_price)).toBeCloseTo(38, 2);

    const strict = config({ missingStop: 'halt' });
    const second = watchdogFor(strict);
    for (const order of restops) fake.control.book.cancel(order);
    const halted = await second.watchdog.check();
    // Only one watchdog leads: the first still holds the lock; stop it and the second takes over.
    expect(halted.leader).toBe(false);
    await watchdog.stop();
    const led = await second.watchdog.check();
    expect(led.leader).toBe(true);
    expect(led.level).toBe(4);
  });

  it('a scheduled job that stops beating is detected as stale', async () => {
    db = await createTestDatabase();
    closeFakePositions();
    const settings = config();
    const { watchdog } = watchdogFor(settings);
    await beat(db.store, 'brain', 'process', 60_000);
    // Beating on a long promise first, so a slow first check (a loaded machine) cannot see it stale.
    await beat(db.store, 'job:monitor', 'job', 60_000);
    expect((await watchdog.check()).failing).toEqual([]);
    // Its last beat promises the next within 100 ms; none comes.
    await beat(db.store, 'job:monitor', 'job', 100);
    await new Promise((resolve) => setTimeout(resolve, 250));
    // The brain beats on, as a live one does: on a loaded machine the wait above and the first
    // check can outlast the brain's own limit, which is not what this test is about.
    await beat(db.store, 'brain', 'process', 60_000);
    const check = await watchdog.check();
    expect(check.failing).toEqual([
      expect.objectContaining({ name: 'heartbeat:job:monitor', level: settings.watchdog.staleJobLevel }),
    ]);
    expect(check.level).toBe(1);
  });

  it('database gone: the halt file alone blocks trading, and after its threshold the watchdog flattens through its own broker connection', async () => {
    db = await createTestDatabase();
    closeFakePositions();
    const proxy = TcpProxy.forDatabase(db.url);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const viaProxy = proxy.databaseUrl(db.url);
    // Thresholds well above a loaded machine's query time: a slow read before the cut is not an outage.
    const store = createStoreFromUrl(viaProxy, { poolSize: 3, connectTimeoutMs: 1_000, logger });
    cleanups.push(() => store.close().catch(() => {}));
    const settings = config({ databaseUnreachableMs: 1_500 });
    const { watchdog, broker } = watchdogFor(settings, store);
    await beat(db.store, 'brain', 'process', 60_000);
    await openBracket(broker, 'AAA', 30, 'wd-db-1');
    expect((await watchdog.check()).leader).toBe(true);
    await proxy.cut();
    const first = await watchdog.check();
    expect(first.level).toBe(0); // not yet past its threshold
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const later = await watchdog.check();
    expect(later.failing.map((each) => each.name)).toContain('database_reachable');
    expect(later.level).toBe(4);
    await waitFor(async () => (await broker.positions()).length === 0, 'the broker to be flat');
    const haltFile = path.join(settings.dataPath, 'halt.json');
    expect(readHaltFile(haltFile).level).toBe(4);
    // The brain, with the database gone, reads the halt as unknown: no trading.
    expect(await haltLevelOrNull({ db: store, haltFile })).toBeNull();
  });
});
