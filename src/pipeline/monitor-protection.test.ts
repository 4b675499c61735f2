import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { PaperBroker } from '../broker/index.ts';
import { loadConfig } from '../config/index.ts';
import { recordProtectiveOrder, setPosition } from '../ledger/index.ts';
import { silentLogger } from '../logging/index.ts';
import { logNotifier, Pager, Watchdog } from '../watchdog/index.ts';
import { runMonitorPass } from './monitor.ts';

const logger = silentLogger();
let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

function handOpened(qty: number): PaperBroker {
  const clock = { time: 1, now: () => clock.time };
  const paper = new PaperBroker({ cash: 100_000, commission: 0, clock, shorting: qty < 0 });
  const book = paper.book('AAA');
  paper.processBar(book, 1, 40, 40, 40, 40);
  paper.submit({
    clientOrderId: 'by-hand',
    symbol: 'AAA',
    side: qty < 0 ? 'sell' : 'buy',
    type: 'market',
    qty: Math.abs(qty),
    leg: 'entry',
  });
  clock.time = 2;
  paper.processBar(book, 2, 40, 40.5, 39.5, 40);
  return paper;
}

const stopsAt = (paper: PaperBroker) =>
  paper.workingOrders().filter((order) => order.symbol === 'AAA' && order.type === 'stop');

describe('the monitor and the watchdog protect by one rule', () => {
  it('repeated monitor passes attach one stop for the position, recorded in orders; the watchdog then adds none', async () => {
    db = await createTestDatabase();
    const paper = handOpened(60);
    const pass = () =>
      runMonitorPass({
        broker: paper,
        brokerName: paper.name,
        db: db!.store,
        publish: async () => undefined,
        logger,
        onMissingStop: 'reattach',
        defaultStopPct: 0.05,
        clock: { now: () => Date.UTC(2026, 11, 2, 15) },
      });
    const first = await pass();
    expect(first.stopsMissing).toEqual(['AAA']);
    expect(first.actions).toMatchObject([{ symbol: 'AAA', action: 'reattached' }]);
    for (let each = 0; each < 10; each += 1)
      expect(await pass()).toMatchObject({ stopsMissing: [], actions: [] });
    expect(stopsAt(paper)).toMatchObject([{ side: 'sell', qty: 60, stopPrice: 38 }]);
    const recorded = await db.store.query<{ client_order_id: string }>(
      "SELECT client_order_id FROM orders WHERE symbol = 'AAA' AND leg = 'stop_loss'",
    );
    expect(recorded.rows.map((row) => row.client_order_id)).toEqual([stopsAt(paper)[0]!.clientOrderId]);
    const positions = await db.store.query<{ stop_client_order_id: string }>(
      "SELECT stop_client_order_id FROM positions WHERE symbol = 'AAA'",
    );
    expect(positions.rows[0]?.stop_client_order_id).toBe(stopsAt(paper)[0]!.clientOrderId);
    // A pass over a position its row already describes writes nothing; a change is written.
    const updatedAt = async () =>
      (
        await db!.store.query<{ updated_at: Date; qty: string }>(
          "SELECT updated_at, qty FROM positions WHERE symbol = 'AAA'",
        )
      ).rows[0]!;
    const before = await updatedAt();
    await pass();
    expect((await updatedAt()).updated_at).toEqual(before.updated_at);
    const row = positions.rows[0]!;
    await setPosition(db.store, paper.name, {
      symbol: 'AAA',
      qty: 59,
      avgPrice: 40,
      stopClientOrderId: row.stop_client_order_id,
      takeProfitClientOrderId: null,
    });
    const stale = await updatedAt();
    expect((await pass()).changed).toEqual(['AAA']);
    const repaired = await updatedAt();
    expect(Number(repaired.qty)).toBe(60);
    expect(repaired.updated_at.getTime()).toBeGreaterThan(stale.updated_at.getTime());

    const folder = walkableTempDir(path.join(tmpdir(), 'signet-monitor-protection-'));
    const config = loadConfig({ env: {}, file: '/dev/null' });
    const watchdog = new Watchdog({
      config: { ...config, dataPath: folder, watchdog: { ...config.watchdog, missingStop: 'reattach' } },
      store: db.store,
      broker: paper,
      pager: new Pager([logNotifier(logger)], logger, 50),
      logger,
      haltFile: path.join(folder, 'halt.json'),
    });
    try {
      for (let each = 0; each < 5; each += 1) {
        const check = await watchdog.check();
        expect(check.failing.map((result) => result.name)).not.toContain('every_position_has_a_stop');
      }
    } finally {
      await watchdog.stop();
    }
    expect(stopsAt(paper)).toHaveLength(1);
  });

  it('a short gets a buy stop above it from the monitor and the watchdog, never a sell stop (issue 21)', async () => {
    db = await createTestDatabase();
    const paper = handOpened(-60);
    expect(paper.positions()).toMatchObject([{ symbol: 'AAA', qty: -60, avgPrice: 40 }]);
    // A stop remembered from an earlier long in AAA (a sell at 35) is not this short's.
    await recordProtectiveOrder(db.store, paper.name, {
      clientOrderId: 'old-long.sl',
      leg: 'stop_loss',
      symbol: 'AAA',
      side: 'sell',
      type: 'stop',
      qty: 60,
      stopPrice: 35,
      status: 'cancelled',
    });
    const pass = () =>
      runMonitorPass({
        broker: paper,
        brokerName: paper.name,
        db: db!.store,
        publish: async () => undefined,
        logger,
        onMissingStop: 'reattach',
        defaultStopPct: 0.05,
        clock: { now: () => Date.UTC(2026, 11, 2, 15) },
      });
    expect((await pass()).actions).toMatchObject([{ symbol: 'AAA', action: 'reattached' }]);
    expect(await pass()).toMatchObject({ stopsMissing: [], actions: [] });
    // 5 % above the average price: 42, a buy for the whole quantity.
    expect(stopsAt(paper)).toMatchObject([{ side: 'buy', qty: 60, stopPrice: 42 }]);

    // Someone cancels it: the watchdog re-attaches a buy stop above the short, and flattens with a buy.
    paper.cancel(stopsAt(paper)[0]!.clientOrderId);
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-monitor-short-'));
    const config = loadConfig({ env: {}, file: '/dev/null' });
    const watchdog = new Watchdog({
      config: { ...config, dataPath: folder, watchdog: { ...config.watchdog, missingStop: 'reattach' } },
      store: db.store,
      broker: paper,
      pager: new Pager([logNotifier(logger)], logger, 50),
      logger,
      haltFile: path.join(folder, 'halt.json'),
    });
    try {
      await watchdog.check();
      const stops = stopsAt(paper);
      expect(stops).toHaveLength(1);
      expect(stops[0]).toMatchObject({ side: 'buy', qty: 60 });
      expect(stops[0]!.stopPrice!).toBeGreaterThan(40);
      const check = await watchdog.check();
      expect(check.failing.map((result) => result.name)).not.toContain('every_position_has_a_stop');
    } finally {
      await watchdog.stop();
    }
    const [flatten] = paper.closeAll('wd');
    expect(flatten).toMatchObject({ side: 'buy', qty: 60, leg: 'flatten' });
  });
});
