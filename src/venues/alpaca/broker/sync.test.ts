import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { waitFor } from '../../../../test/support/wait.ts';
import { recordExecution } from '../../../broker/reconcile-ledger.ts';
import { brokerSectionSchema, loadConfig, Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaBroker } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';
import { BrokerRejectedError, LiveTradingNotConfirmedError } from './errors.ts';
import { startAlpacaBroker } from './live.ts';
import { type AlpacaSync, startAlpacaSync } from './sync.ts';

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
  await database.store.query('TRUNCATE fills, orders, positions, agent_messages');
});
afterEach(async () => {
  await sync?.stop();
  sync = undefined;
  await fake.close();
});

const credentials = () => ({ keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) });
const makeBroker = () =>
  new AlpacaBroker({
    client: new AlpacaTradingClient({
      baseUrl: fake.baseUrl,
      credentials: credentials(),
      logger,
      timeoutMs: 2_000,
    }),
    logger,
    ledger: database.store,
  });
const start = async (broker: AlpacaBroker, pollIntervalMs = 60_000) => {
  sync = await startAlpacaSync({
    broker,
    store: database.store,
    logger,
    streamUrl: fake.streamUrl,
    credentials: credentials(),
    pollIntervalMs,
  });
  return sync;
};
const status = async (clientOrderId: string) =>
  (
    await database.store.query<{ status: string }>('SELECT status FROM orders WHERE client_order_id = $1', [
      clientOrderId,
    ])
  ).rows[0]?.status;
const entry = (clientOrderId: string) => ({
  clientOrderId,
  symbol: 'AAPL',
  side: 'buy' as const,
  type: 'market' as const,
  qty: 5,
  bracket: { stopLoss: 95, takeProfit: 110 },
});

describe('Alpaca ledger sync', () => {
  it('catches up on fills missed while the stream was down, once it reconnects', async () => {
    fake.control.setPrice('AAPL', 100);
    const broker = makeBroker();
    await start(broker);
    await broker.submit(entry('sig-S-1'));
    await waitFor(async () => (await status('sig-S-1')) === 'filled', 'the entry fill');
    fake.control.streamDown = true;
    fake.control.dropStreams();
    fake.control.setPrice('AAPL', 112);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await status('sig-S-1.tp')).toBe('open');
    fake.control.streamDown = false;
    await waitFor(async () => (await status('sig-S-1.tp')) === 'filled', 'the catch-up after reconnecting');
    await sync!.idle();
    expect(await status('sig-S-1.sl')).toBe('cancelled');
    expect((await database.store.query('SELECT symbol FROM positions')).rows).toEqual([]);
  });

  it('polls when the stream cannot be reached at all', async () => {
    fake.control.setPrice('AAPL', 100);
    fake.control.streamDown = true;
    const broker = makeBroker();
    await start(broker, 150);
    expect(sync!.stream.listening).toBe(false);
    await broker.submit(entry('sig-S-2'));
    await waitFor(async () => (await status('sig-S-2')) === 'filled', 'the entry fill found by polling');
    await waitFor(
      async () => (await database.store.query('SELECT 1 FROM positions')).rows.length === 1,
      'the position',
    );
  });

  it('ignores a replayed or late fill event (the stream is at-least-once)', async () => {
    fake.control.setPrice('AAPL', 100);
    const broker = makeBroker();
    await start(broker);
    await broker.submit({ clientOrderId: 'sig-S-3', symbol: 'AAPL', side: 'buy', type: 'market', qty: 3 });
    await waitFor(async () => (await status('sig-S-3')) === 'filled', 'the fill');
    await sync!.idle();
    const recorded = await database.store.query<{ broker_fill_id: string; broker_order_id: string }>(
      `SELECT f.broker_fill_id, o.broker_order_id FROM fills f JOIN orders o USING (client_order_id)`,
    );
    const { broker_fill_id: executionId, broker_order_id: brokerOrderId } = recorded.rows[0]!;
    const state = (await broker.getOrder('sig-S-3'))!;
    const execution = {
      brokerOrderId,
      clientOrderId: 'sig-S-3',
      executionId,
      symbol: 'AAPL',
      side: 'buy' as const,
      qty: 3,
      price: 100,
      time: Date.now(),
      cumulativeFilledQty: 3,
      positionQty: 3,
    };
    const orderState = {
      ...state,
      brokerOrderId,
      type: 'market' as const,
      timeInForce: 'day',
      filledQty: 3,
      avgFillPrice: 100,
    };
    // The same event again, and an event with another id that the recorded fills already cover.
    expect(
      await database.store.transaction((tx) => recordExecution(tx, 'alpaca', execution, orderState)),
    ).toBe(false);
    expect(
      await database.store.transaction((tx) =>
        recordExecution(tx, 'alpaca', { ...execution, executionId: 'late-duplicate' }, orderState),
      ),
    ).toBe(false);
    expect((await database.store.query('SELECT qty FROM fills')).rows).toEqual([{ qty: 3 }]);
    expect((await database.store.query('SELECT qty FROM positions')).rows).toEqual([{ qty: 3 }]);
    expect((await sync!.reconcileNow()).repairs).toEqual([]);
  });

  it('maps a 422 (bracket stop on the wrong side) to a clear rejection', async () => {
    fake.control.setPrice('AAPL', 100);
    const error = await makeBroker()
      .submit({ ...entry('sig-S-4'), bracket: { stopLoss: 101, takeProfit: 110 } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerRejectedError);
    expect((error as BrokerRejectedError).message).toContain(
      'stop_loss.stop_price must be <= base_price - 0.01',
    );
    expect((error as BrokerRejectedError).details).toMatchObject({
      status: 422,
      brokerCode: 42210000,
      base_price: '100',
    });
    expect(await status('sig-S-4')).toBe('rejected');
  });
});

describe('startAlpacaBroker', () => {
  const configFor = (mode: 'paper' | 'live') =>
    loadConfig({
      cwd: '/nonexistent-signet-dir',
      env: { APCA_API_KEY_ID: fake.keyId, APCA_API_SECRET_KEY: fake.secretKey },
      overrides: {
        broker: brokerSectionSchema.parse({
          kind: 'alpaca',
          alpaca: { mode, tradingUrl: fake.baseUrl, dataUrl: fake.baseUrl, pollIntervalMs: 60_000 },
        }),
      },
    });

  it('reconciles before anything is sent, then follows the stream', async () => {
    fake.control.setPrice('AAPL', 100);
    await makeBroker().submit({
      clientOrderId: 'sig-B-1',
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      qty: 1,
    });
    await waitFor(async () => fake.control.state().positions.length === 1, 'the fill at the broker');
    const running = await startAlpacaBroker(configFor('paper'), {
      logger,
      store: database.store,
      liveConfirmed: false,
    });
    try {
      expect(running.reconciled.repairs.map((repair) => [repair.kind, repair.key])).toEqual([
        ['order_updated', 'sig-B-1'],
        ['fill_inserted', 'sig-B-1'],
        ['position_inserted', 'AAPL'],
      ]);
      expect(running.sync.stream.listening).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('refuses a live configuration without --live', async () => {
    await expect(
      startAlpacaBroker(configFor('live'), { logger, store: database.store, liveConfirmed: false }),
    ).rejects.toBeInstanceOf(LiveTradingNotConfirmedError);
  });
});
