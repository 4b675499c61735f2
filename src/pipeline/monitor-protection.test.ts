import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { PaperBroker } from '../broker/index.ts';
import { loadConfig } from '../config/index.ts';
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
  const paper = new PaperBroker({ cash: 100_000, commission: 0, clock });
  const book = paper.book('AAA');
  paper.processBar(book, 1, 40, 40, 40, 40);
  paper.submit({ clientOrderId: 'by-hand', symbol: 'AAA', side: 'buy', type: 'market', qty });
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
});
