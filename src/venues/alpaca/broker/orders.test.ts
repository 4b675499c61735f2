import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { waitFor } from '../../../../test/support/wait.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';

let database: TestDatabase;
let fake: AlpacaFake;
let broker: AlpacaBroker;
const logger = silentLogger();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await fake.close();
  await database.drop();
});
beforeEach(async () => {
  if (fake) await fake.close();
  fake = await startAlpacaFake();
  await database.store.query('TRUNCATE fills, orders, positions');
  const client = new AlpacaTradingClient({
    baseUrl: fake.baseUrl,
    credentials: { keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) },
    logger,
  });
  broker = new AlpacaBroker({ client, logger, ledger: database.store });
});

describe('Alpaca orders, positions and account', () => {
  it('submits limit and stop orders, finds them by our id, and cancels them', async () => {
    fake.control.setPrice('MSFT', 400);
    const limit = await broker.submit({
      clientOrderId: 'sig-L-1',
      symbol: 'MSFT',
      side: 'buy',
      type: 'limit',
      qty: 2,
      limitPrice: 390,
    });
    expect(limit).toMatchObject({ status: 'open', type: 'limit', limitPrice: 390 });
    const stop = await broker.submit({
      clientOrderId: 'sig-L-2',
      symbol: 'MSFT',
      side: 'buy',
      type: 'stop',
      qty: 2,
      stopPrice: 410,
    });
    expect(stop).toMatchObject({ status: 'open', stopPrice: 410 });
    expect(await broker.getOrder('sig-L-1')).toMatchObject({ clientOrderId: 'sig-L-1', status: 'open' });
    expect(await broker.getOrder('nope')).toBeUndefined();
    expect(await broker.cancel('sig-L-1')).toMatchObject({ status: 'cancelled' });
    // Cancelling again (not cancelable any more: 422) answers the final state.
    expect(await broker.cancel('sig-L-1')).toMatchObject({ status: 'cancelled' });
    const rows = await database.store.query('SELECT client_order_id, status FROM orders ORDER BY 1');
    expect(rows.rows).toEqual([
      { client_order_id: 'sig-L-1', status: 'cancelled' },
      { client_order_id: 'sig-L-2', status: 'open' },
    ]);
  });

  it('a cancel is pending until Alpaca confirms it; the broker answers the confirmed state', async () => {
    fake.control.setPrice('MSFT', 400);
    fake.control.book.cancelDelayMs = 300;
    await broker.submit({
      clientOrderId: 'sig-C-1',
      symbol: 'MSFT',
      side: 'buy',
      type: 'limit',
      qty: 1,
      limitPrice: 380,
    });
    const atFake = fake.control.book.byClientId('sig-C-1')!;
    const cancelling = broker.cancel('sig-C-1');
    await waitFor(() => atFake.status === 'pending_cancel', 'the order pending cancel at the fake');
    // Still pending (a pending cancel can fill): our ledger does not call it cancelled yet.
    expect(await broker.getOrder('sig-C-1')).toMatchObject({ status: 'open' });
    expect(await cancelling).toMatchObject({ status: 'cancelled' });
    expect(atFake.status).toBe('canceled');
    const row = await database.store.query("SELECT status FROM orders WHERE client_order_id = 'sig-C-1'");
    expect(row.rows).toEqual([{ status: 'cancelled' }]);
  });

  it('gives positions with their working protective legs, cancels a leg, and closes all', async () => {
    fake.control.setPrice('AAPL', 100);
    await broker.submit({
      clientOrderId: 'sig-P-1',
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      qty: 4,
      bracket: { stopLoss: 90, takeProfit: 120 },
    });
    await waitFor(async () => (await broker.positions()).length === 1, 'the fill');
    expect(await broker.positions()).toEqual([
      {
        symbol: 'AAPL',
        qty: 4,
        avgPrice: 100,
        stopClientOrderId: 'sig-P-1.sl',
        takeProfitClientOrderId: 'sig-P-1.tp',
        openedAt: 0,
      },
    ]);
    expect(await broker.getOrder('sig-P-1.sl')).toMatchObject({
      leg: 'stop_loss',
      parentClientOrderId: 'sig-P-1',
      linkedClientOrderIds: ['sig-P-1.tp'],
      status: 'open',
    });
    expect(await broker.cancel('sig-P-1.tp')).toMatchObject({ status: 'cancelled' });
    // Alpaca cancels the rest of a bracket group with it: the position is now unprotected.
    expect(await broker.positions()).toMatchObject([
      { stopClientOrderId: null, takeProfitClientOrderId: null },
    ]);
    const closing = await broker.closeAll('flatten-1');
    expect(closing).toHaveLength(1);
    expect(closing[0]).toMatchObject({ symbol: 'AAPL', side: 'sell', qty: 4, leg: 'flatten' });
    await waitFor(async () => (await broker.positions()).length === 0, 'the close');
    expect(await broker.getOrder('sig-P-1.sl')).toMatchObject({ status: 'cancelled' });
    const account = await broker.account();
    expect(account.cash).toBeCloseTo(100_000, 6);
  });

  it('returns the first order when the same client order id is submitted again (422 duplicate)', async () => {
    fake.control.setPrice('MSFT', 400);
    const request = {
      clientOrderId: 'sig-D-1',
      symbol: 'MSFT',
      side: 'buy' as const,
      type: 'limit' as const,
      qty: 1,
      limitPrice: 380,
    };
    const first = await broker.submit(request);
    const again = await broker.submit(request);
    expect(again.clientOrderId).toBe(first.clientOrderId);
    expect(fake.control.state().orders.filter((order) => order.client_order_id === 'sig-D-1')).toHaveLength(
      1,
    );
  });

  it('reads the clock and the calendar', async () => {
    const clock = await broker.client.clock();
    expect(clock.is_open).toBe(true);
    const days = await broker.client.calendar('2026-11-20', '2026-11-20');
    expect(days).toEqual([{ date: '2026-11-20', open: '09:30', close: '16:00' }]);
  });
});
