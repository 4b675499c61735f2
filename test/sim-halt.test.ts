import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { SimSession } from '../src/runtime/index.ts';
import { haltFileFor, raiseHalt } from '../src/watchdog/index.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingRoute, buyAtQuotedLast } from './support/scripted-route.ts';
import { simSessionConfig } from './support/sim-config.ts';

const logger = silentLogger();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('halt level 4 in sim mode (the paper broker lives in the brain)', () => {
  it('the session flattens the paper account itself and opens nothing new', async () => {
    const { config } = simSessionConfig(
      'simhalt',
      { seed: 3, symbols: ['AAA', 'BBB'], bars: 90, warmupBars: 60 },
      { maxCorrelation: 1 },
    );
    const route = agreeingRoute(buyAtQuotedLast);
    const bus = new Bus({ store: db.store, logger });
    const agents = await scriptedAgents(db.store, [route]);
    const { session } = await SimSession.open({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      runId: 'simhalt',
    });
    for (let step = 0; step < 3 && session.broker.positions().length === 0; step += 1) await session.step();
    expect(session.broker.positions().length).toBeGreaterThan(0);

    await raiseHalt(
      { db: db.store, haltFile: haltFileFor(config.dataPath) },
      { level: 4, reason: 'test: drawdown', setBy: 'watchdog' },
    );
    const halted = await session.step();
    expect(halted.haltLevel).toBe(4);
    expect(halted.outcomes).toEqual([]);
    const flattened = await db.store.query(
      "SELECT payload FROM agent_messages WHERE topic = 'brain.flattened'",
    );
    expect(flattened.rowCount).toBe(1);
    // Market orders fill at the next bar's open: flat one bar later.
    await session.step();
    expect(session.broker.positions()).toEqual([]);
    agents.skills.close();
    await bus.stop();
  });
});
