import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, Secret, stopManagementSchema } from '../src/config/index.ts';
import { recordProtectiveOrder } from '../src/ledger/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { rewardToRisk } from '../src/market/index.ts';
import { runMonitorPass } from '../src/pipeline/index.ts';
import { proposalOnTicks } from '../src/pipeline/price-grid.ts';
import { createMt5Broker } from '../src/venues/mt5/broker/index.ts';
import { Mt5Feed } from '../src/venues/mt5/feed/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { mt5PriceTick } from '../src/venues/mt5/price-tick.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { SimulatedEa } from './support/simulated-ea.ts';

/**
 * The monitor's stop management on MT5: the SL is moved with a `modify` through the EA command
 * channel, on the symbol's grid, and the simulated EA holds it to the trade server's rules (an SL
 * inside the stops level is refused with 10016; the position keeps its SL).
 */
const logger = silentLogger();
const token = 'mt5-stop-management-token';
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
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

const config = () =>
  loadConfig({
    env: { SIGNET_MT5_TOKEN: token },
    file: '/dev/null',
    overrides: { broker: { kind: 'mt5', mt5: { symbols: ['EURUSD'] } } as never },
  });

describe('MT5: the monitor moves the SL through the EA', () => {
  it('breakeven goes out as a modify on the grid, once; the SL works on the position (its row stays open)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await ea.heartbeat()).status).toBe(200);
    expect((await ea.bars('EURUSD', [{ t: now - 600, o: 1.1, h: 1.1, l: 1.1, c: 1.1 }])).status).toBe(200);
    const position = {
      ticket: 7_770_001,
      symbol: 'EURUSD',
      type: 'buy' as const,
      volume: 0.1,
      price_open: 1.100004,
      sl: 1.099,
      tp: 1.11,
      magic: 20261121,
    };
    await ea.positions([position]);
    // The entry's stop, as the ledger kept it: R = 1.100004 − 1.099.
    await recordProtectiveOrder(db.store, 'mt5', {
      clientOrderId: 'sig-fx-1.sl',
      leg: 'stop_loss',
      symbol: 'EURUSD',
      side: 'sell',
      type: 'stop',
      qty: 10_000,
      stopPrice: 1.099,
      status: 'open',
    });
    const broker = createMt5Broker(config(), db.store);
    let bid = 1.1008;
    const pass = () =>
      runMonitorPass({
        broker,
        brokerName: broker.name,
        db: db.store,
        publish: async () => undefined,
        logger,
        onMissingStop: 'reattach',
        defaultStopPct: 0.05,
        clock: { now: () => Date.now() },
        stops: {
          rule: stopManagementSchema.parse({ mode: 'breakeven', triggerR: 1 }),
          priceTick: mt5PriceTick,
          lastPrice: async () => bid,
        },
      });
    expect((await pass()).actions).toEqual([]);
    expect((await ea.poll()).status).toBe(204);

    // 1 R in profit: the SL goes to the average price, 1.100004 rounded up on 5 digits = 1.10001.
    bid = 1.10101;
    ea.quotes.EURUSD = { bid, ask: bid + 0.00006 };
    const moved = await pass();
    expect(moved.actions).toMatchObject([{ symbol: 'EURUSD', action: 'stop_moved' }]);
    const command = await ea.poll(); // strict: throws if the trade server would refuse it
    expect(command.command).toMatchObject({
      action: 'modify',
      symbol: 'EURUSD',
      position_ticket: 7_770_001,
      sl: 1.10001,
      tp: 1.11,
    });
    // Until the EA reports the new SL, further passes send nothing.
    expect((await pass()).actions).toEqual([]);
    expect((await ea.poll()).status).toBe(204);
    await ea.ack(String(command.command!.command_id), { status: 'done', retcode: 10009 });
    await ea.positions([{ ...position, sl: 1.10001 }]);
    expect((await pass()).actions).toEqual([]);
    const rows = await db.store.query<{ stop_price: string; initial_stop_price: string; status: string }>(
      `SELECT stop_price, initial_stop_price, status FROM orders WHERE client_order_id LIKE 'mv.EURUSD.%'`,
    );
    expect(
      rows.rows.map((row) => [Number(row.stop_price), Number(row.initial_stop_price), row.status]),
    ).toEqual([[1.10001, 1.099, 'open']]);
  });

  it('an SL inside the stops level is refused by the trade server (10016): the position keeps its stop, nothing is resent', async () => {
    const position = {
      ticket: 7_770_002,
      symbol: 'GBPUSD',
      type: 'buy' as const,
      volume: 0.1,
      price_open: 1.3,
      sl: 1.29995,
      tp: 1.31,
      magic: 20261121,
    };
    ea.symbolRules.GBPUSD = { digits: 5, stopsLevelPoints: 10, filling: ['IOC'] };
    const now = Math.floor(Date.now() / 1000);
    await ea.bars('GBPUSD', [{ t: now - 600, o: 1.3, h: 1.3, l: 1.3, c: 1.3 }]);
    await ea.positions([position]);
    await recordProtectiveOrder(db.store, 'mt5', {
      clientOrderId: 'sig-gb-1.sl',
      leg: 'stop_loss',
      symbol: 'GBPUSD',
      side: 'sell',
      type: 'stop',
      qty: 10_000,
      stopPrice: 1.29995,
      status: 'open',
    });
    // 1 R (5 points) in profit: breakeven 1.3 is 5 points under the bid, inside the 10-point level.
    ea.quotes.GBPUSD = { bid: 1.30005, ask: 1.30011 };
    const broker = createMt5Broker(config(), db.store);
    const pass = () =>
      runMonitorPass({
        broker,
        brokerName: broker.name,
        db: db.store,
        publish: async () => undefined,
        logger,
        onMissingStop: 'reattach',
        defaultStopPct: 0.05,
        clock: { now: () => Date.now() },
        stops: {
          rule: stopManagementSchema.parse({ mode: 'breakeven', triggerR: 1 }),
          priceTick: mt5PriceTick,
          lastPrice: async () => 1.30005,
        },
      });
    const moved = await pass();
    expect(moved.actions.filter((each) => each.symbol === 'GBPUSD')).toMatchObject([
      { action: 'stop_moved' },
    ]);
    ea.strict = false;
    const polled = await ea.poll();
    ea.strict = true;
    expect(polled.command).toMatchObject({ action: 'modify', symbol: 'GBPUSD', sl: 1.3 });
    expect(polled.refusal).toEqual({ retcode: 10016, retcode_name: 'TRADE_RETCODE_INVALID_STOPS' });
    await ea.ack(String(polled.command!.command_id), {
      status: 'rejected',
      retcode: 10016,
      retcode_name: 'TRADE_RETCODE_INVALID_STOPS',
    });
    const row = await db.store.query<{ status: string }>(
      `SELECT status FROM orders WHERE client_order_id LIKE 'mv.GBPUSD.%'`,
    );
    expect(row.rows).toEqual([{ status: 'rejected' }]);
    // The position keeps its SL; the refused move is not sent again at the same price.
    expect((await broker.positions()).find((each) => each.symbol === 'GBPUSD')?.stopPriceOnPosition).toBe(
      1.29995,
    );
    expect((await pass()).actions.filter((each) => each.symbol === 'GBPUSD')).toEqual([]);
    expect((await ea.poll()).status).toBe(204);
  });
});

