import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { reconcile } from '../../../broker/reconcile.ts';
import { Secret } from '../../../config/index.ts';
import { recordIntent } from '../../../ledger/index.ts';
import { createLogger, silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';
import { BrokerForbiddenError, BrokerResponseError, LiveTradingNotConfirmedError } from './errors.ts';
import { confirmLiveTrading } from './live.ts';
import { type AlpacaSync, startAlpacaSync } from './sync.ts';

let database: TestDatabase;
let fake: AlpacaFake;
let sync: AlpacaSync | undefined;
const logger = silentLogger();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  fake = await startAlpacaFake();
  await database.store.query('TRUNCATE fills, orders, positions, agent_messages');
});
afterEach(async () => {
  await sync?.stop();
  sync = undefined;
  await fake.close();
});

function credentials() {
  return { keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) };
}

function makeBroker(options: { submitTimeoutMs?: number; log?: ReturnType<typeof createLogger> } = {}) {
  const client = new AlpacaTradingClient({
    baseUrl: fake.baseUrl,
    credentials: credentials(),
    logger: options.log ?? logger,
    timeoutMs: 2_000,
    maxRetries: 3,
  });
  return new AlpacaBroker({
    client,
    logger,
    ledger: database.store,
    submitTimeoutMs: options.submitTimeoutMs,
  });
}

async function startSync(broker: AlpacaBroker) {
  sync = await startAlpacaSync({
    broker,
    store: database.store,
    logger,
    streamUrl: fake.streamUrl,
    credentials: credentials(),
    pollIntervalMs: 60_000,
  });
  return sync;
}

async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const orderRows = async () =>
  (
    await database.store.query<{
      client_order_id: string;
      status: string;
      filled_qty: number;
      broker_order_id: string | null;
      leg: string;
    }>(
      'SELECT client_order_id, status, filled_qty, broker_order_id, leg FROM orders ORDER BY client_order_id',
    )
  ).rows;
const positionRows = async () =>
  (
    await database.store.query<{
      symbol: string;
      qty: number;
      avg_price: number;
      stop_client_order_id: string | null;
    }>('SELECT symbol, qty, avg_price, stop_client_order_id FROM positions ORDER BY symbol')
  ).rows;
const countMessages = async (topic: string) =>
  Number(
    (
      await database.store.query<{ n: number }>('SELECT count(*) AS n FROM agent_messages WHERE topic = $1', [
        topic,
      ])
    ).rows[0]!.n,
  );

const bracket = (clientOrderId: string, qty = 10) => ({
  clientOrderId,
  symbol: 'AAPL',
  side: 'buy' as const,
  type: 'market' as const,
  qty,
  bracket: { stopLoss: 95, takeProfit: 110 },
});

