import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig, Secret } from '../src/config/index.ts';
import type { Route, RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { generateSimSeries } from '../src/market/index.ts';
import { MarketSession } from '../src/runtime/index.ts';
import { createMt5Broker, type Mt5Broker } from '../src/venues/mt5/broker/index.ts';
import { Mt5Feed } from '../src/venues/mt5/feed/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { checkInvariants } from '../src/watchdog/index.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingRoute, buyAtMarket, scriptedRoute, symbolOf } from './support/scripted-route.ts';
import { type EaBar, SimulatedEa } from './support/simulated-ea.ts';
import { walkableTempDir } from './support/temp.ts';

const logger = silentLogger();
const token = 'mt5-session-bridge-token';
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
  // A 100k account: the 10 % position cap must buy at least the 0.01-lot minimum of EURUSD.
  ea.account = { balance: 100_000, equity: 100_000, margin_free: 99_000 };
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

const fiveMinutes = 300;

/** Closed M5 bars ending at the last whole five minutes, FX-like prices around 1.1. */
function fxBars(symbol: string, count = 90): EaBar[] {
  const series = generateSimSeries({ seed: 7, bars: count, symbols: [symbol] }, symbol);
  const scale = 1.1 / series.close[0]!;
  const last = Math.floor(Date.now() / 1000 / fiveMinutes) * fiveMinutes - fiveMinutes;
  return Array.from({ length: series.length }, (_, index) => ({
    t: last - (series.length - 1 - index) * fiveMinutes,
    o: Number((series.open[index]! * scale).toFixed(5)),
    h: Number((series.high[index]! * scale).toFixed(5)),
    l: Number((series.low[index]! * scale).toFixed(5)),
    c: Number((series.close[index]! * scale).toFixed(5)),
  }));
}

function mt5Config(contextDir: string): Config {
  // One line switches the venue: feed.kind and schedule.mode follow broker.kind.
  return loadConfig({
    env: { SIGNET_MT5_TOKEN: token },
    file: '/dev/null',
    overrides: {
      broker: { kind: 'mt5', mt5: { symbols: ['EURUSD', 'GBPUSD'] } } as never,
      paths: { contextDir } as never,
    },
  });
}

/** The watchdog's invariants, measured now through this broker. */
async function watchdogSees(config: Config, broker: Mt5Broker) {
  const report = await checkInvariants({
    config,
    db: db.store,
    broker,
    databaseDownSince: null,
    now: Date.now(),
    highWaterMark: 0,
  });
  return report.results;
}

/** A market session on the MT5 venue whose agents answer from `route`. */
async function openSession(route: Route) {
  const config = mt5Config(walkableTempDir(path.join(tmpdir(), 'signet-mt5-')));
  const bus = new Bus({ store: db.store, logger });
  const agents = await scriptedAgents(db.store, [route]);
  const { session } = await MarketSession.open({
    config,
    store: db.store,
    bus,
    logger,
    agents,
    liveConfirmed: false,
  });
  return {
    config,
    session,
    async close() {
      await session.stop();
      agents.skills.close();
      await bus.stop();
    },
  };
}

