import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';

let fake: AlpacaFake;
const logger = silentLogger();

beforeAll(async () => {
  fake = await startAlpacaFake();
});
afterAll(async () => {
  await fake.close();
});

describe('listing Alpaca orders page by page', () => {
  it('misses no order when orders sharing one submission time straddle a page (`after` is exclusive)', async () => {
    fake.control.setPrice('SPY', 500);
    // 495 orders, then 10 in one instant across the page boundary (500), then 145 more.
    const instantOf = (index: number) =>
      new Date(Date.now() - 60_000 + (index < 495 ? index : index < 505 ? 495 : index)).toISOString();
    for (let index = 0; index < 650; index += 1) {
      const order = fake.control.book.submit({
        symbol: 'SPY',
        qty: 1,
        side: 'buy',
        type: 'limit',
        time_in_force: 'day',
        client_order_id: `page-${index}`,
        limit_price: 400,
      });
      order.submitted_at = instantOf(index);
      order.created_at = instantOf(index);
    }
    const client = new AlpacaTradingClient({
      baseUrl: fake.baseUrl,
      credentials: { keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) },
      logger,
    });
    const broker = new AlpacaBroker({ client, logger });
    const snapshot = await broker.snapshot([]);
    const ids = new Set(snapshot.orders.map((order) => order.clientOrderId));
    expect(ids.size).toBe(650);
    for (let index = 0; index < 650; index += 1) expect(ids.has(`page-${index}`)).toBe(true);
  });
});
