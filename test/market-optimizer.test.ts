import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus, isTopicName, payloadSchemas } from '../src/bus/index.ts';
import { type Config, loadConfig, Secret } from '../src/config/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { generateSimSeries } from '../src/market/index.ts';
import { type OptimizerReport, runOptimizer } from '../src/optimizer/index.ts';
import { MarketSession } from '../src/runtime/index.ts';
import type { Store } from '../src/store/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { alpacaFakeConfig } from './fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { buyAtMarket, scriptedRoute, symbolOf } from './support/scripted-route.ts';
import { type EaBar, SimulatedEa } from './support/simulated-ea.ts';
import { walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

/**
 * A round trip on a real venue's protocol (the strict Alpaca fake, the simulated MT5 EA) in
 * market mode reaches the self-optimizer's report exactly as a sim round trip does: the fills,
 * the closed trade with its P&L, and a reflection appended to the exit's journal entry.
 */

const logger = silentLogger();
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

const reflection = 'Scripted reflection: the stop did its job.';

function roundTripRoute(
  lastClose: Record<string, number>,
  plan: { stop: number; target: number; digits?: number },
) {
  return scriptedRoute({
    answers: {
      regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'up' },
      strategist: (request: RouteRequest) => {
        const symbol = symbolOf(request);
        return buyAtMarket(symbol, lastClose[symbol]!, { ...plan, horizonBars: 5 });
      },
      'fact-checker': { verdict: 'sign', reasons: ['ok'] },
      'double-checker': { verdict: 'sign', reasons: ['ok'] },
      reflection: { reflection },
    },
  });
}

async function messages(store: Store, topic: string) {
  return (
    await store.query<{ payload: Record<string, unknown>; cycle_id: string | null }>(
      'SELECT payload, cycle_id FROM agent_messages WHERE topic = $1 ORDER BY id',
      [topic],
    )
  ).rows;
}

/** Waits for the exit entry the session journals from `position.closed`. */
async function exitJournaled(store: Store): Promise<void> {
  await waitFor(
    async () =>
      ((await store.query("SELECT 1 FROM agent_journal WHERE outcome = 'exited'")).rowCount ?? 0) > 0,
    'the exit journal entry',
    15_000,
  );
}

