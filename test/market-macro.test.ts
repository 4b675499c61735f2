import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import type { Config } from '../src/config/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { generateSimSeries } from '../src/market/index.ts';
import { MarketSession } from '../src/runtime/index.ts';
import { alpacaFakeConfig } from './fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingRoute, buyAtMarket, symbolOf } from './support/scripted-route.ts';
import { walkableTempDir } from './support/temp.ts';

const logger = silentLogger();
let db: TestDatabase;
let fake: AlpacaFake;
beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startAlpacaFake();
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

const day = 86_400_000;

type Row = { id: string; cycle_id: string; payload: Record<string, unknown> };

describe("market mode: the Macro Officer's index and sectors come from the venue's feed", () => {
  it('SPY and XLK are loaded apart from the traded symbols, read by the Macro Officer, never screened or traded; a restart keeps the day', async () => {
    const traded = ['AAA', 'BBB'];
    const today = Math.floor(Date.now() / day) * day;
    const lastClose: Record<string, number> = {};
    // SPY's history is its own (seed 77), so its close differs from any traded symbol's.
    for (const [symbol, seed] of [
      ['AAA', 21],
      ['BBB', 22],
      ['SPY', 77],
      ['XLK', 78],
    ] as const) {
      const series = generateSimSeries({ seed, bars: 260, symbols: [symbol] }, symbol);
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
    const base = alpacaFakeConfig(fake, traded);
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-market-macro-'));
    const config: Config = {
      ...base,
      paths: { ...base.paths, contextDir },
      schedule: { ...base.schedule, historyDays: 400 },
      macro: { ...base.macro, index: 'SPY', sectors: ['XLK'] },
      pipeline: { ...base.pipeline, topK: 5 },
    };
    const route = agreeingRoute((request: RouteRequest) => {
      const symbol = symbolOf(request);
      return buyAtMarket(symbol, lastClose[symbol]!, { stop: 0.95, target: 1.1, horizonBars: 5 });
    });
    const bus = new Bus({ store: db.store, logger });
    const agents = await scriptedAgents(db.store, [route]);
    const open = async () =>
      (await MarketSession.open({ config, store: db.store, bus, logger, agents, liveConfirmed: false }))
        .session;
    const rows = async (topic: string) =>
      (
        await db.store.query<Row>(
          'SELECT id, cycle_id, payload FROM agent_messages WHERE topic = $1 ORDER BY id',
          [topic],
        )
      ).rows;

    const session = await open();
    try {
      const report = await session.cycle(new Date());
      // The macro symbols went to the data API in their own request, not with the traded ones.
      const barRequests = fake.control.requests
        .filter((request) => request.path === '/v2/stocks/bars')
        .map((request) => new URLSearchParams(request.query).get('symbols'));
      expect(barRequests).toContain('SPY,XLK');
      expect(barRequests.every((symbols) => symbols === 'SPY,XLK' || !/SPY|XLK/.test(symbols ?? ''))).toBe(
        true,
      );
      // The Macro Officer read SPY's bars from the feed (its last close) and XLK as a sector.
      const asked = route.calls.filter((call) => call.skill === 'macro-officer');
      expect(asked).toHaveLength(1);
      const prompt = asked[0]!.request.messages[0]!.content;
      expect(prompt).toContain('"symbol": "SPY"');
      expect(prompt).toContain('"synthetic": false');
      expect(prompt).toContain(String(lastClose.SPY));
      expect(prompt).toContain('"symbol": "XLK"');
      const [view] = await rows('macro.view');
      expect(view?.payload).toMatchObject({
        index: 'SPY',
        synthetic: false,
        source: 'venue-feed',
        desk: 'alpaca',
      });
      // SPY and XLK are never candidates: not in the cycle's symbols, the screen, or an order.
      const [started] = await rows('cycle.started');
      expect((started!.payload as { symbols: string[] }).symbols.sort()).toEqual(traded);
      const [screened] = await rows('screen.result');
      const candidates = (screened!.payload as { candidates: Array<{ symbol: string }> }).candidates;
      expect(candidates.map((candidate) => candidate.symbol).sort()).toEqual(traded);
      expect(report.candidates.map((candidate) => candidate.symbol).sort()).toEqual(traded);
      const macroOrders = await db.store.query("SELECT 1 FROM orders WHERE symbol IN ('SPY', 'XLK')");
      expect(macroOrders.rowCount).toBe(0);
      expect(fake.control.state().orders.some((order) => ['SPY', 'XLK'].includes(String(order.symbol)))).toBe(
        false,
      );
      // The CEO's entry for the day says which index the Macro Officer read.
      const entry = await db.store.query<{ path: string }>(
        "SELECT path FROM agent_journal WHERE agent = 'ceo' ORDER BY id LIMIT 1",
      );
      const text = readFileSync(path.resolve(contextDir, entry.rows[0]!.path), 'utf8');
      expect(text).toContain("macro-officer: read SPY from the venue's feed");
    } finally {
      await session.stop();
    }

    // A restart the same day: the day's view and budget are read back, nobody is asked again.
    const restarted = await open();
    try {
      await restarted.cycle(new Date(Date.now() + 60_000));
      expect(route.calls.filter((call) => call.skill === 'macro-officer')).toHaveLength(1);
      expect(route.calls.filter((call) => call.skill === 'ceo')).toHaveLength(1);
      const [directive] = await rows('ceo.directive');
      const budgets = await rows('ceo.budget');
      expect(budgets).toHaveLength(2);
      expect(budgets[1]!.payload).toMatchObject({
        directiveId: Number(directive!.id),
        newPositionsToday: 2,
      });
    } finally {
      await restarted.stop();
    }
  });
});
