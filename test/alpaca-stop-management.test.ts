import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret, stopManagementSchema } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { runMonitorPass } from '../src/pipeline/index.ts';
import {
  AlpacaBroker,
  type AlpacaSync,
  AlpacaTradingClient,
  startAlpacaSync,
} from '../src/venues/alpaca/broker/index.ts';
import { alpacaPriceTick } from '../src/venues/alpaca/price-tick.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { waitFor } from './support/wait.ts';

/**
 * Issue 20's end to end on the strict Alpaca fake: a bracket entry, filled in two parts, its stop
 * moved by the monitor (breakeven after 1 R, Alpaca's replace), a restart that reconciles, and the
 * exit on the moved stop; at no point does the position have a second stop.
 */
let database: TestDatabase;
let fake: AlpacaFake;
const syncs: AlpacaSync[] = [];
const logger = silentLogger();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  fake = await startAlpacaFake();
});
afterEach(async () => {
  for (const sync of syncs.splice(0)) await sync.stop();
  await fake.close();
});

const credentials = () => ({ keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) });

async function connect() {
  const client = new AlpacaTradingClient({ baseUrl: fake.baseUrl, credentials: credentials(), logger });
  const broker = new AlpacaBroker({ client, logger, ledger: database.store, cancelSettleMs: 500 });
  const sync = await startAlpacaSync({
    broker,
    store: database.store,
    logger,
    streamUrl: fake.streamUrl,
    credentials: credentials(),
    pollIntervalMs: 60_000,
  });
  syncs.push(sync);
  return { broker, sync };
}

const monitor = (broker: AlpacaBroker) =>
  runMonitorPass({
    broker,
    brokerName: broker.name,
    db: database.store,
    publish: async () => undefined,
    logger,
    onMissingStop: 'reattach',
    defaultStopPct: 0.05,
    clock: { now: () => Date.now() },
    stops: {
      rule: stopManagementSchema.parse({ mode: 'breakeven', triggerR: 1 }),
      priceTick: alpacaPriceTick,
      lastPrice: async (symbol) => fake.control.book.price(symbol),
    },
  });

const row = async (clientOrderId: string) =>
  (
    await database.store.query<{
      status: string;
      filled_qty: string;
      stop_price: string | null;
      initial_stop_price: string | null;
      broker_order_id: string | null;
    }>(
      'SELECT status, filled_qty, stop_price, initial_stop_price, broker_order_id FROM orders WHERE client_order_id = $1',
      [clientOrderId],
    )
  ).rows[0];

/** Stops the fake holds live (a pending replace counts: its old order may still fill). */
const liveStops = () =>
  fake.control.book.orders.filter(
    (order) =>
      order.type === 'stop' &&
      ['new', 'held', 'accepted', 'pending_new', 'partially_filled', 'pending_replace'].includes(
        order.status,
      ),
  );

