import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { generateSimSeries } from '../src/market/index.ts';
import { MarketSession, runPipelineBacktest } from '../src/runtime/index.ts';
import { alpacaFakeConfig } from './fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingShortRoute, sellAtMarket, symbolOf } from './support/scripted-route.ts';
import { walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

/**
 * Issue 21: the LLM Strategist sells short. With strategist.allowShort false the full-pipeline
 * backtest vetoes every sell in code; with it true the same sells become shorts end to end, in
 * the backtest's paper broker and on Alpaca (strict fake), each with a buy stop above it.
 */

const logger = silentLogger();
const day = 86_400_000;
const vetoReason = 'short entries are not allowed (strategist.allowShort is false): a sell entry is vetoed';
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** Sells at the prompt's last close, the stop 4 % above and the target 8 % below. */
const sellEverything = () =>
  agreeingShortRoute((request: RouteRequest) => {
    const last = Number(/"last": ([\d.]+)/.exec(request.messages[0]!.content)![1]);
    return sellAtMarket(symbolOf(request), last, { stop: 1.04, target: 0.92, horizonBars: 5 });
  });

async function backtest(allowShort: boolean, runId: string) {
  const base = loadConfig({ env: {}, file: '/dev/null' });
  const config: Config = {
    ...base,
    strategist: { ...base.strategist, allowShort },
    risk: { ...base.risk, maxCorrelation: 1 },
  };
  const series = ['AAA', 'BBB'].map((symbol) =>
    generateSimSeries({ seed: 5, bars: 75, symbols: ['AAA', 'BBB'] }, symbol),
  );
  const bus = new Bus({ store: db.store, logger });
  const agents = await scriptedAgents(db.store, [sellEverything()]);
  try {
    return await runPipelineBacktest({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      series,
      runId,
      warmupBars: 60,
      journalRoot: walkableTempDir(path.join(tmpdir(), `signet-${runId}-`)),
      deciders: 'scripted',
    });
  } finally {
    agents.skills.close();
    await bus.stop();
  }
}

describe('short entries through the whole pipeline', () => {
  it('full-pipeline backtest, allowShort false: every LLM sell is vetoed by the Risk Gate, no order', async () => {
    const result = await backtest(false, 'bt-short-off');
    expect(result.decisions.proposals).toBeGreaterThan(0);
    expect(result.decisions.vetoed).toBe(result.decisions.proposals);
    expect(result.decisions.executed).toBe(0);
    expect(result.decisions.vetoReasons.map((each) => each.example)).toContain(`risk-gate: ${vetoReason}`);
    const orders = await db.store.query("SELECT 1 FROM orders WHERE broker LIKE 'bt:bt-short-off%'");
    expect(orders.rowCount).toBe(0);
  });

  it('full-pipeline backtest, allowShort true: the sells become shorts, bracketed by buy legs', async () => {
    const result = await backtest(true, 'bt-short-on');
    expect(result.decisions.executed).toBeGreaterThan(0);
    const entries = await db.store.query<{ side: string; status: string }>(
      "SELECT side, status FROM orders WHERE broker LIKE 'bt:bt-short-on%' AND leg = 'entry'",
    );
    expect(entries.rows.length).toBeGreaterThan(0);
    expect(entries.rows.every((row) => row.side === 'sell')).toBe(true);
    const legs = await db.store.query<{ side: string }>(
      "SELECT DISTINCT side FROM orders WHERE broker LIKE 'bt:bt-short-on%' AND leg IN ('stop_loss', 'take_profit')",
    );
    expect(legs.rows).toEqual([{ side: 'buy' }]);
    const fills = await db.store.query<{ side: string; leg: string }>(
      `SELECT DISTINCT f.side, o.leg FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
        WHERE f.broker LIKE 'bt:bt-short-on%' AND o.leg = 'entry'`,
    );
    expect(fills.rows).toEqual([{ side: 'sell', leg: 'entry' }]);
  });

  describe('Alpaca (strict fake), allowShort true', () => {
    let fake: AlpacaFake;
    beforeAll(async () => {
      fake = await startAlpacaFake();
    });
    afterAll(async () => {
      await fake.close();
    });

    it('a scripted sell goes out as a bracket, fills short, and the monitor finds it protected by its buy stop', async () => {
      const symbols = ['AAA', 'BBB'];
      const today = Math.floor(Date.now() / day) * day;
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
        fake.control.setPrice(symbol, series.close[series.length - 1]!);
      }
      // BBB cannot be borrowed: its short is refused before it is sent.
      fake.control.setAsset('BBB', { shortable: true, easy_to_borrow: false });
      const base = alpacaFakeConfig(fake, symbols);
      const config: Config = {
        ...base,
        strategist: { ...base.strategist, allowShort: true },
        paths: { ...base.paths, contextDir: walkableTempDir(path.join(tmpdir(), 'signet-short-on-')) },
      };
      const bus = new Bus({ store: db.store, logger });
      const agents = await scriptedAgents(db.store, [sellEverything()]);
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
        const outcome = Object.fromEntries(report.candidates.map((each) => [each.symbol, each]));
        expect(outcome.AAA?.outcome).toBe('executed');
        expect(outcome.BBB?.outcome).toBe('rejected');
        expect(outcome.BBB?.reasons.join(' ')).toMatch(
          /short of BBB not sent: the asset is not easy to borrow/,
        );
        // One order sent: AAA's bracket, a sell entry whose legs are buys.
        expect(fake.control.countRequests('POST', '/v2/orders')).toBe(1);
        const sent = fake.control.state().orders.map((order) => [order.symbol, order.side, order.type]);
        expect(sent.sort()).toEqual([
          ['AAA', 'buy', 'limit'],
          ['AAA', 'buy', 'stop'],
          ['AAA', 'sell', 'market'],
        ]);
        await waitFor(
          async () =>
            (
              await db.store.query(
                "SELECT 1 FROM positions WHERE broker = 'alpaca' AND symbol = 'AAA' AND qty < 0",
              )
            ).rowCount === 1,
          'the AAA short in our tables',
          15_000,
        );
        const monitor = await session.monitor();
        expect(monitor).toMatchObject({ positions: 1, stopsMissing: [] });
        const stop = await db.store.query<{ side: string; stop_price: string; avg_price: string }>(
          `SELECT s.side, s.stop_price::text, p.avg_price::text FROM positions p
             JOIN orders s ON s.client_order_id = p.stop_client_order_id WHERE p.broker = 'alpaca' AND p.symbol = 'AAA'`,
        );
        expect(stop.rows).toHaveLength(1);
        expect(stop.rows[0]!.side).toBe('buy');
        expect(Number(stop.rows[0]!.stop_price)).toBeGreaterThan(Number(stop.rows[0]!.avg_price));
      } finally {
        await session.stop();
        agents.skills.close();
        await bus.stop();
      }
    });
  });
});
