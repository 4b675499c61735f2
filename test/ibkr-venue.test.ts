import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { runMonitorPass } from '../src/pipeline/index.ts';
import { type RunningIbkr, startIbkrBroker, watchdogIbkrBroker } from '../src/venues/ibkr/broker/live.ts';
import { type FakeTws, startFakeTws } from './fakes/ibkr/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { waitFor } from './support/wait.ts';

/**
 * Issue 26 end to end on the strict fake TWS: a bracket entry, its fill, the monitor seeing the
 * stop, the exit on the stop; a rejection (201); a stop moved in place; a restart that reconciles
 * without sending anything again; IB's connectivity lost (1100: nothing sent, the watchdog's reads
 * fail) and restored (1102: reconciliation); the watchdog flattening on its own client id.
 */
let database: TestDatabase;
let fake: FakeTws;
const running: RunningIbkr[] = [];
const logger = silentLogger();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(async () => {
  await database.store.query('TRUNCATE fills, orders, positions, agent_messages, ibkr_order_ids');
  fake = await startFakeTws({
    accounts: ['DU1234567'],
    contracts: [
      { symbol: 'AAPL', minTick: 0.01, conId: 265598 },
      { symbol: 'MSFT', minTick: 0.01, conId: 272093 },
    ],
  });
});
afterEach(async () => {
  for (const each of running.splice(0)) await each.stop();
  await fake.close();
});

function ibkrConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    file: '/dev/null',
    overrides: {
      broker: {
        kind: 'ibkr',
        ibkr: {
          port: fake.port,
          symbols: ['AAPL', 'MSFT'],
          submitTimeoutMs: 2_000,
          requestTimeoutMs: 3_000,
          reconnectInitialMs: 50,
          reconnectMaxMs: 200,
          ...overrides,
        },
      },
    } as never,
  });
}

async function start(config = ibkrConfig()): Promise<RunningIbkr> {
  const ibkr = await startIbkrBroker(config.broker.ibkr, {
    logger,
    store: database.store,
    liveConfirmed: false,
  });
  running.push(ibkr);
  return ibkr;
}

const row = async (clientOrderId: string) =>
  (
    await database.store.query<{
      status: string;
      filled_qty: string;
      broker_order_id: string | null;
      reject_reason: string | null;
      stop_price: string | null;
    }>(
      'SELECT status, filled_qty, broker_order_id, reject_reason, stop_price FROM orders WHERE client_order_id = $1',
      [clientOrderId],
    )
  ).rows[0];

const placeOrders = () => fake.requests().filter((each) => each.name === 'PLACE_ORDER').length;

const monitor = (ibkr: RunningIbkr) =>
  runMonitorPass({
    broker: ibkr.broker,
    brokerName: ibkr.broker.name,
    db: database.store,
    publish: async () => undefined,
    logger,
    onMissingStop: 'reattach',
    defaultStopPct: 0.05,
    clock: { now: () => Date.now() },
  });

const bracket = (id: string, overrides: Record<string, unknown> = {}) => ({
  clientOrderId: id,
  symbol: 'AAPL',
  side: 'buy' as const,
  type: 'market' as const,
  qty: 10,
  bracket: { stopLoss: 95.004, takeProfit: 110.006 },
  ...overrides,
});

