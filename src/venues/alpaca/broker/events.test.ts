import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { waitFor } from '../../../../test/support/wait.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';
import { BrokerRejectedError } from './errors.ts';
import { type AlpacaSync, startAlpacaSync } from './sync.ts';

/**
 * The trade_updates events Alpaca sends besides fills (accepted, expired, pending_replace,
 * replaced, rejected), each through the stream handler into the ledger.
 */
let database: TestDatabase;
let fake: AlpacaFake;
let sync: AlpacaSync | undefined;
const logger = silentLogger();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(async () => {
  fake = await startAlpacaFake();
});
afterEach(async () => {
  await sync?.stop();
  sync = undefined;
  await fake.close();
});

const credentials = () => ({ keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) });
async function connect() {
  const client = new AlpacaTradingClient({ baseUrl: fake.baseUrl, credentials: credentials(), logger });
  const broker = new AlpacaBroker({ client, logger, ledger: database.store });
  sync = await startAlpacaSync({
    broker,
    store: database.store,
    logger,
    streamUrl: fake.streamUrl,
    credentials: credentials(),
    pollIntervalMs: 60_000,
  });
  return { broker, client, sync };
}
const status = async (clientOrderId: string) =>
  (
    await database.store.query<{ status: string }>('SELECT status FROM orders WHERE client_order_id = $1', [
      clientOrderId,
    ])
  ).rows[0]?.status;

describe('Alpaca trade_updates beyond fills, through the stream handler', () => {
  it('accepted (outside the session) keeps the order open; it fills once the session routes it', async () => {
    const { broker, sync: running } = await connect();
    fake.control.book.routing = false;
    await broker.submit({ clientOrderId: 'ev-acc', symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 });
    await waitFor(
      () => fake.control.book.byClientId('ev-acc')?.status === 'accepted',
      'accepted at the fake',
    );
    await running.idle();
    expect(await status('ev-acc')).toBe('open');
    fake.control.book.openSession();
    await waitFor(async () => (await status('ev-acc')) === 'filled', 'the fill once routed');
  });

  it('expired (a day order at the session end) ends the order unfilled', async () => {
    const { broker } = await connect();
    await broker.submit({
      clientOrderId: 'ev-exp',
      symbol: 'AAPL',
      side: 'buy',
      type: 'limit',
      limitPrice: 50,
      qty: 1,
    });
    await waitFor(async () => (await status('ev-exp')) === 'open', 'the order live');
    fake.control.book.endSession();
    await waitFor(async () => (await status('ev-exp')) === 'cancelled', 'the expiry in the ledger');
  });

  it('pending_replace keeps a stop open; replaced ends a stop of ours, its replacement working under the new id', async () => {
    const { broker, sync: running } = await connect();
    fake.control.addPosition('AAPL', 10, 100);
    await broker.submit({
      clientOrderId: 'ev-stop',
      symbol: 'AAPL',
      side: 'sell',
      type: 'stop',
      stopPrice: 90,
      qty: 10,
      leg: 'stop_loss',
    });
    fake.control.book.replaceDelayMs = 100;
    // 92.004 goes out as 92.01: a sell stop rounds up, toward the price it protects.
    const moved = await broker.replaceStop({ symbol: 'AAPL', clientOrderId: 'ev-stop' }, 92.004, 'ev-stop-2');
    expect(moved).toMatchObject({ clientOrderId: 'ev-stop-2', stopPrice: 92.01, status: 'open' });
    await waitFor(() => fake.control.book.byClientId('ev-stop')?.status === 'pending_replace', 'pending');
    await running.idle();
    expect(await status('ev-stop')).toBe('open');
    await waitFor(() => fake.control.book.byClientId('ev-stop')?.status === 'replaced', 'replaced');
    await waitFor(async () => (await status('ev-stop')) === 'cancelled', 'the replaced stop ended');
    expect(await broker.getOrder('ev-stop-2')).toMatchObject({ status: 'open', stopPrice: 92.01 });
    const working = (await broker.workingOrders()).filter((order) => order.type === 'stop');
    expect(working.map((order) => order.clientOrderId)).toEqual(['ev-stop-2']);
  });

  it('a replace the broker refuses is thrown with its reason, and the stop is left as it was', async () => {
    const { broker, client } = await connect();
    fake.control.addPosition('AAPL', 10, 100);
    await broker.submit({
      clientOrderId: 'ev-filled',
      symbol: 'AAPL',
      side: 'sell',
      type: 'stop',
      stopPrice: 101,
      qty: 10,
      leg: 'stop_loss',
    });
    await waitFor(() => fake.control.book.byClientId('ev-filled')?.status === 'filled', 'the stop filled');
    await expect(
      broker.replaceStop({ symbol: 'AAPL', clientOrderId: 'ev-filled' }, 99, 'ev-filled-2'),
    ).rejects.toThrow(/not replaceable: its status is filled/);
    fake.control.addPosition('AAPL', 10, 100);
    await broker.submit({
      clientOrderId: 'ev-live',
      symbol: 'AAPL',
      side: 'sell',
      type: 'stop',
      stopPrice: 90,
      qty: 10,
      leg: 'stop_loss',
    });
    const live = fake.control.book.byClientId('ev-live')!;
    await waitFor(() => live.status === 'new', 'the stop live');
    // On the wire, a sub-penny stop is refused with Alpaca's 422 body.
    const refused = await client
      .replaceOrder(live.id, { stop_price: '92.005' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BrokerRejectedError);
    expect((refused as Error).message).toMatch(
      /sub-penny increment does not fulfill minimum pricing criteria/,
    );
    expect(live).toMatchObject({ status: 'new', stop_price: 90 });
  });
});
