import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { waitFor } from '../../../../test/support/wait.ts';
import { protectionOf, workingOrdersOf } from '../../../broker/index.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';
import { BrokerForbiddenError, BrokerRejectedError } from './errors.ts';

/** Issue 21: short entries on Alpaca, the adapter's flag checks and the strict fake's refusals. */

let database: TestDatabase;
let fake: AlpacaFake;
const logger = silentLogger();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  fake = await startAlpacaFake();
  fake.control.setPrice('XYZ', 50);
  await database.store.query('TRUNCATE fills, orders, positions, agent_messages');
});
afterEach(async () => {
  await fake.close();
});

function makeClient() {
  return new AlpacaTradingClient({
    baseUrl: fake.baseUrl,
    credentials: { keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) },
    logger,
    timeoutMs: 2_000,
    maxRetries: 0,
  });
}

const shortEntry = {
  clientOrderId: 'sg-short-1',
  symbol: 'XYZ',
  side: 'sell' as const,
  type: 'market' as const,
  qty: 10,
  leg: 'entry' as const,
  bracket: { stopLoss: 52.5, takeProfit: 45 },
};

async function ledgerStatus(id: string) {
  const row = await database.store.query<{ status: string; reason: string | null }>(
    'SELECT status, reject_reason AS reason FROM orders WHERE client_order_id = $1',
    [id],
  );
  return row.rows[0];
}

describe('Alpaca short entries (issue 21)', () => {
  it('a shortable, easy-to-borrow asset: the sell entry goes out with a buy stop above and a buy limit below; the short is protected', async () => {
    const broker = new AlpacaBroker({ client: makeClient(), logger, ledger: database.store });
    const order = await broker.submit(shortEntry);
    expect(order.status).not.toBe('rejected');
    expect(fake.control.countRequests('GET', '/v2/assets/XYZ')).toBe(1);
    const [sent] = fake.control.book.orders.filter((each) => each.client_order_id === 'sg-short-1');
    expect(sent).toMatchObject({ side: 'sell', order_class: 'bracket' });
    await waitFor(async () => (await broker.positions()).length === 1, 'the short to fill', 5_000);
    const [position] = await broker.positions();
    expect(position).toMatchObject({ symbol: 'XYZ', qty: -10 });
    const working = await workingOrdersOf(broker);
    const legs = working!.filter((each) => each.symbol === 'XYZ');
    expect(legs.map((leg) => [leg.side, leg.type, leg.stopPrice ?? leg.limitPrice]).sort()).toEqual([
      ['buy', 'limit', 45],
      ['buy', 'stop', 52.5],
    ]);
    const protection = await protectionOf(broker, position!, working);
    expect(protection).toMatchObject({ protected: true, needed: 10, covered: 10 });
    expect(protection.stops.every((stop) => stop.side === 'buy')).toBe(true);
  });

  it.each([
    ['not shortable', { shortable: false, easy_to_borrow: false }, /the asset is not shortable at Alpaca/],
    ['hard to borrow', { shortable: true, easy_to_borrow: false }, /the asset is not easy to borrow/],
  ])(
    'an asset %s: the adapter refuses before sending, reason in the ledger',
    async (_name, flags, reason) => {
      fake.control.setAsset('XYZ', flags);
      const broker = new AlpacaBroker({ client: makeClient(), logger, ledger: database.store });
      const order = await broker.submit(shortEntry);
      expect(order.status).toBe('rejected');
      expect(order.reason).toMatch(reason);
      expect(fake.control.countRequests('POST', '/v2/orders')).toBe(0);
      expect(await ledgerStatus('sg-short-1')).toMatchObject({ status: 'rejected', reason: order.reason });
    },
  );

  it('an account with shorting_enabled false: refused before sending; a sell that only closes a long is not checked', async () => {
    fake.control.accountFlags = { ...fake.control.accountFlags, shorting_enabled: false };
    const broker = new AlpacaBroker({ client: makeClient(), logger, ledger: database.store });
    const order = await broker.submit(shortEntry);
    expect(order).toMatchObject({
      status: 'rejected',
      reason: 'short of XYZ not sent: the account has shorting_enabled false',
    });
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(0);
    fake.control.addPosition('XYZ', 10, 48);
    const exit = await broker.submit({
      clientOrderId: 'sg-exit-1',
      symbol: 'XYZ',
      side: 'sell',
      type: 'market',
      qty: 10,
      leg: 'exit',
    });
    expect(exit.status).not.toBe('rejected');
    expect(fake.control.countRequests('GET', '/v2/assets/XYZ')).toBe(1);
  });

  it('the strict fake refuses a short as Alpaca does: 422 "cannot be sold short", 403 without shorting', async () => {
    const client = makeClient();
    const body = {
      symbol: 'XYZ',
      qty: '10',
      side: 'sell' as const,
      type: 'market' as const,
      time_in_force: 'day' as const,
      client_order_id: 'raw-1',
    };
    fake.control.setAsset('XYZ', { shortable: false, easy_to_borrow: false });
    const refused = await client.submitOrder(body).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BrokerRejectedError);
    expect((refused as BrokerRejectedError).status).toBe(422);
    expect((refused as Error).message).toMatch(/asset XYZ cannot be sold short/);
    fake.control.setAsset('XYZ', { shortable: true, easy_to_borrow: true });
    fake.control.accountFlags = { ...fake.control.accountFlags, shorting_enabled: false };
    const forbidden = await client
      .submitOrder({ ...body, client_order_id: 'raw-2' })
      .catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(BrokerForbiddenError);
    expect((forbidden as Error).message).toMatch(
      /insufficient qty available for order \(requested: 10, available: 0\)/,
    );
    expect(await client.asset('XYZ')).toMatchObject({ symbol: 'XYZ', shortable: true, easy_to_borrow: true });
  });
});