describe('an Alpaca trade whose stop the monitor moves, end to end on the strict fake', () => {
  it('bracket → partial fill → full fill → breakeven stop (replace) → restart and reconcile → exit on the moved stop; one stop throughout', async () => {
    fake.control.setPrice('AAPL', 100);
    fake.control.book.partialFillQty = 4;
    const first = await connect();
    await first.broker.submit({
      clientOrderId: 'sig-MV-1',
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      qty: 10,
      bracket: { stopLoss: 95.0049, takeProfit: 110.0061 },
    });
    await waitFor(async () => Number((await row('sig-MV-1'))?.filled_qty) === 4, 'the partial fill');
    // Partly filled: the legs are held, the position of 4 is not yet the bracket's; no stop is moved.
    expect((await monitor(first.broker)).actions.filter((each) => each.action === 'stop_moved')).toEqual([]);
    fake.control.setPrice('AAPL', 100);
    await waitFor(async () => (await row('sig-MV-1'))?.status === 'filled', 'the full fill');
    expect(liveStops()).toMatchObject([{ stop_price: 95.01, qty: 10, status: 'new' }]);

    // Under 1 R (R = 100 − 95.01 = 4.99) in profit: the stop stays.
    fake.control.setPrice('AAPL', 104.98);
    expect((await monitor(first.broker)).actions).toEqual([]);
    expect(fake.control.countRequests('PATCH', `/v2/orders/${liveStops()[0]!.id}`)).toBe(0);

    // 1 R in profit: breakeven. The leg is replaced (a new Alpaca id) at the average price.
    fake.control.setPrice('AAPL', 104.99);
    const oldLegId = liveStops()[0]!.id;
    const moved = await monitor(first.broker);
    expect(moved.actions).toMatchObject([
      { symbol: 'AAPL', action: 'stop_moved', clientOrderId: 'sig-MV-1.sl' },
    ]);
    expect(moved.stopsMissing).toEqual([]);
    // While the replace is pending, further passes see one stop: nothing attached, nothing moved.
    const again = await monitor(first.broker);
    expect(again.actions).toEqual([]);
    await waitFor(() => fake.control.book.byId(oldLegId)?.status === 'replaced', 'the replace confirmed');
    const newLeg = fake.control.book.byId(fake.control.book.byId(oldLegId)!.replaced_by!)!;
    expect(liveStops()).toEqual([newLeg]);
    expect(newLeg).toMatchObject({ stop_price: 100, qty: 10, status: 'new', replaces: oldLegId });
    await first.sync.idle();
    await waitFor(
      async () => (await row('sig-MV-1.sl'))?.broker_order_id === newLeg.id,
      'the leg row follows',
    );
    expect(await row('sig-MV-1.sl')).toMatchObject({ status: 'open' });
    expect(Number((await row('sig-MV-1.sl'))?.stop_price)).toBe(100);
    expect(Number((await row('sig-MV-1.sl'))?.initial_stop_price)).toBe(95.01);
    const positions = await database.store.query<{ stop_client_order_id: string }>(
      "SELECT stop_client_order_id FROM positions WHERE symbol = 'AAPL'",
    );
    expect(positions.rows[0]?.stop_client_order_id).toBe('sig-MV-1.sl');
    for (let pass = 0; pass < 3; pass += 1) expect((await monitor(first.broker)).actions).toEqual([]);

    // A restart: a new broker and stream reconcile; nothing is sent, the moved stop is the one.
    for (const sync of syncs.splice(0)) await sync.stop();
    const posts = fake.control.countRequests('POST', '/v2/orders');
    const patches = fake.control.requests.filter((each) => each.method === 'PATCH').length;
    const second = await connect();
    await second.sync.reconcileNow();
    await second.sync.idle();
    expect(await second.broker.getOrder('sig-MV-1.sl')).toMatchObject({ status: 'open', stopPrice: 100 });
    expect((await monitor(second.broker)).actions).toEqual([]);
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(posts);
    expect(fake.control.requests.filter((each) => each.method === 'PATCH')).toHaveLength(patches);
    expect(liveStops()).toHaveLength(1);
    expect(await row('sig-MV-1.sl')).toMatchObject({ status: 'open', broker_order_id: newLeg.id });

    // The price falls back through the average: the moved stop exits at breakeven, not at 95.01.
    fake.control.setPrice('AAPL', 99.99);
    await waitFor(() => !fake.control.book.positions.has('AAPL'), 'the stop exit');
    expect(newLeg.status).toBe('filled');
    await waitFor(
      async () => (await row('sig-MV-1.sl'))?.status === 'filled',
      'the moved stop filled in the ledger',
    );
    await waitFor(
      async () => (await row('sig-MV-1.tp'))?.status === 'cancelled',
      'the take-profit cancelled',
    );
    const fills = await database.store.query<{ client_order_id: string; qty: string; price: string }>(
      "SELECT client_order_id, qty, price FROM fills WHERE symbol = 'AAPL' ORDER BY id",
    );
    expect(fills.rows.map((each) => [each.client_order_id, Number(each.qty), Number(each.price)])).toEqual([
      ['sig-MV-1', 4, 100],
      ['sig-MV-1', 6, 100],
      ['sig-MV-1.sl', 10, 99.99],
    ]);
    const after = await monitor(second.broker);
    expect(after).toMatchObject({ positions: 0, actions: [] });
    expect(liveStops()).toHaveLength(0);
  });
});