describe('market mode on MetaTrader 5 through the EA bridge (simulated EA over HTTP)', () => {
  it('a cycle loads the newest historyBars of each symbol, a backtest every bar', async () => {
    await ea.heartbeat();
    await ea.bars('USDCHF', fxBars('USDCHF', 120));
    const feed = (maxBarsPerSymbol?: number) =>
      new Mt5Feed({
        db: db.store,
        terminalId: async () => ea.terminalId,
        timeframe: 'M5',
        symbols: ['USDCHF'],
        maxBarsPerSymbol,
      });
    const capped = (await feed(60).load()).series[0]!;
    const all = (await feed().load()).series[0]!;
    expect([capped.length, all.length]).toEqual([60, 120]);
    expect(capped.time[59]).toBe(all.time[119]);
    expect(capped.time[0]).toBe(all.time[60]);
  });

  it('broker.kind: mt5 alone selects the EA feed and market mode', () => {
    const config = mt5Config('context');
    expect(config.feed.kind).toBe('mt5');
    expect(config.schedule.mode).toBe('market');
    expect(config.broker.mt5.timeframe).toBe('M5');
  });

  it('trades a cycle on the EA bars: lots from units, SL/TP on the position, stop re-attached by modify, exit by close', async () => {
    const eurusd = fxBars('EURUSD');
    const gbpusd = fxBars('GBPUSD');
    expect((await ea.heartbeat()).status).toBe(200);
    expect((await ea.bars('EURUSD', eurusd)).json).toMatchObject({ ok: true, accepted: 90 });
    // An older EA posts bars without the contract: its symbol must not be traded.
    expect((await ea.bars('GBPUSD', gbpusd, null)).json).toMatchObject({ ok: true, accepted: 90 });

    const lastClose = { EURUSD: eurusd.at(-1)!.c, GBPUSD: gbpusd.at(-1)!.c } as Record<string, number>;
    const route = agreeingRoute((request: RouteRequest) => {
      const symbol = symbolOf(request);
      return buyAtMarket(symbol, lastClose[symbol]!, { stop: 0.99, target: 1.02, digits: 5, horizonBars: 5 });
    });
    const { config, session, close } = await openSession(route);
    try {
      expect(session.venue).toContain('MT5');
      const report = await session.cycle(new Date());
      const outcome = Object.fromEntries(report.candidates.map((each) => [each.symbol, each]));
      expect(outcome.EURUSD?.outcome).toBe('executed');
      // Fail closed: no contract size, no order; the reason names the fix.
      expect(outcome.GBPUSD?.outcome).toBe('rejected');
      expect(outcome.GBPUSD?.reasons.join(' ')).toMatch(
        /no contract size reported for GBPUSD.*SignetBridge 1\.1/,
      );
      const entryId = outcome.EURUSD!.clientOrderId!;
      const units = outcome.EURUSD!.qty;

      // The EA gets exactly one command: our id in the comment, lots rounded down to the step.
      const first = await ea.poll();
      expect(first.status).toBe(200);
      const open = first.command!;
      expect(open).toMatchObject({ action: 'open', symbol: 'EURUSD', side: 'buy', order_type: 'market' });
      expect(open.comment).toBe(entryId.slice(0, 31));
      const lots = Number(open.volume);
      expect(lots).toBe(Math.floor(units / 100_000 / 0.01 + 1e-9) / 100);
      expect(lots).toBeGreaterThanOrEqual(0.01);
      expect(open.sl).toBeCloseTo(lastClose.EURUSD! * 0.99, 5);
      expect(open.tp).toBeCloseTo(lastClose.EURUSD! * 1.02, 5);
      expect((await ea.poll()).status).toBe(204);

      const fillPrice = lastClose.EURUSD! + 0.00002;
      const ack = await ea.ack(String(open.command_id), {
        status: 'done',
        retcode: 10009,
        retcode_name: 'TRADE_RETCODE_DONE',
        order: 900001,
        deal: 800001,
        price: fillPrice,
        volume: lots,
        time_utc: Math.floor(Date.now() / 1000),
      });
      expect(ack.status).toBe(200);
      const entry = await db.store.query<{ client_order_id: string; status: string; filled_qty: number }>(
        `SELECT client_order_id, status, filled_qty FROM orders WHERE client_order_id LIKE $1 ORDER BY client_order_id`,
        [`${entryId}%`],
      );
      // The fill is in units; the bracket's legs are tracked and now work on the position.
      expect(entry.rows).toEqual([
        { client_order_id: entryId, status: 'filled', filled_qty: lots * 100_000 },
        { client_order_id: `${entryId}.sl`, status: 'open', filled_qty: 0 },
        { client_order_id: `${entryId}.tp`, status: 'open', filled_qty: 0 },
      ]);

      const position = {
        ticket: 5_550_001,
        symbol: 'EURUSD',
        type: 'buy' as const,
        volume: lots,
        price_open: fillPrice,
        sl: Number(open.sl),
        tp: Number(open.tp),
        magic: 20261121,
        opened: 1_763_649_601,
      };
      await ea.positions([position]);
      const broker = createMt5Broker(config, db.store);
      expect(await broker.positions()).toMatchObject([
        {
          symbol: 'EURUSD',
          qty: lots * 100_000,
          stopPriceOnPosition: Number(open.sl),
          // POSITION_TIME came on the server clock (+2 h): stored in UTC.
          openedAt: 1_763_649_601_000,
        },
      ]);
      const protectedPass = await session.monitor();
      expect(protectedPass).toMatchObject({ positions: 1, stopsMissing: [], actions: [] });
      const invariants = async () =>
        (await watchdogSees(config, broker)).find((result) => result.name === 'every_position_has_a_stop')!;
      expect((await invariants()).ok).toBe(true);

      // Someone removes the SL in the terminal: the watchdog sees it, the monitor puts it back.
      await ea.positions([{ ...position, sl: 0 }]);
      expect(await invariants()).toMatchObject({ ok: false, value: 'EURUSD' });
      const repair = await session.monitor();
      expect(repair.stopsMissing).toEqual(['EURUSD']);
      expect(repair.actions).toMatchObject([{ symbol: 'EURUSD', action: 'reattached' }]);
      // The watchdog asks too before the EA has acted: refused, so two stop prices never race.
      const second = await broker.submit({
        clientOrderId: 'wd.restop.EURUSD.1',
        symbol: 'EURUSD',
        side: 'sell',
        type: 'stop',
        stopPrice: 1.0,
        qty: lots * 100_000,
        leg: 'stop_loss',
      });
      expect(second.status).toBe('rejected');
      expect(second.reason).toMatch(/already on its way/);
      const modify = (await ea.poll()).command!;
      // The remembered stop (the entry's bracket), on the ticket, the target kept.
      expect(modify).toMatchObject({
        action: 'modify',
        symbol: 'EURUSD',
        position_ticket: 5_550_001,
        sl: Number(open.sl),
        tp: Number(open.tp),
      });
      await ea.ack(String(modify.command_id), { status: 'done', retcode: 10009 });
      await ea.positions([position]);
      expect((await invariants()).ok).toBe(true);
      expect((await session.monitor()).actions).toEqual([]);

      // An exit closes the ticket; the closing deal is recorded as a sell fill, in units.
      const exit = await broker.submit({
        clientOrderId: `${entryId}.exit`,
        symbol: 'EURUSD',
        side: 'sell',
        type: 'market',
        qty: lots * 100_000,
        leg: 'exit',
      });
      expect(exit.status).toBe('open');
      const close = (await ea.poll()).command!;
      expect(close).toMatchObject({ action: 'close', position_ticket: 5_550_001, side: 'sell' });
      await ea.ack(String(close.command_id), {
        status: 'done',
        retcode: 10009,
        deal: 800002,
        price: fillPrice + 0.001,
        volume: lots,
      });
      expect(await broker.getOrder(`${entryId}.exit`)).toMatchObject({
        status: 'filled',
        fillPrice: fillPrice + 0.001,
        qty: lots * 100_000,
      });
      const sells = await db.store.query<{ side: string; qty: number }>(
        `SELECT side, qty FROM fills WHERE client_order_id = $1`,
        [`${entryId}.exit`],
      );
      expect(sells.rows).toEqual([{ side: 'sell', qty: lots * 100_000 }]);
      await ea.positions([]);
      expect(await broker.positions()).toEqual([]);

      // The watchdog's flatten is one close_all command for the EA.
      await broker.closeAll('wd.flatten.test');
      await broker.closeAll('wd.flatten.test-again');
      const closeAll = (await ea.poll()).command!;
      expect(closeAll).toMatchObject({ action: 'close_all', scope: 'all' });
      // Asked again while the first is on its way: nothing more queued.
      expect((await ea.poll()).status).toBe(204);
      await ea.ack(String(closeAll.command_id), { status: 'done', retcode: 10009 });
      await broker.closeAll('wd.flatten.test-later');
      expect((await ea.poll()).command).toMatchObject({ action: 'close_all' });
    } finally {
      await close();
    }
  });

  it('cycles once per newly closed bar, and refuses orders while the terminal has trading disabled', async () => {
    const route = scriptedRoute({
      answers: {
        regime: { regime: 'ranging', bias: 'neutral', riskMultiplier: 1, rationale: 'flat' },
        strategist: { decision: 'no_trade', rationale: 'nothing to do', confidence: 0.5 },
        'fact-checker': { verdict: 'sign', reasons: ['ok'] },
        'double-checker': { verdict: 'sign', reasons: ['ok'] },
      },
    });
    const { config, session, close } = await openSession(route);
    try {
      // The first look only notes the newest bar; the same bar again runs nothing.
      expect(await session.cycleOnNewBar()).toBeUndefined();
      expect(await session.cycleOnNewBar()).toBeUndefined();
      const next = fxBars('EURUSD').at(-1)!;
      const newBar = { ...next, t: next.t + fiveMinutes };
      const t0 = Date.now();
      await ea.bars('EURUSD', [newBar]);
      // GBPUSD's EA has not posted that bar yet: the cycle waits for it, up to the grace.
      expect(await session.cycleOnNewBar(t0)).toBeUndefined();
      expect(await session.cycleOnNewBar(t0 + config.broker.mt5.newBarGraceMs - 1)).toBeUndefined();
      const late = await session.cycleOnNewBar(t0 + config.broker.mt5.newBarGraceMs);
      expect(late?.cycleId).toContain(new Date(newBar.t * 1000).toISOString().slice(0, 16));
      expect(await session.cycleOnNewBar()).toBeUndefined();
      // Both symbols post the next bar: the cycle runs at once.
      const after = { ...newBar, t: newBar.t + fiveMinutes };
      await ea.bars(
        'GBPUSD',
        [{ ...newBar, c: newBar.c * 1.2, o: newBar.o * 1.2, h: newBar.h * 1.2, l: newBar.l * 1.2 }],
        null,
      );
      await ea.bars(
        'GBPUSD',
        [{ ...after, c: after.c * 1.2, o: after.o * 1.2, h: after.h * 1.2, l: after.l * 1.2 }],
        null,
      );
      await ea.bars('EURUSD', [after]);
      const prompt = await session.cycleOnNewBar(t0);
      expect(prompt?.cycleId).toContain(new Date(after.t * 1000).toISOString().slice(0, 16));

      // A real-money account takes entries only after `signet start --live`.
      ea.tradeMode = 2;
      await ea.heartbeat();
      const entry = {
        symbol: 'EURUSD',
        side: 'buy' as const,
        type: 'market' as const,
        qty: 10_000,
        bracket: { stopLoss: 1.09 },
      };
      const real = await createMt5Broker(config, db.store).submit({
        ...entry,
        clientOrderId: 'manual-EURUSD-0',
      });
      expect(real).toMatchObject({ status: 'rejected' });
      expect(real.reason).toMatch(/real-money account: start Signet with --live/);
      const live = await createMt5Broker(config, db.store, { liveConfirmed: true }).submit({
        ...entry,
        clientOrderId: 'manual-EURUSD-00',
      });
      expect(live.status).toBe('open');
      expect((await ea.poll()).command).toMatchObject({ action: 'open', comment: 'manual-EURUSD-00' });
      ea.tradeMode = 0;

      ea.tradeAllowed = false;
      await ea.heartbeat();
      const refused = await createMt5Broker(config, db.store).submit({
        clientOrderId: 'manual-EURUSD-1',
        symbol: 'EURUSD',
        side: 'buy',
        type: 'market',
        qty: 10_000,
        bracket: { stopLoss: 1.09 },
      });
      expect(refused).toMatchObject({ status: 'rejected' });
      expect(refused.reason).toMatch(/trading disabled/);
      expect((await ea.poll()).status).toBe(204);
    } finally {
      ea.tradeAllowed = true;
      await close();
    }
  });

  it('the watchdog sees a hand-opened position, a silent EA (staleBrokerLevel) and an EA that never connected (shown, no halt)', async () => {
    const config = mt5Config('context');
    const report = (broker: Mt5Broker) => watchdogSees(config, broker);
    await ea.heartbeat();
    // A position opened by hand in the terminal: no order of ours explains it.
    await ea.positions([
      { ticket: 7_770_001, symbol: 'USDJPY', type: 'buy', volume: 0.05, price_open: 150.1, sl: 149 },
    ]);
    expect(
      (await report(createMt5Broker(config, db.store))).find((each) => each.name === 'positions_explained'),
    ).toMatchObject({ ok: false, level: config.watchdog.unexplainedPositionLevel, value: 'USDJPY 0.05' });
    await ea.positions([]);
    const beat = `heartbeat:mt5:${ea.terminalId}`;
    expect((await report(createMt5Broker(config, db.store))).find((each) => each.name === beat)?.ok).toBe(
      true,
    );
    // Thirty seconds without a beat (the EA promised one every ten).
    await db.store.query(`UPDATE heartbeats SET beat_at = now() - interval '30 seconds' WHERE name = $1`, [
      `mt5:${ea.terminalId}`,
    ]);
    expect(
      (await report(createMt5Broker(config, db.store))).find((each) => each.name === beat),
    ).toMatchObject({
      ok: false,
      level: config.watchdog.staleBrokerLevel,
    });
    const elsewhere: Config = {
      ...config,
      broker: { ...config.broker, mt5: { ...config.broker.mt5, terminalId: '99999@Nowhere-Demo' } },
    };
    const unreached = (await report(createMt5Broker(elsewhere, db.store))).find(
      (each) => each.name === 'broker_reachable',
    );
    expect(unreached).toMatchObject({ ok: false, level: 0 });
    expect(unreached?.detail).toContain('99999@Nowhere-Demo');
    await ea.heartbeat();
  });

  it('deals the EA reports (an SL hit, a close by hand) become fills: the leg fills, its sibling is cancelled, once', async () => {
    const config = mt5Config('context');
    const broker = createMt5Broker(config, db.store);
    await ea.heartbeat();
    await ea.bars('EURUSD', fxBars('EURUSD').slice(-5));
    // The market at the fill price below, so the trade server's stops check sees that price.
    ea.quotes.EURUSD = { bid: 1.1, ask: 1.10006 };
    const entry = await broker.submit({
      clientOrderId: 'deal-EURUSD-1',
      symbol: 'EURUSD',
      side: 'buy',
      type: 'market',
      qty: 20_000,
      bracket: { stopLoss: 1.09, takeProfit: 1.13 },
    });
    expect(entry.linkedClientOrderIds).toEqual(['deal-EURUSD-1.sl', 'deal-EURUSD-1.tp']);
    const open = (await ea.poll()).command!;
    await ea.ack(String(open.command_id), {
      status: 'done',
      retcode: 10009,
      order: 910001,
      deal: 810001,
      price: 1.1,
      volume: 0.2,
    });
    // The server triggers the stop: the EA reports the closing deal (position id = the opening order).
    const slDeal = {
      ticket: 810002,
      order: 910002,
      position_id: 910001,
      symbol: 'EURUSD',
      type: 'sell',
      volume: 0.2,
      price: 1.09,
      profit: -200,
      time_server: 1_763_660_000 + ea.serverUtcOffsetS,
      reason: 'sl',
    };
    const post = (deals: unknown[]) =>
      ea.post('/deals', {
        msg_id: ea.msgId(),
        terminal_id: ea.terminalId,
        server_utc_offset_s: ea.serverUtcOffsetS,
        deals,
      });
    expect((await post([slDeal])).json).toEqual({ ok: true, recorded: 1, duplicates: 0 });
    const legs = await db.store.query<{ client_order_id: string; status: string; filled_qty: number }>(
      `SELECT client_order_id, status, filled_qty FROM orders WHERE parent_client_order_id = 'deal-EURUSD-1' ORDER BY client_order_id`,
    );
    expect(legs.rows).toEqual([
      { client_order_id: 'deal-EURUSD-1.sl', status: 'filled', filled_qty: 20_000 },
      { client_order_id: 'deal-EURUSD-1.tp', status: 'cancelled', filled_qty: 0 },
    ]);
    const fill = await db.store.query<{ side: string; qty: number; price: number; ts: Date }>(
      `SELECT side, qty, price, ts FROM fills WHERE broker_fill_id = '810002'`,
    );
    expect(fill.rows).toEqual([{ side: 'sell', qty: 20_000, price: 1.09, ts: new Date(1_763_660_000_000) }]);
    // Sent again on the next timer tick (same second): nothing twice.
    expect((await post([slDeal])).json).toEqual({ ok: true, recorded: 0, duplicates: 1 });
    // A position closed by hand in the terminal: its fill gets an exit order of its own.
    const byHand = {
      ...slDeal,
      ticket: 810003,
      order: 910003,
      position_id: 999999,
      reason: 'client',
      price: 1.1,
    };
    expect((await post([byHand])).json).toMatchObject({ recorded: 1 });
    expect(await broker.getOrder('mt5-deal-810003')).toMatchObject({
      leg: 'exit',
      status: 'filled',
      qty: 20_000,
    });
    // Both deals are told on the bus as every venue's fills are (order.filled, once each).
    const told = await db.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'order.filled'
          AND payload->>'clientOrderId' IN ('deal-EURUSD-1.sl', 'mt5-deal-810003')`,
    );
    expect(told.rows[0]?.n).toBe(2);
    // Our own close, whose deal the EA reports before its (retried) acknowledgement arrives: the
    // fill ends up on our exit order, once, and the placeholder is gone.
    const reentry = await broker.submit({
      clientOrderId: 'deal-EURUSD-2',
      symbol: 'EURUSD',
      side: 'buy',
      type: 'market',
      qty: 20_000,
      bracket: { stopLoss: 1.09 },
    });
    expect(reentry.status).toBe('open');
    const reopen = (await ea.poll()).command!;
    await ea.ack(String(reopen.command_id), {
      status: 'done',
      retcode: 10009,
      order: 920001,
      deal: 820001,
      price: 1.1,
      volume: 0.2,
    });
    await ea.positions([
      { ticket: 920001, symbol: 'EURUSD', type: 'buy', volume: 0.2, price_open: 1.1, sl: 1.09 },
    ]);
    await broker.submit({
      clientOrderId: 'deal-EURUSD-2.exit',
      symbol: 'EURUSD',
      side: 'sell',
      type: 'market',
      qty: 20_000,
      leg: 'exit',
    });
    const close = (await ea.poll()).command!;
    await post([
      { ...slDeal, ticket: 820002, order: 920002, position_id: 920001, reason: 'expert', price: 1.105 },
    ]);
    await ea.ack(String(close.command_id), {
      status: 'done',
      retcode: 10009,
      order: 920002,
      deal: 820002,
      price: 1.105,
      volume: 0.2,
    });
    expect(await broker.getOrder('deal-EURUSD-2.exit')).toMatchObject({
      status: 'filled',
      qty: 20_000,
      fillPrice: 1.105,
    });
    expect(await broker.getOrder('mt5-deal-820002')).toBeUndefined();
    const once = await db.store.query(`SELECT client_order_id FROM fills WHERE broker_fill_id = '820002'`);
    expect(once.rows).toEqual([{ client_order_id: 'deal-EURUSD-2.exit' }]);
  });
});