/** The report's view of one round trip, checked against the bus (as test/optimizer-report.test.ts does for the sim). */
async function expectRoundTripInReport(
  db: TestDatabase,
  config: Config,
  agents: Awaited<ReturnType<typeof scriptedAgents>>,
  expected: { broker: string; symbol: string; entryId: string; exitLeg: string },
): Promise<OptimizerReport> {
  const fills = await messages(db.store, 'order.filled');
  const closed = await messages(db.store, 'position.closed');
  expect(fills.map((fill) => [fill.payload.clientOrderId, fill.payload.leg, fill.payload.broker])).toEqual([
    [expected.entryId, 'entry', expected.broker],
    [
      expect.stringMatching(new RegExp(`^${expected.entryId}\\.|^mt5-deal-`)),
      expected.exitLeg,
      expected.broker,
    ],
  ]);
  expect(fills.map((fill) => fill.payload.positionAfter)).toEqual([fills[0]!.payload.qty, 0]);
  expect(closed).toHaveLength(1);
  const trade = closed[0]!.payload;
  expect(trade).toMatchObject({
    symbol: expected.symbol,
    entryClientOrderId: expected.entryId,
    exitLeg: expected.exitLeg,
    broker: expected.broker,
    entryPrice: fills[0]!.payload.price,
    exitPrice: fills[1]!.payload.price,
    qty: fills[0]!.payload.qty,
  });
  const pnl = (Number(trade.exitPrice) - Number(trade.entryPrice)) * Number(trade.qty);
  expect(Number(trade.pnl)).toBeCloseTo(pnl, 6);
  // Linked to the cycle whose proposal opened it, like the paper broker's.
  expect(closed[0]!.cycle_id).toBe(fills[0]!.cycle_id);
  expect(fills[0]!.cycle_id).not.toBeNull();

  // Every message the round trip put on the bus is a catalog topic whose schema reads its payload.
  const stored = await db.store.query<{ topic: string; payload: unknown }>(
    'SELECT topic, payload FROM agent_messages ORDER BY id',
  );
  for (const message of stored.rows) {
    expect(isTopicName(message.topic), message.topic).toBe(true);
    if (isTopicName(message.topic))
      expect(payloadSchemas[message.topic].safeParse(message.payload).success, message.topic).toBe(true);
  }

  const bus = new Bus({ store: db.store, logger });
  try {
    const day = new Date(Number(trade.exitTime)).toISOString().slice(0, 10);
    const first = new Date(Number(trade.entryTime)).toISOString().slice(0, 10);
    const { report, files } = await runOptimizer(
      { store: db.store, bus, config, logger, agents },
      {
        from: first,
        to: day,
      },
    );
    // The fills and the closed trade, attributed to the strategist's proposal.
    expect(report.activity.entryFills).toBe(1);
    expect(report.activity.pnl).toBeCloseTo(pnl, 2);
    const strategy = report.strategies.find((each) => each.entryFills === 1);
    expect(strategy?.key).toMatch(/^strategist@.* \(llm\)$/);
    expect(strategy).toMatchObject({ closedTrades: 1, wins: pnl > 0 ? 1 : 0 });
    expect(strategy!.pnl).toBeCloseTo(pnl, 2);
    expect(strategy!.averageR).not.toBeNull();
    // The reflection, appended to the exit's journal entry.
    expect(report.reflections).toEqual([
      expect.objectContaining({ symbol: expected.symbol, status: 'appended', decidedBy: 'llm' }),
    ]);
    const entry = readFileSync(path.join(config.paths.contextDir, report.reflections[0]!.path), 'utf8');
    expect(entry.match(/## Resolution: reflection/g)).toHaveLength(1);
    expect(entry).toContain(reflection);
    expect(readFileSync(files.markdown, 'utf8')).toContain(
      `| ${report.reflections[0]!.path} | ${expected.symbol} |`,
    );
    return report;
  } finally {
    await bus.stop();
  }
}

describe('a market-mode round trip reaches the self-optimizer report', () => {
  let fake: AlpacaFake;
  beforeAll(async () => {
    fake = await startAlpacaFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('on Alpaca (strict fake): bracket entry filled by the stream, stop hit, fills, closed trade and reflection in the report', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const symbol = 'AAA';
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const series = generateSimSeries({ seed: 21, bars: 90, symbols: [symbol] }, symbol);
    fake.control.setBars(
      symbol,
      Array.from({ length: series.length }, (_, index) => ({
        t: new Date(today - (series.length - index) * day).toISOString(),
        o: series.open[index]!,
        h: series.high[index]!,
        l: series.low[index]!,
        c: series.close[index]!,
        v: series.volume[index]!,
      })),
    );
    const lastClose = { [symbol]: series.close[series.length - 1]! };
    fake.control.setPrice(symbol, lastClose[symbol]!);
    const base = alpacaFakeConfig(fake, [symbol]);
    const config: Config = {
      ...base,
      paths: { ...base.paths, contextDir: walkableTempDir(path.join(tmpdir(), 'signet-alpaca-opt-')) },
    };
    const agents = await scriptedAgents(db.store, [roundTripRoute(lastClose, { stop: 0.95, target: 1.1 })]);
    const bus = new Bus({ store: db.store, logger });
    const { session } = await MarketSession.open({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      liveConfirmed: false,
    });
    try {
      const report = await session.cycle(new Date());
      expect(report.candidates.map((each) => each.outcome)).toEqual(['executed']);
      const entryId = report.candidates[0]!.clientOrderId!;
      await waitFor(
        async () => (await messages(db.store, 'order.filled')).length === 1,
        'the entry fill on the bus',
        15_000,
      );
      // The price falls through the stop: Alpaca fills the stop leg and streams it.
      fake.control.setPrice(symbol, Number((lastClose[symbol]! * 0.9).toFixed(2)));
      await exitJournaled(db.store);
      await expectRoundTripInReport(db, config, agents, {
        broker: 'alpaca',
        symbol,
        entryId,
        exitLeg: 'stop_loss',
      });
    } finally {
      await session.stop();
      agents.skills.close();
      await bus.stop();
    }
  });
});

describe('a market-mode round trip on MT5 reaches the self-optimizer report', () => {
  const token = 'mt5-optimizer-bridge-token';

  it('on the simulated EA: entry acknowledged, the server hits the SL, fills, closed trade and reflection in the report', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const server = await createIngressServer({
      store: db.store,
      token: new Secret(token),
      logger,
      heartbeatIntervalMs: 10_000,
      pollIntervalS: 2,
    });
    const ea = new SimulatedEa(server.url, token);
    ea.account = { balance: 100_000, equity: 100_000, margin_free: 99_000 };
    const fiveMinutes = 300;
    const series = generateSimSeries({ seed: 7, bars: 90, symbols: ['EURUSD'] }, 'EURUSD');
    const scale = 1.1 / series.close[0]!;
    const last = Math.floor(Date.now() / 1000 / fiveMinutes) * fiveMinutes - fiveMinutes;
    const bars: EaBar[] = Array.from({ length: series.length }, (_, index) => ({
      t: last - (series.length - 1 - index) * fiveMinutes,
      o: Number((series.open[index]! * scale).toFixed(5)),
      h: Number((series.high[index]! * scale).toFixed(5)),
      l: Number((series.low[index]! * scale).toFixed(5)),
      c: Number((series.close[index]! * scale).toFixed(5)),
    }));
    await ea.heartbeat();
    await ea.bars('EURUSD', bars);
    const lastClose = { EURUSD: bars.at(-1)!.c };
    const config = loadConfig({
      env: { SIGNET_MT5_TOKEN: token },
      file: '/dev/null',
      overrides: {
        broker: { kind: 'mt5', mt5: { symbols: ['EURUSD'] } } as never,
        paths: { contextDir: walkableTempDir(path.join(tmpdir(), 'signet-mt5-opt-')) } as never,
      },
    });
    const agents = await scriptedAgents(db.store, [
      roundTripRoute(lastClose, { stop: 0.99, target: 1.02, digits: 5 }),
    ]);
    const bus = new Bus({ store: db.store, logger });
    const { session } = await MarketSession.open({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      liveConfirmed: false,
    });
    try {
      const report = await session.cycle(new Date());
      expect(report.candidates.map((each) => each.outcome)).toEqual(['executed']);
      const entryId = report.candidates[0]!.clientOrderId!;
      const open = (await ea.poll()).command!;
      expect(open).toMatchObject({ action: 'open', symbol: 'EURUSD', side: 'buy' });
      const lots = Number(open.volume);
      const fillPrice = lastClose.EURUSD + 0.00002;
      const openedAt = Math.floor(Date.now() / 1000) - 60;
      await ea.ack(String(open.command_id), {
        status: 'done',
        retcode: 10009,
        order: 930001,
        deal: 830001,
        price: fillPrice,
        volume: lots,
        time_utc: openedAt,
      });
      await ea.positions([
        {
          ticket: 930001,
          symbol: 'EURUSD',
          type: 'buy',
          volume: lots,
          price_open: fillPrice,
          sl: Number(open.sl),
          tp: Number(open.tp),
        },
      ]);
      // The server triggers the stop-loss: the EA reports the closing deal, then no position.
      const dealPosted = await ea.post('/deals', {
        msg_id: ea.msgId(),
        terminal_id: ea.terminalId,
        server_utc_offset_s: ea.serverUtcOffsetS,
        deals: [
          {
            ticket: 830002,
            order: 930002,
            position_id: 930001,
            symbol: 'EURUSD',
            type: 'sell',
            volume: lots,
            price: Number(open.sl),
            time_server: openedAt + 30 + ea.serverUtcOffsetS,
            reason: 'sl',
          },
        ],
      });
      expect(dealPosted.json).toMatchObject({ ok: true, recorded: 1 });
      await ea.positions([]);
      await exitJournaled(db.store);
      await expectRoundTripInReport(db, config, agents, {
        broker: 'mt5',
        symbol: 'EURUSD',
        entryId,
        exitLeg: 'stop_loss',
      });
    } finally {
      await session.stop();
      agents.skills.close();
      await bus.stop();
      await server.close();
    }
  });
});
