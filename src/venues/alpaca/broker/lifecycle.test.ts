import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { waitFor } from '../../../../test/support/wait.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';
import { type AlpacaSync, startAlpacaSync } from './sync.ts';

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
  const broker = new AlpacaBroker({ client, logger, ledger: database.store });
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

const entryRow = async () =>
  (
    await database.store.query<{ status: string; filled_qty: string }>(
      "SELECT status, filled_qty FROM orders WHERE client_order_id = 'sig-E2E-1'",
    )
  ).rows[0];
const liveStops = () =>
  fake.control.book.orders.filter(
    (order) =>
      order.type === 'stop' && ['new', 'held', 'accepted', 'partially_filled'].includes(order.status),
  );

describe('an Alpaca trade end to end on the strict fake', () => {
  it('bracket entry → partial fill → full fill → restart and reconcile → stop exit, never a second stop', async () => {
    fake.control.setPrice('AAPL', 100);
    fake.control.book.partialFillQty = 4;
    const first = await connect();
    // Off-tick prices from a model: sent on the cent, the stop toward the entry, the target too.
    await first.broker.submit({
      clientOrderId: 'sig-E2E-1',
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      qty: 10,
      bracket: { stopLoss: 95.0049, takeProfit: 110.0061 },
    });
    await waitFor(async () => Number((await entryRow())?.filled_qty) === 4, 'the partial fill in the ledger');
    expect((await entryRow())?.status).toBe('open');
    expect(fake.control.book.positions.get('AAPL')?.qty).toBe(4);

    fake.control.setPrice('AAPL', 100);
    await waitFor(async () => (await entryRow())?.status === 'filled', 'the full fill in the ledger');
    expect(Number((await entryRow())?.filled_qty)).toBe(10);
    expect(liveStops()).toMatchObject([{ stop_price: 95.01, qty: 10 }]);
    expect(fake.control.book.orders.find((order) => order.type === 'limit')?.limit_price).toBe(110);
    const stopsSeen = (await first.broker.workingOrders()).filter((order) => order.type === 'stop');
    expect(stopsSeen.map((order) => order.clientOrderId)).toEqual(['sig-E2E-1.sl']);

    // A restart: a new broker and stream reconcile against the fake; nothing is resent.
    for (const sync of syncs.splice(0)) await sync.stop();
    const postsBefore = fake.control.countRequests('POST', '/v2/orders');
    const second = await connect();
    await second.sync.reconcileNow();
    await second.sync.idle();
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(postsBefore);
    expect(liveStops()).toHaveLength(1);
    expect(await second.broker.getOrder('sig-E2E-1.sl')).toMatchObject({ status: 'open', stopPrice: 95.01 });

    fake.control.setPrice('AAPL', 94);
    await waitFor(() => !fake.control.book.positions.has('AAPL'), 'the stop exit');
    await waitFor(async () => {
      const rows = await database.store.query<{ client_order_id: string; status: string }>(
        "SELECT client_order_id, status FROM orders WHERE client_order_id LIKE 'sig-E2E-1%' ORDER BY 1",
      );
      return rows.rows.map((row) => row.status).join() === 'filled,filled,cancelled';
    }, 'the stop filled and the take-profit cancelled in the ledger');
    expect(liveStops()).toHaveLength(0);
  });
});
