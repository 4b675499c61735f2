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
import { waitFor } from './support/wait.ts';

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

describe('market mode on Alpaca (protocol-faithful fake): the same pipeline on a real broker', () => {
  it('a scripted cycle sends bracket orders with our ids, fills arrive by the stream, the monitor sees protected positions', async () => {
    const symbols = ['AAA', 'BBB'];
    const today = Math.floor(Date.now() / day) * day;
    const lastClose: Record<string, number> = {};
    for (const symbol of symbols) {
      const series = generateSimSeries({ seed: 21, bars: 90, symbols }, symbol);
      const bars = Array.from({ length: series.length }, (_, index) => ({
        // Shifted so the newest bar is yesterday's: fresh enough for the FactChecker.
        t: new Date(today - (series.length - index) * day).toISOString(),
        o: series.open[index]!,
        h: series.high[index]!,
        l: series.low[index]!,
        c: series.close[index]!,
        v: series.volume[index]!,
      }));
      fake.control.setBars(symbol, bars);
      lastClose[symbol] = series.close[series.length - 1]!;
      fake.control.setPrice(symbol, lastClose[symbol]!);
    }
    const base = alpacaFakeConfig(fake, symbols);
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-market-'));
    const config: Config = { ...base, paths: { ...base.paths, contextDir } };
    const route = agreeingRoute((request: RouteRequest) => {
      const symbol = symbolOf(request);
      return buyAtMarket(symbol, lastClose[symbol]!, { stop: 0.95, target: 1.1, horizonBars: 5 });
    });
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
      expect(report.candidates.map((candidate) => candidate.outcome).sort()).toEqual([
        'executed',
        'executed',
      ]);
      const ids = report.candidates.map((candidate) => candidate.clientOrderId!);
      const atBroker = fake.control.state().orders.map((order) => order.client_order_id as string);
      // Our client order id on the entry; Alpaca names the legs itself, our tables name them <id>.sl / <id>.tp.
      expect(atBroker).toEqual(expect.arrayContaining(ids));
      const legs = await db.store.query<{ client_order_id: string }>(
        'SELECT client_order_id FROM orders WHERE parent_client_order_id = ANY($1) ORDER BY client_order_id',
        [ids],
      );
      expect(legs.rows.map((row) => row.client_order_id).sort()).toEqual(
        ids.flatMap((id) => [`${id}.sl`, `${id}.tp`]).sort(),
      );
      // The fake fills market orders at its price and tells us on the trade-updates stream.
      await waitFor(
        async () => {
          const rows = await db.store.query<{ status: string }>(
            'SELECT status FROM orders WHERE client_order_id = ANY($1)',
            [ids],
          );
          return rows.rows.length === 2 && rows.rows.every((row) => row.status === 'filled');
        },
        'both entries to be filled in our tables',
        15_000,
      );
      const monitor = await session.monitor();
      expect(monitor.positions).toBe(2);
      expect(monitor.stopsMissing).toEqual([]);
      const positions = await db.store.query<{ symbol: string; stop_client_order_id: string }>(
        "SELECT symbol, stop_client_order_id FROM positions WHERE broker = 'alpaca' ORDER BY symbol",
      );
      expect(positions.rows.map((row) => row.symbol)).toEqual(symbols);
      for (const row of positions.rows) expect(row.stop_client_order_id).toMatch(/\.sl$/);
      // Every monitor pass reconciles with the broker: a table that drifted is put back, once.
      const reconciled = async () =>
        Number(
          (
            await db.store.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'broker.reconciled'`,
            )
          ).rows[0]?.n,
        );
      const before = await reconciled();
      await db.store.query(
        `UPDATE orders SET status = 'open', filled_qty = 0, avg_fill_price = NULL WHERE client_order_id = $1`,
        [ids[0]],
      );
      await session.monitor();
      const repaired = await db.store.query<{ status: string; filled_qty: number }>(
        'SELECT status, filled_qty FROM orders WHERE client_order_id = $1',
        [ids[0]],
      );
      expect(repaired.rows[0]).toMatchObject({ status: 'filled' });
      expect(Number(repaired.rows[0]!.filled_qty)).toBeGreaterThan(0);
      const after = await reconciled();
      expect(after).toBeGreaterThan(before);
      // …and the day's journal says so, for the operator.
      const entry = await db.store.query<{ outcome: string; decided_by: string }>(
        `SELECT outcome, decided_by FROM agent_journal WHERE agent = 'reconciler'`,
      );
      expect(entry.rows).toEqual([{ outcome: 'reconciled', decided_by: 'code' }]);
      await session.monitor();
      expect(await reconciled()).toBe(after);
      // Protected by their bracket legs (read nested), no position was given a second stop.
      for (const symbol of symbols)
        expect(
          fake.control.book.orders.filter(
            (order) =>
              order.symbol === symbol &&
              order.type === 'stop' &&
              !['filled', 'canceled', 'expired', 'rejected', 'replaced'].includes(order.status),
          ),
        ).toHaveLength(1);
      const journal = await db.store.query<{ outcome: string }>(
        "SELECT outcome FROM agent_journal WHERE outcome = 'executed'",
      );
      expect(journal.rowCount).toBe(2);
    } finally {
      await session.stop();
      agents.skills.close();
      await bus.stop();
    }
  });
});
