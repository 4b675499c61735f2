import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import { beat } from '../src/heartbeats/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { startIbkrBroker } from '../src/venues/ibkr/broker/live.ts';
import { venueFor } from '../src/venues/index.ts';
import { logNotifier, Pager, Watchdog } from '../src/watchdog/index.ts';
import { type FakeTws, startFakeTws } from './fakes/ibkr/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { spawnTs } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

/**
 * Issue 26's must-holds that need a process to die or the watchdog to judge: kill -9 of the brain
 * between placeOrder and the TWS's answer, then a restart that reconciles without a duplicate
 * order; IB's connectivity lost (1100) escalating the watchdog's broker check, restored (1102).
 */
let database: TestDatabase;
let fake: FakeTws;
const logger = silentLogger();
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(async () => {
  fake = await startFakeTws({
    accounts: ['DU1234567'],
    contracts: [{ symbol: 'AAPL', minTick: 0.01, conId: 265598 }],
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await fake.close();
});

function config(watchdog: Record<string, unknown> = {}) {
  const folder = walkableTempDir(path.join(tmpdir(), 'signet-ibkr-'));
  return loadConfig({
    env: {},
    file: '/dev/null',
    overrides: {
      dataDir: path.join(folder, 'state'),
      broker: { kind: 'ibkr', ibkr: { port: fake.port, symbols: ['AAPL'], requestTimeoutMs: 3_000 } },
      watchdog: { checkIntervalMs: 100, brainHeartbeatMs: 60_000, ...watchdog },
    } as never,
  });
}

const placeOrders = () => fake.requests().filter((each) => each.name === 'PLACE_ORDER').length;

describe('ibkr: a brain killed between submit and ack, and the watchdog on a lost link', () => {
  it('kill -9 after placeOrder, before the answer: the restart reconciles and sends nothing twice', async () => {
    const child = spawnTs('test/support/ibkr-submit-child.ts', [
      String(fake.port),
      database.url,
      'ib-kill-1',
    ]);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, killed) => resolve(killed)),
    );
    expect(signal, output).toBe('SIGKILL');
    // The dead brain left an open row with the IB id it chose; the TWS holds the bracket.
    const rows = await database.store.query<{
      client_order_id: string;
      status: string;
      broker_order_id: string | null;
    }>(
      "SELECT client_order_id, status, broker_order_id FROM orders WHERE client_order_id LIKE 'ib-kill-1%' ORDER BY 1",
    );
    expect(rows.rows[0]).toMatchObject({ client_order_id: 'ib-kill-1', status: 'open' });
    const parent = fake.orders().find((each) => each.orderRef === 'ib-kill-1')!;
    expect(rows.rows[0]?.broker_order_id).toBe(`1/${parent.id}`);
    await waitFor(() => fake.clients().length === 0, 'the dead client gone');
    expect(placeOrders()).toBe(3);

    const restarted = await startIbkrBroker(config().broker.ibkr, {
      logger,
      store: database.store,
      liveConfirmed: false,
    });
    cleanups.push(() => restarted.stop());
    expect(
      (await database.store.query("SELECT status FROM orders WHERE client_order_id = 'ib-kill-1'")).rows[0],
    ).toMatchObject({ status: 'open' });
    // The decision cycle retrying the same order id: found at the broker, not placed again.
    const again = await restarted.broker.submit({
      clientOrderId: 'ib-kill-1',
      symbol: 'AAPL',
      side: 'buy',
      type: 'limit',
      limitPrice: 100,
      qty: 10,
      bracket: { stopLoss: 95, takeProfit: 110 },
    });
    expect(again).toMatchObject({
      clientOrderId: 'ib-kill-1',
      status: 'open',
      brokerOrderId: `1/${parent.id}`,
    });
    expect(placeOrders()).toBe(3);
    expect(fake.orders().filter((each) => each.orderRef === 'ib-kill-1')).toHaveLength(1);
    // It fills later: the stream of the new process records it once.
    fake.setLastPrice('AAPL', 99.5);
    await waitFor(
      async () =>
        (await database.store.query("SELECT status FROM orders WHERE client_order_id = 'ib-kill-1'")).rows[0]
          ?.status === 'filled',
      'the entry filled',
    );
    expect(
      (await database.store.query("SELECT 1 FROM fills WHERE client_order_id = 'ib-kill-1'")).rows,
    ).toHaveLength(1);
  });

  it('1100 makes the watchdog’s broker check fail and escalate; 1102 makes it pass again', async () => {
    const settings = config({ brokerUnreachableMs: 0, brokerUnreachableLevel: 2 });
    const brain = await startIbkrBroker(settings.broker.ibkr, {
      logger,
      store: database.store,
      liveConfirmed: false,
    });
    cleanups.push(() => brain.stop());
    const broker = venueFor(settings).watchdogBroker(settings, { logger, store: database.store });
    expect(broker).toBeDefined();
    const watchdog = new Watchdog({
      config: settings,
      store: database.store,
      broker,
      pager: new Pager([logNotifier(logger)], logger, 50),
      logger,
      haltFile: path.join(settings.dataPath, 'halt.json'),
    });
    cleanups.push(async () => {
      await watchdog.stop();
      await (broker as unknown as { stop(): Promise<void> }).stop();
    });
    await beat(database.store, 'brain', 'process', settings.watchdog.brainHeartbeatMs);
    const calm = await watchdog.check();
    expect(calm.failing.map((each) => each.name)).not.toContain('broker_reachable');
    expect(calm.level).toBe(0);

    fake.loseConnectivity();
    await waitFor(() => brain.broker.connection.unusableReason() !== null, 'the brain saw 1100');
    const lost = await watchdog.check();
    const reachable = lost.failing.find((each) => each.name === 'broker_reachable');
    expect(reachable?.detail).toMatch(/1100/);
    expect(lost.level).toBeGreaterThanOrEqual(2);

    await brain.broker
      .submit({ clientOrderId: 'ib-wd-x', symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 })
      .catch(() => undefined);
    expect(placeOrders()).toBe(0);
    fake.restoreConnectivity();
    await waitFor(() => brain.broker.connection.unusableReason() === null, 'the brain saw 1102');
    const back = await watchdog.check();
    expect(back.failing.map((each) => each.name)).not.toContain('broker_reachable');
  });
});