describe("MT5: each symbol's grid from the EA contract reaches the pipeline and the Risk Gate", () => {
  it('USDJPY (3 digits) is proposed, judged and sent on 0.001; EURUSD keeps 0.00001', async () => {
    ea.symbolRules.USDJPY = { digits: 3, stopsLevelPoints: 20, filling: ['IOC'] };
    const now = Math.floor(Date.now() / 1000);
    await ea.heartbeat();
    await ea.bars('USDJPY', [{ t: now - 600, o: 151.2, h: 151.3, l: 151.1, c: 151.234 }]);
    // Before the feed has read the contract, an unknown symbol gets the 5-decimal default.
    expect(mt5PriceTick(151.2345, 'JPYUNKNOWN')).toBe(0.00001);
    const feed = new Mt5Feed({
      db: db.store,
      terminalId: async () => ea.terminalId,
      timeframe: 'M5',
      symbols: ['USDJPY', 'EURUSD'],
    });
    await feed.load();
    expect(mt5PriceTick(151.2345, 'USDJPY')).toBe(0.001);
    expect(mt5PriceTick(1.23456, 'EURUSD')).toBe(0.00001);
    // A model's long: entry down, stop up, target down, each on USDJPY's 0.001 (not 0.00001).
    const { proposal, moved } = proposalOnTicks(
      {
        symbol: 'USDJPY',
        side: 'buy',
        entryType: 'limit',
        entryPrice: 151.2347,
        stopPrice: 150.7341,
        targetPrice: 152.2359,
        horizonBars: 5,
        rationale: 'test',
        confidence: 0.6,
        facts: [],
      },
      mt5PriceTick,
    );
    expect([proposal.entryPrice, proposal.stopPrice, proposal.targetPrice]).toEqual([
      151.234, 150.735, 152.235,
    ]);
    expect(moved).toHaveLength(3);
    // What the Risk Gate judges is the ratio of these prices, the ones the EA will get.
    expect(rewardToRisk({ entry: 151.234, stop: 150.735, target: 152.235 }).ratio).toBeCloseTo(
      1.001 / 0.499,
      12,
    );
    const broker = createMt5Broker(config(), db.store);
    expect(await broker.sizeCheck('USDJPY')).toBeNull();
  });
});
