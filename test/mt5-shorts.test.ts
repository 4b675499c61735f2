import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureProtectiveStop, protectionOf } from '../src/broker/index.ts';
import { loadConfig, Secret } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { createMt5Broker } from '../src/venues/mt5/broker/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { type EaBar, SimulatedEa } from './support/simulated-ea.ts';

/**
 * Issue 21 on MetaTrader 5: a sell entry opens a sell position with its SL above and its TP below;
 * the simulated EA (strict: it throws on what the trade server refuses) takes it; a short is
 * protected by the SL above it, and a stop re-attached by the monitor or the watchdog is a buy.
 */

const logger = silentLogger();
const token = 'mt5-shorts-bridge-token-test';
let db: TestDatabase;
let server: Awaited<ReturnType<typeof createIngressServer>>;
let ea: SimulatedEa;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await createIngressServer({
    store: db.store,
    token: new Secret(token),
    logger,
    heartbeatIntervalMs: 10_000,
    pollIntervalS: 2,
  });
  ea = new SimulatedEa(server.url, token);
  ea.account = { balance: 100_000, equity: 100_000, margin_free: 99_000 };
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

function flatBars(close: number): EaBar[] {
  const last = Math.floor(Date.now() / 1000 / 300) * 300 - 300;
  return Array.from({ length: 30 }, (_, index) => ({
    t: last - (29 - index) * 300,
    o: close,
    h: close + 0.0005,
    l: close - 0.0005,
    c: close,
  }));
}

describe('MT5: short positions (issue 21)', () => {
  it('a sell entry: SL above, TP below, taken by the trade server; the short reads negative and protected; its stops are buys', async () => {
    expect((await ea.heartbeat()).status).toBe(200);
    await ea.bars('EURUSD', flatBars(1.1));
    const config = loadConfig({
      env: { SIGNET_MT5_TOKEN: token },
      file: '/dev/null',
      overrides: { broker: { kind: 'mt5', mt5: { symbols: ['EURUSD'] } } as never },
    });
    const broker = createMt5Broker(config, db.store);
    const entry = await broker.submit({
      clientOrderId: 'sg-short-eurusd',
      symbol: 'EURUSD',
      side: 'sell',
      type: 'market',
      qty: 20_000,
      leg: 'entry',
      bracket: { stopLoss: 1.11, takeProfit: 1.08 },
    });
    expect(entry.status).toBe('open');
    // Strict EA: poll() throws if the trade server would refuse it (10016 for stops on the wrong side).
    const open = (await ea.poll()).command!;
    expect(open).toMatchObject({ action: 'open', side: 'sell', volume: 0.2, sl: 1.11, tp: 1.08 });
    const legs = await db.store.query<{ client_order_id: string; side: string; stop_price: number | null }>(
      `SELECT client_order_id, side, stop_price FROM orders WHERE parent_client_order_id = 'sg-short-eurusd' ORDER BY 1`,
    );
    expect(legs.rows.map((row) => [row.client_order_id, row.side])).toEqual([
      ['sg-short-eurusd.sl', 'buy'],
      ['sg-short-eurusd.tp', 'buy'],
    ]);
    await ea.ack(String(open.command_id), {
      status: 'done',
      retcode: 10009,
      retcode_name: 'TRADE_RETCODE_DONE',
      order: 930001,
      deal: 830001,
      price: 1.1,
      volume: 0.2,
      time_utc: Math.floor(Date.now() / 1000),
    });
    // Two sell tickets: the short is as protected as its farthest (highest) stop.
    await ea.positions([
      { ticket: 930001, symbol: 'EURUSD', type: 'sell', volume: 0.2, price_open: 1.1, sl: 1.11, tp: 1.08 },
      { ticket: 930002, symbol: 'EURUSD', type: 'sell', volume: 0.1, price_open: 1.1, sl: 1.115, tp: 0 },
    ]);
    const [position] = await broker.positions();
    expect(position).toMatchObject({ symbol: 'EURUSD', qty: -30_000, stopPriceOnPosition: 1.115 });
    expect((await protectionOf(broker, position!, undefined)).protected).toBe(true);

    // The SL is removed in the terminal: the protective stop re-attached is a buy, above the short.
    await ea.positions([
      { ticket: 930001, symbol: 'EURUSD', type: 'sell', volume: 0.2, price_open: 1.1, sl: 0, tp: 1.08 },
    ]);
    const [bare] = await broker.positions();
    expect(bare).toMatchObject({ qty: -20_000, stopPriceOnPosition: null });
    // A sell stop would not protect a short: refused by the adapter, nothing queued.
    const wrongSide = await broker.submit({
      clientOrderId: 'wd.wrong.EURUSD',
      symbol: 'EURUSD',
      side: 'sell',
      type: 'stop',
      stopPrice: 1.12,
      qty: 20_000,
      leg: 'stop_loss',
    });
    expect(wrongSide).toMatchObject({ status: 'rejected' });
    expect(wrongSide.reason).toMatch(/a sell stop_loss does not close the short EURUSD position/);
    expect((await ea.poll()).status).toBe(204);
    const outcome = await ensureProtectiveStop(
      {
        broker,
        brokerName: broker.name,
        ledger: db.store,
        idPrefix: 'restop',
        stopPrice: 1.12,
        working: undefined,
      },
      bare!,
    );
    expect(outcome).toMatchObject({ action: 'attached', sent: true });
    const sent = await broker.getOrder(outcome.clientOrderId!);
    expect(sent).toMatchObject({ side: 'buy', type: 'stop', stopPrice: 1.12 });
    const modify = (await ea.poll()).command!;
    expect(modify).toMatchObject({ action: 'modify', position_ticket: 930001, sl: 1.12, tp: 1.08 });
  });
});