describe('the ibkr venue on the strict fake TWS', () => {
  it('bracket entry → fill → the monitor sees the stop → exit on the stop, each fill once', async () => {
    const ibkr = await start();
    const order = await ibkr.broker.submit(bracket('ib-1'));
    expect(order).toMatchObject({ status: 'open', linkedClientOrderIds: ['ib-1.sl', 'ib-1.tp'] });
    const sent = fake.orders().filter((each) => each.orderRef.startsWith('ib-1'));
    expect(sent.map((each) => [each.orderRef, each.type, each.transmit, each.parentId === 0])).toEqual([
      ['ib-1', 'MKT', false, true],
      ['ib-1.tp', 'LMT', false, false],
      ['ib-1.sl', 'STP', true, false],
    ]);
    expect(sent[2]).toMatchObject({ auxPrice: 95.01, status: 'PreSubmitted' });
    expect(await row('ib-1')).toMatchObject({ status: 'open', broker_order_id: `1/${sent[0]!.id}` });
    expect(await row('ib-1.sl')).toMatchObject({ status: 'waiting' });

    fake.fill(sent[0]!.id, 100);
    await waitFor(async () => (await row('ib-1'))?.status === 'filled', 'the entry filled');
    await waitFor(async () => (await row('ib-1.sl'))?.status === 'open', 'the stop working');
    await ibkr.sync.idle();
    const seen = await monitor(ibkr);
    expect(seen).toMatchObject({ positions: 1, stopsMissing: [], actions: [] });
    const position = await database.store.query<{ qty: string; stop_client_order_id: string }>(
      "SELECT qty, stop_client_order_id FROM positions WHERE broker = 'ibkr' AND symbol = 'AAPL'",
    );
    expect(position.rows[0]).toMatchObject({ stop_client_order_id: 'ib-1.sl' });
    expect(Number(position.rows[0]?.qty)).toBe(10);

    fake.setLastPrice('AAPL', 94.5);
    await waitFor(async () => (await row('ib-1.sl'))?.status === 'filled', 'the stop filled');
    await waitFor(async () => (await row('ib-1.tp'))?.status === 'cancelled', 'the take-profit cancelled');
    await waitFor(
      async () =>
        (await database.store.query("SELECT 1 FROM positions WHERE broker = 'ibkr'")).rows.length === 0,
      'flat in the ledger',
    );
    // A reconnect replays today's executions: nothing counted twice (fills are unique by execId).
    await ibkr.sync.reconcileNow();
    const fills = await database.store.query<{
      client_order_id: string;
      qty: string;
      price: string;
      commission: string;
    }>("SELECT client_order_id, qty, price, commission FROM fills WHERE broker = 'ibkr' ORDER BY id");
    expect(fills.rows.map((each) => [each.client_order_id, Number(each.qty), Number(each.price)])).toEqual([
      ['ib-1', 10, 100],
      ['ib-1.sl', 10, 94.5],
    ]);
    // Each execution's commissionReport (IBKR Pro fixed: USD 1.00 minimum for 10 shares) lands on its fill.
    await ibkr.sync.idle();
    expect(fills.rows.map((each) => Number(each.commission))).toEqual([1, 1]);
    expect(fake.positions().filter((each) => each.qty !== 0)).toEqual([]);
    expect((await monitor(ibkr)).positions).toBe(0);
  });

  it('an order the TWS rejects (201) is rejected with IB’s reason, its legs with it', async () => {
    await fake.close();
    fake = await startFakeTws({
      accounts: ['DU1234567'],
      contracts: [{ symbol: 'AAPL', minTick: 0.01, conId: 265598 }],
      rejectOrders: (order) => (order.orderRef === 'ib-rej' ? 'YOUR ORDER IS NOT ACCEPTED. MARGIN' : null),
    });
    const ibkr = await start();
    const order = await ibkr.broker.submit(bracket('ib-rej'));
    expect(order.status).toBe('rejected');
    expect(order.reason).toMatch(/MARGIN/);
    expect(await row('ib-rej')).toMatchObject({ status: 'rejected' });
    expect((await row('ib-rej'))?.reject_reason).toMatch(/MARGIN/);
  });

  it('moves a stop in place (same IB id), cancels, and never sends an order id twice', async () => {
    const ibkr = await start();
    await ibkr.broker.submit(bracket('ib-mv'));
    const [entry, , stop] = fake.orders().filter((each) => each.orderRef.startsWith('ib-mv'));
    fake.fill(entry!.id, 100);
    await waitFor(async () => (await row('ib-mv.sl'))?.status === 'open', 'the stop working');
    const moved = await ibkr.broker.replaceStop(
      { symbol: 'AAPL', clientOrderId: 'ib-mv.sl' },
      97.996,
      'unused',
    );
    expect(moved).toMatchObject({ clientOrderId: 'ib-mv.sl', stopPrice: 98, status: 'open' });
    const atIb = fake.orders().find((each) => each.id === stop!.id);
    expect(atIb?.auxPrice).toBe(98);
    expect(['PreSubmitted', 'Submitted']).toContain(atIb?.status);
    const cancelled = await ibkr.broker.cancel('ib-mv.tp');
    expect(cancelled?.status).toBe('cancelled');
    const ids = fake.orders().map((each) => each.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a restart reconciles with the broker as the truth and sends nothing again', async () => {
    const first = await start();
    await first.broker.submit(bracket('ib-rs'));
    const parent = fake.orders().find((each) => each.orderRef === 'ib-rs')!;
    await first.stop();
    running.splice(running.indexOf(first), 1);
    // While Signet is down the entry fills.
    fake.fill(parent.id, 101);
    const before = placeOrders();
    const second = await start();
    // The fill is replayed by its execution id before reconciling; the reconciliation moves the rest.
    expect(second.reconciled.repairs.map((each) => each.kind)).toContain('order_updated');
    const replayed = await database.store.query<{ broker_fill_id: string }>(
      "SELECT broker_fill_id FROM fills WHERE client_order_id = 'ib-rs'",
    );
    expect(replayed.rows).toHaveLength(1);
    expect(replayed.rows[0]?.broker_fill_id).not.toMatch(/^reconciled:/);
    expect(await row('ib-rs')).toMatchObject({ status: 'filled' });
    expect(await row('ib-rs.sl')).toMatchObject({ status: 'open' });
    // The pipeline retrying the same decision finds it: no second placeOrder.
    await second.broker.submit(bracket('ib-rs'));
    expect(placeOrders()).toBe(before);
    // Next ids stay above every id used.
    await second.broker.submit(bracket('ib-rs2', { symbol: 'MSFT' }));
    const next = fake.orders().find((each) => each.orderRef === 'ib-rs2')!;
    expect(next.id).toBeGreaterThan(
      Math.max(
        ...fake
          .orders()
          .filter((each) => each.orderRef.startsWith('ib-rs.') || each.orderRef === 'ib-rs')
          .map((each) => each.id),
      ),
    );
    const fills = await database.store.query("SELECT 1 FROM fills WHERE client_order_id = 'ib-rs'");
    expect(fills.rows).toHaveLength(1);
  });

  it('IB connectivity lost (1100) fails closed and the watchdog’s reads fail; restored (1102) reconciles', async () => {
    const config = ibkrConfig();
    const ibkr = await start(config);
    const watchdog = watchdogIbkrBroker(config, { logger, store: database.store });
    expect(await watchdog.account()).toMatchObject({ id: 'DU1234567' });
    await ibkr.broker.submit(bracket('ib-cx'));
    const parent = fake.orders().find((each) => each.orderRef === 'ib-cx')!;
    fake.loseConnectivity();
    await waitFor(() => ibkr.broker.connection.unusableReason() !== null, 'the 1100 seen');
    const sends = placeOrders();
    await expect(ibkr.broker.submit(bracket('ib-cx2'))).rejects.toThrow(/1100/);
    expect(placeOrders()).toBe(sends);
    expect(await row('ib-cx2')).toBeUndefined();
    // The watchdog's broker_reachable reads the account: it fails, with the reason, so it escalates.
    await expect(watchdog.account()).rejects.toMatchObject({ code: 'broker_unavailable' });
    // The entry fills while the link is down: IB reports it after the reset (deferred by the fake).
    fake.fill(parent.id, 100);
    fake.restoreConnectivity();
    await waitFor(() => ibkr.broker.connection.unusableReason() === null, 'the 1102 seen');
    await waitFor(async () => (await row('ib-cx'))?.status === 'filled', 'the entry reconciled');
    await ibkr.sync.idle();
    expect(await watchdog.account()).toMatchObject({ id: 'DU1234567' });
    await watchdog.stop();
  });

  it('the socket dropping fails closed, reconnects with backoff and reconciles', async () => {
    const ibkr = await start();
    await ibkr.broker.submit(bracket('ib-dr'));
    const parent = fake.orders().find((each) => each.orderRef === 'ib-dr')!;
    fake.dropClients();
    await waitFor(() => ibkr.broker.connection.unusableReason() !== null, 'the drop seen');
    await expect(ibkr.broker.account()).rejects.toMatchObject({ code: 'broker_unavailable' });
    fake.fill(parent.id, 100);
    await waitFor(() => ibkr.broker.connection.connects >= 2, 'the reconnect');
    await waitFor(async () => (await row('ib-dr'))?.status === 'filled', 'reconciled after the reconnect');
  });

  it('the watchdog flattens through its own client id: global cancel and market orders', async () => {
    const config = ibkrConfig();
    const ibkr = await start(config);
    await ibkr.broker.submit(bracket('ib-fl'));
    fake.fill(fake.orders().find((each) => each.orderRef === 'ib-fl')!.id, 100);
    await waitFor(async () => (await row('ib-fl.sl'))?.status === 'open', 'the stop working');
    const watchdog = watchdogIbkrBroker(config, { logger, store: database.store });
    const closing = await watchdog.closeAll('wd.flatten.1');
    expect(closing).toMatchObject([
      { clientOrderId: 'wd.flatten.1.AAPL', side: 'sell', qty: 10, leg: 'flatten' },
    ]);
    expect(fake.requests().some((each) => each.name === 'REQ_GLOBAL_CANCEL' && each.clientId === 2)).toBe(
      true,
    );
    fake.setLastPrice('AAPL', 99);
    await waitFor(() => fake.positions().every((each) => each.qty === 0), 'flat at the broker');
    expect(
      fake
        .orders()
        .filter((each) => each.orderRef.startsWith('ib-fl.'))
        .map((each) => each.status),
    ).toEqual(['Cancelled', 'Cancelled']);
    await watchdog.stop();
  });

  it('refuses a live account without --live and a paper config on a live account', async () => {
    await fake.close();
    fake = await startFakeTws({
      accounts: ['U7654321'],
      contracts: [{ symbol: 'AAPL', minTick: 0.01, conId: 265598 }],
    });
    await expect(start()).rejects.toThrow(/live account but broker.ibkr.live is false/);
    await expect(start(ibkrConfig({ live: true }))).rejects.toMatchObject({ code: 'live_not_confirmed' });
    await waitFor(() => fake.clients().length === 0, 'no client left connected');
  });
});
