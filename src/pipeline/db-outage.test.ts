import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedAgents } from '../../test/support/agents.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { agreeingRoute, buyAtMarket } from '../../test/support/scripted-route.ts';
import { TcpProxy } from '../../test/support/tcp-proxy.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { defaultStrategistRules } from '../agents/index.ts';
import { PaperBroker } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import { silentLogger } from '../logging/index.ts';
import { generateSimSeries } from '../market/index.ts';
import { createStoreFromUrl } from '../store/index.ts';
import { createStrategy } from '../strategies/index.ts';
import { haltLevelOrNull } from '../watchdog/index.ts';
import { type CycleDeps, clientOrderIdFor } from './cycle-types.ts';
import { runDecisionCycle } from './decision-cycle.ts';
import { defaultRiskLimits } from './risk-gate.ts';

const logger = silentLogger();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('database lost in the middle of a cycle', () => {
  it('sends no order', async () => {
    const proxy = TcpProxy.forDatabase(db.url);
    await proxy.start();
    const viaProxy = proxy.databaseUrl(db.url);
    const store = createStoreFromUrl(viaProxy, { poolSize: 4, connectTimeoutMs: 500, logger });
    const series = generateSimSeries({ seed: 9, bars: 90, symbols: ['OUT'] }, 'OUT');
    const last = series.close[series.length - 1]!;
    const route = agreeingRoute(() => {
      // The database goes away while the Strategist is thinking.
      void proxy.cut();
      return buyAtMarket('OUT', last, { stop: 0.95, target: 1.1, horizonBars: 5, rationale: 'go' });
    });
    const clock = { now: () => series.time[series.length - 1]! };
    const broker = new PaperBroker({ cash: 100_000, clock });
    broker.processBar(
      broker.book('OUT'),
      series.time[series.length - 1]!,
      series.open[series.length - 1]!,
      series.high[series.length - 1]!,
      series.low[series.length - 1]!,
      last,
    );
    const bus = new Bus({ store, logger });
    // The router's own bookkeeping (ledger, replay store) uses the direct connection, so the
    // cut reaches exactly the order path.
    const runtime = await scriptedAgents(db.store, [route]);
    const haltStore = {
      db: store,
      haltFile: path.join(walkableTempDir(path.join(tmpdir(), 'signet-halt-')), 'halt.json'),
    };
    const deps: CycleDeps = {
      runtime,
      publish: (input, options) => bus.publish(input, options),
      // As the sessions' kernel: ids before commits.
      send: (input) => bus.send(input),
      publishWithWrites: (input, writes) => bus.publishWithWrites(input, writes),
      query: (text, values) => store.query(text, values),
      broker,
      brokerName: 'paper',
      portfolio: async () => ({
        equity: broker.equity(),
        cash: broker.cash(),
        dayStartEquity: broker.equity(),
        positions: [],
        symbolPnlToday: {},
      }),
      haltLevel: () => haltLevelOrNull(haltStore),
      freshQuote: async () => ({ t: new Date(clock.now()).toISOString(), last, bid: null, ask: null }),
      journal: async () => {},
      clock,
      settings: {
        limits: defaultRiskLimits,
        rules: defaultStrategistRules,
        timeframe: '1d',
        topK: 1,
        parallelism: 1,
        signerTimeoutMs: 3_000,
        maxDataAgeSeconds: 86_400 * 7,
        factTolerancePct: 0.1,
        commissionRate: 0,
      },
      fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
    };
    await runDecisionCycle(deps, 'outage-1', [series]).catch(() => undefined);
    expect(route.calls.some((call) => call.skill === 'strategist')).toBe(true);
    expect(broker.positions()).toEqual([]);
    expect(broker.getOrder(clientOrderIdFor('outage-1', 'OUT'))).toBeUndefined();
    expect(broker.fillCount).toBe(0);
    // Nothing reached our orders table either.
    const orders = await db.store.query("SELECT 1 FROM orders WHERE cycle_id = 'outage-1'");
    expect(orders.rowCount).toBe(0);
    runtime.skills.close();
    await bus.stop();
    await store.close().catch(() => {});
    await proxy.stop();
  });
});