describe('Alpaca broker against the fake', () => {
  it('round-trips a bracket: our id, fill via the stream, legs tracked, tables match the broker', async () => {
    fake.control.setPrice('AAPL', 100);
    const broker = makeBroker();
    await startSync(broker);
    const order = await broker.submit(bracket('sig-AAPL-1'));
    expect(order.clientOrderId).toBe('sig-AAPL-1');
    expect(order.linkedClientOrderIds).toEqual(['sig-AAPL-1.sl', 'sig-AAPL-1.tp']);
    await until(async () => (await positionRows()).length === 1, 'the entry fill');
    await sync!.idle();
    let rows = await orderRows();
    expect(rows.map((row) => [row.client_order_id, row.status, row.leg])).toEqual([
      ['sig-AAPL-1', 'filled', 'entry'],
      ['sig-AAPL-1.sl', 'open', 'stop_loss'],
      ['sig-AAPL-1.tp', 'open', 'take_profit'],
    ]);
    expect(await positionRows()).toEqual([
      { symbol: 'AAPL', qty: 10, avg_price: 100, stop_client_order_id: 'sig-AAPL-1.sl' },
    ]);

    fake.control.setPrice('AAPL', 111);
    await until(async () => (await positionRows()).length === 0, 'the take-profit fill');
    await until(
      async () =>
        (await orderRows()).find((row) => row.client_order_id === 'sig-AAPL-1.sl')?.status === 'cancelled',
      'the stop cancel',
    );
    rows = await orderRows();
    expect(rows.map((row) => row.status)).toEqual(['filled', 'cancelled', 'filled']);
    const broker2 = fake.control.state();
    expect(broker2.positions).toEqual([]);
    for (const row of rows) expect(row.broker_order_id).toBeTruthy();
    const fills = await database.store.query<{ client_order_id: string; qty: number; price: number }>(
      'SELECT client_order_id, qty, price FROM fills ORDER BY client_order_id',
    );
    expect(fills.rows).toEqual([
      { client_order_id: 'sig-AAPL-1', qty: 10, price: 100 },
      { client_order_id: 'sig-AAPL-1.tp', qty: 10, price: 110 },
    ]);
    // Nothing to repair: our tables already match the broker.
    const result = await reconcile({ store: database.store, source: broker, logger });
    expect(result.repairs).toEqual([]);
    expect(result.unexplained).toEqual([]);
  });

  it('looks a timed-out submission up instead of resending it when the broker took it', async () => {
    const broker = makeBroker({ submitTimeoutMs: 300 });
    fake.control.fault({
      method: 'POST',
      path: '/v2/orders',
      fault: { kind: 'hang', ms: 1_000, accept: true },
    });
    const order = await broker.submit(bracket('sig-T-1'));
    expect(order.clientOrderId).toBe('sig-T-1');
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(1);
    expect(fake.control.countRequests('GET', '/v2/orders:by_client_order_id')).toBe(1);
    expect(fake.control.state().orders.filter((each) => each.client_order_id === 'sig-T-1')).toHaveLength(1);
  });

  it('resends exactly once after the lookup says the broker never got it', async () => {
    const broker = makeBroker({ submitTimeoutMs: 300 });
    fake.control.fault({
      method: 'POST',
      path: '/v2/orders',
      fault: { kind: 'hang', ms: 1_000, accept: false },
    });
    const order = await broker.submit(bracket('sig-T-2'));
    expect(order.clientOrderId).toBe('sig-T-2');
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(2);
    expect(fake.control.countRequests('GET', '/v2/orders:by_client_order_id')).toBe(1);
    expect(fake.control.state().orders.filter((each) => each.client_order_id === 'sig-T-2')).toHaveLength(1);
  });

  it('never sends a third time when the resend is lost too', async () => {
    const broker = makeBroker({ submitTimeoutMs: 200 });
    fake.control.fault({
      method: 'POST',
      path: '/v2/orders',
      times: 2,
      fault: { kind: 'hang', ms: 600, accept: false },
    });
    await expect(broker.submit(bracket('sig-T-3'))).rejects.toMatchObject({ code: 'order_outcome_unknown' });
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(2);
  });

  it('reconciles fills that happened while we were down, journals each repair, and is idempotent', async () => {
    fake.control.setPrice('AAPL', 100);
    const first = makeBroker();
    await startSync(first);
    await first.submit(bracket('sig-R-1'));
    await until(async () => (await positionRows()).length === 1, 'the entry fill');
    await sync!.stop();
    sync = undefined;
    // While we are down: the stop triggers, a hand-made position appears, and an order of ours
    // was recorded but never reached the broker (crash between intent and send).
    fake.control.setPrice('AAPL', 94);
    fake.control.addPosition('TSLA', 5, 200);
    await recordIntent(database.store, 'alpaca', {
      clientOrderId: 'sig-R-lost',
      leg: 'entry',
      symbol: 'MSFT',
      side: 'buy',
      type: 'market',
      qty: 1,
      status: 'open',
    });
    const postsBefore = fake.control.countRequests('POST', '/v2/orders');
    // The first run's catch-up reconciliation (on connecting) may have journaled repairs of its own.
    const journaledBefore = await countMessages('broker.reconciled');

    const restarted = makeBroker();
    const result = await reconcile({ store: database.store, source: restarted, logger });
    expect(result.repairs.map((repair) => [repair.kind, repair.key])).toEqual([
      ['order_updated', 'sig-R-1.sl'],
      ['order_updated', 'sig-R-1.tp'],
      ['order_unknown_at_broker', 'sig-R-lost'],
      ['fill_inserted', 'sig-R-1.sl'],
      ['position_inserted', 'TSLA'],
      ['position_removed', 'AAPL'],
    ]);
    expect(result.unexplained).toEqual([{ symbol: 'TSLA', qty: 5, avgPrice: 200 }]);
    expect(await countMessages('broker.reconciled')).toBe(journaledBefore + result.repairs.length);
    expect(await countMessages('broker.unexplained_position')).toBe(1);
    const rows = await orderRows();
    expect(rows.map((row) => [row.client_order_id, row.status])).toEqual([
      ['sig-R-1', 'filled'],
      ['sig-R-1.sl', 'filled'],
      ['sig-R-1.tp', 'cancelled'],
      ['sig-R-lost', 'rejected'],
    ]);
    const fill = await database.store.query<{ qty: number; price: number }>(
      `SELECT qty, price FROM fills WHERE client_order_id = 'sig-R-1.sl'`,
    );
    expect(fill.rows).toEqual([{ qty: 10, price: 94 }]);
    expect(await positionRows()).toEqual([
      { symbol: 'TSLA', qty: 5, avg_price: 200, stop_client_order_id: null },
    ]);

    const again = await reconcile({ store: database.store, source: makeBroker(), logger });
    expect(again.repairs).toEqual([]);
    expect(again.unexplained).toEqual(result.unexplained);
    expect(await countMessages('broker.reconciled')).toBe(journaledBefore + result.repairs.length);
    expect(await countMessages('broker.unexplained_position')).toBe(1);
    expect(fake.control.countRequests('POST', '/v2/orders')).toBe(postsBefore);
  });

  it('backs off on 429 using the rate-limit headers, then succeeds', async () => {
    const broker = makeBroker();
    fake.control.fault({ method: 'GET', path: '/v2/account', fault: { kind: 'rate_limit', resetInS: 1 } });
    const started = Date.now();
    const account = await broker.account();
    expect(account.cash).toBe(100_000);
    expect(fake.control.countRequests('GET', '/v2/account')).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('maps 403 to a clear typed error and marks the order rejected', async () => {
    const broker = makeBroker();
    fake.control.setPrice('AAPL', 100);
    const error = await broker
      .submit({ ...bracket('sig-F-1', 1_000_000) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerForbiddenError);
    expect((error as BrokerForbiddenError).message).toContain('insufficient buying power');
    expect((error as BrokerForbiddenError).fix).toBeTruthy();
    expect((await orderRows()).map((row) => row.status)).toEqual(['rejected']);
  });

  it('turns malformed broker JSON into a typed error and changes nothing', async () => {
    fake.control.setPrice('AAPL', 100);
    const broker = makeBroker();
    await broker.submit({ clientOrderId: 'sig-M-1', symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 });
    await until(async () => fake.control.state().positions.length === 1, 'the fill at the broker');
    const before = {
      orders: await orderRows(),
      positions: await positionRows(),
      bus: await countMessages('broker.reconciled'),
    };
    fake.control.fault({ method: 'GET', path: '/v2/positions', fault: { kind: 'malformed' } });
    await expect(reconcile({ store: database.store, source: broker, logger })).rejects.toBeInstanceOf(
      BrokerResponseError,
    );
    expect({
      orders: await orderRows(),
      positions: await positionRows(),
      bus: await countMessages('broker.reconciled'),
    }).toEqual(before);
  });

  it('never writes the secret key to the log', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const broker = makeBroker({ log: createLogger({ level: 'trace', destination: sink }) });
    fake.control.fault({ method: 'GET', path: '/v2/account', fault: { kind: 'rate_limit', resetInS: 0 } });
    await broker.account();
    expect(logged).toContain('rate limit');
    expect(logged).not.toContain(fake.secretKey);
  });

  it('refuses live mode without the --live confirmation', () => {
    const section = { mode: 'live' } as Parameters<typeof confirmLiveTrading>[0];
    expect(() => confirmLiveTrading(section, { live: false })).toThrow(LiveTradingNotConfirmedError);
    expect(() => confirmLiveTrading(section, { live: true })).not.toThrow();
    expect(() => confirmLiveTrading({ ...section, mode: 'paper' }, { live: false })).not.toThrow();
  });
});
