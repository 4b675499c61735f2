import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig, Secret } from '../src/config/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { generateSimSeries } from '../src/market/index.ts';
import { MarketSession, SimSession } from '../src/runtime/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { alpacaFakeConfig } from './fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingShortRoute, sellAtMarket, symbolOf } from './support/scripted-route.ts';
import { simSessionConfig } from './support/sim-config.ts';
import { type EaBar, SimulatedEa } from './support/simulated-ea.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * Issue 21, item 1: while strategist.allowShort is false, a sell entry proposed by the LLM
 * Strategist (whose schema allows `side: sell`) is vetoed by the Risk Gate in code on every
 * venue, with the reason journaled, and no order request reaches the broker.
 */

const logger = silentLogger();
const day = 86_400_000;
const vetoReason = 'short entries are not allowed (strategist.allowShort is false): a sell entry is vetoed';
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

/** Every sell proposal the route made was vetoed by the Risk Gate with the short reason, journaled. */
async function expectShortVetoJournaled(db: TestDatabase, contextDir: string, symbols: readonly string[]) {
  const vetoes = await db.store.query<{ symbol: string; summary: string; path: string }>(
    `SELECT symbol, summary::text AS summary, path FROM agent_journal WHERE outcome = 'vetoed' ORDER BY symbol`,
  );
  expect(vetoes.rows.map((row) => row.symbol)).toEqual([...symbols].sort());
  for (const row of vetoes.rows) {
    expect(JSON.parse(row.summary)).toMatchObject({ signatures: { 'risk-gate': 'veto' } });
    expect(readFileSync(path.join(contextDir, row.path), 'utf8')).toContain(vetoReason);
  }
  const orders = await db.store.query('SELECT 1 FROM orders');
  expect(orders.rowCount).toBe(0);
}

function sellRoute(lastClose: Record<string, number>, digits = 2) {
  return agreeingShortRoute((request: RouteRequest) => {
    const symbol = symbolOf(request);
    return sellAtMarket(symbol, lastClose[symbol]!, { stop: 1.03, target: 0.94, digits, horizonBars: 5 });
  });
}

describe('short entries are refused in code while strategist.allowShort is false', () => {
  it('config: allowShort is false unless set', () => {
    const config = loadConfig({ env: {}, file: '/dev/null' });
    expect(config.strategist.allowShort).toBe(false);
  });

  it('paper (sim mode): an LLM sell is vetoed, the paper broker gets no order', async () => {
    const db = await freshDatabase();
    const { config, contextDir } = simSessionConfig(
      'short-paper',
      { seed: 3, symbols: ['AAA', 'BBB'], bars: 90, warmupBars: 60 },
      { maxCorrelation: 1 },
    );
    const route = agreeingShortRoute((request: RouteRequest) => {
      const last = Number(/"last": ([\d.]+)/.exec(request.messages[0]!.content)![1]);
      return sellAtMarket(symbolOf(request), last, { stop: 1.03, target: 0.94 });
    });
    const bus = new Bus({ store: db.store, logger });
    const agents = await scriptedAgents(db.store, [route]);
    const { session } = await SimSession.open({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      runId: 'short-paper',
    });
    try {
      const step = await session.step();
      expect(step.outcomes.map((outcome) => outcome.outcome)).toEqual(['vetoed', 'vetoed']);
      expect(route.calls.filter((call) => call.skill === 'strategist')).toHaveLength(2);
      expect(session.broker.workingOrders()).toEqual([]);
      expect(session.broker.trades).toEqual([]);
      expect(session.broker.positions()).toEqual([]);
      await expectShortVetoJournaled(db, contextDir, ['AAA', 'BBB']);
      for (const outcome of step.outcomes) expect(outcome.reasons).toEqual([`risk-gate: ${vetoReason}`]);
    } finally {
      agents.skills.close();
      await bus.stop();
    }
  });

  describe('Alpaca (strict fake)', () => {
    let fake: AlpacaFake;
    beforeAll(async () => {
      fake = await startAlpacaFake();
    });
    afterAll(async () => {
      await fake.close();
    });

    it('an LLM sell is vetoed: the fake counts zero order requests', async () => {
      const db = await freshDatabase();
      const symbols = ['AAA', 'BBB'];
      const today = Math.floor(Date.now() / day) * day;
      const lastClose: Record<string, number> = {};
      for (const symbol of symbols) {
        const series = generateSimSeries({ seed: 21, bars: 90, symbols }, symbol);
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
        lastClose[symbol] = series.close[series.length - 1]!;
        fake.control.setPrice(symbol, lastClose[symbol]!);
      }
      const base = alpacaFakeConfig(fake, symbols);
      const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-short-alpaca-'));
      const config: Config = { ...base, paths: { ...base.paths, contextDir } };
      const route = sellRoute(lastClose);
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
      try {
        const report = await session.cycle(new Date());
        expect(report.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed', 'vetoed']);
        expect(route.calls.filter((call) => call.skill === 'strategist')).toHaveLength(2);
        expect(fake.control.countRequests('POST', '/v2/orders')).toBe(0);
        expect(fake.control.state().orders).toEqual([]);
        await expectShortVetoJournaled(db, contextDir, symbols);
        for (const candidate of report.candidates)
          expect(candidate.reasons).toEqual([`risk-gate: ${vetoReason}`]);
      } finally {
        await session.stop();
        agents.skills.close();
        await bus.stop();
      }
    });
  });

  describe('MetaTrader 5 (simulated EA over HTTP)', () => {
    const token = 'short-refused-bridge-token';
    let db: TestDatabase;
    let server: Awaited<ReturnType<typeof createIngressServer>>;
    beforeAll(async () => {
      db = await freshDatabase();
      server = await createIngressServer({
        store: db.store,
        token: new Secret(token),
        logger,
        heartbeatIntervalMs: 10_000,
        pollIntervalS: 2,
      });
    });
    afterAll(async () => {
      await server.close();
    });

    it('an LLM sell is vetoed: the EA is sent zero commands', async () => {
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
      expect((await ea.heartbeat()).status).toBe(200);
      expect((await ea.bars('EURUSD', bars)).json).toMatchObject({ ok: true, accepted: 90 });
      const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-short-mt5-'));
      const config = loadConfig({
        env: { SIGNET_MT5_TOKEN: token },
        file: '/dev/null',
        overrides: {
          broker: { kind: 'mt5', mt5: { symbols: ['EURUSD'] } } as never,
          paths: { contextDir } as never,
        },
      });
      const route = sellRoute({ EURUSD: bars.at(-1)!.c }, 5);
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
      try {
        const report = await session.cycle(new Date());
        expect(report.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed']);
        expect(route.calls.filter((call) => call.skill === 'strategist')).toHaveLength(1);
        expect((await ea.poll()).status).toBe(204);
        const commands = await db.store.query('SELECT 1 FROM mt5_commands');
        expect(commands.rowCount).toBe(0);
        await expectShortVetoJournaled(db, contextDir, ['EURUSD']);
      } finally {
        await session.stop();
        agents.skills.close();
        await bus.stop();
      }
    });
  });
});
