import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedAgents } from '../../test/support/agents.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { agreeingRoute, buyAtMarket } from '../../test/support/scripted-route.ts';
import { TcpProxy } from '../../test/support/tcp-proxy.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { defaultStrategistRules } from '../agents/index.ts';
import { type Broker, type OrderRequest, PaperBroker } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import { silentLogger } from '../logging/index.ts';
import { generateSimSeries } from '../market/index.ts';
import { createStoreFromUrl } from '../store/index.ts';
import { createStrategy } from '../strategies/index.ts';
import { haltLevelOrNull } from '../watchdog/index.ts';
import { type CycleDeps, clientOrderIdFor } from './cycle-types.ts';
import { runDecisionCycle } from './decision-cycle.ts';
import { completeInterruptedOrders } from './reconcile-intents.ts';
import { defaultRiskLimits } from './risk-gate.ts';

/**
 * Issue 19, item 4 (every venue: the order path is the same code): the database goes away
 * after the broker took the order and before its answer is written. The intent stays for
 * reconciliation, as after a crash; nothing is ever sent twice.
 */
const logger = silentLogger();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('database lost while an order is in flight', () => {
  it('leaves the intent for reconciliation, which answers it from the broker without a resend', async () => {
    const proxy = TcpProxy.forDatabase(db.url);
    await proxy.start();
    const viaProxy = proxy.databaseUrl(db.url);
    const store = createStoreFromUrl(viaProxy, { poolSize: 4, connectTimeoutMs: 500, logger });
    const series = generateSimSeries({ seed: 9, bars: 90, symbols: ['FLY'] }, 'FLY');
    const lastIndex = series.length - 1;
    const last = series.close[lastIndex]!;
    const clock = { now: () => series.time[lastIndex]! };
    const paper = new PaperBroker({ cash: 100_000, clock });
    paper.processBar(
      paper.book('FLY'),
      series.time[lastIndex]!,
      series.open[lastIndex]!,
      series.high[lastIndex]!,
      series.low[lastIndex]!,
      last,
    );
    const submitted: string[] = [];
    // A venue that takes the order, after which the database is gone before its answer is written.
    const broker: Broker = {
      name: 'paper',
      account: () => paper.account(),
      positions: () => paper.positions(),
      async submit(request: OrderRequest) {
        submitted.push(request.clientOrderId);
        const order = paper.submit(request);
        await proxy.cut();
        return order;
      },
      cancel: (id, reason) => paper.cancel(id, reason),
      getOrder: (id) => paper.getOrder(id),
      closeAll: (prefix) => paper.closeAll(prefix),
    };
    const route = agreeingRoute(buyAtMarket('FLY', last, { stop: 0.95, target: 1.1 }));
    const bus = new Bus({ store, logger });
    const runtime = await scriptedAgents(db.store, [route]);
    const haltStore = {
      db: store,
      haltFile: path.join(walkableTempDir(path.join(tmpdir(), 'signet-flight-')), 'halt.json'),
    };
    const journaled: string[] = [];
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
        equity: paper.equity(),
        cash: paper.cash(),
        dayStartEquity: paper.equity(),
        positions: [],
        symbolPnlToday: {},
      }),
      haltLevel: () => haltLevelOrNull(haltStore),
      freshQuote: async () => ({ t: new Date(clock.now()).toISOString(), last, bid: null, ask: null }),
      journal: async (entry) => {
        journaled.push(entry.outcome);
      },
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
    const clientOrderId = clientOrderIdFor('flight-1', 'FLY');
    const failure = await runDecisionCycle(deps, 'flight-1', [series]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(submitted, String(failure)).toEqual([clientOrderId]);
    // The cycle either failed or reported the outage; either way no journal says "executed" yet.
    expect(journaled).not.toContain('executed');
    expect(failure === undefined || failure instanceof Error).toBe(true);
    // The intent is committed and unanswered: what reconciliation after a crash looks for.
    const pending = await db.store.query<{ status: string }>(
      'SELECT status FROM orders WHERE client_order_id = $1',
      [clientOrderId],
    );
    expect(pending.rows).toEqual([{ status: 'pending_submit' }]);

    // The database is back: reconciliation answers the intent from the broker, sending nothing.
    await proxy.restore();
    const repairs = await completeInterruptedOrders({
      db: db.store,
      bus,
      publish: (input, options) => bus.publish(input, options),
      broker,
      brokerName: 'paper',
      journal: async (entry) => {
        journaled.push(entry.outcome);
      },
      clock,
    });
    expect(repairs).toEqual([
      { clientOrderId, repair: 'submitted' },
      { clientOrderId, repair: 'journal_completed' },
    ]);
    expect(submitted).toEqual([clientOrderId]);
    const answered = await db.store.query<{ status: string }>(
      'SELECT status FROM orders WHERE client_order_id = $1',
      [clientOrderId],
    );
    expect(answered.rows[0]?.status).not.toBe('pending_submit');
    expect(journaled).toContain('executed');
    runtime.skills.close();
    await bus.stop();
    await store.close().catch(() => {});
    await proxy.stop();
  });
});
