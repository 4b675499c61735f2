import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktestJob } from '../src/backtest/index.ts';
import { isTopicName, payloadSchemas, topics } from '../src/bus/index.ts';
import type { Store } from '../src/store/index.ts';
import { runSim, type SimRun } from './optimizer-support.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/**
 * What the producers really publish fits the catalog: every message of a fast backtest's log and
 * of a sim session is a catalog topic whose schema reads its payload, and both say fills and
 * round trips with the one fill topic and the one close topic.
 */

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const databases: TestDatabase[] = [];
const runs: SimRun[] = [];
afterAll(async () => {
  for (const run of runs) run.close();
  await Promise.all(databases.map((db) => db.drop()));
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

async function expectEveryMessageInCatalog(store: Store): Promise<Map<string, number>> {
  const stored = await store.query<{ topic: string; payload: unknown }>(
    'SELECT topic, payload FROM agent_messages ORDER BY id',
  );
  const counts = new Map<string, number>();
  for (const message of stored.rows) {
    expect(isTopicName(message.topic), message.topic).toBe(true);
    if (!isTopicName(message.topic)) continue;
    const parsed = payloadSchemas[message.topic].safeParse(message.payload);
    expect(parsed.success, `${message.topic}: ${parsed.error?.message ?? ''}`).toBe(true);
    counts.set(message.topic, (counts.get(message.topic) ?? 0) + 1);
  }
  return counts;
}

describe('producers against the catalog', () => {
  it('a fast backtest logs catalog topics only: order.filled and position.closed for its fills and round trips', async () => {
    const db = await database();
    const result = await runBacktestJob(
      {
        feed: 'csv',
        files: [path.resolve(repoRoot, 'data/orcl-1995-2014.txt')],
        parameters: { fast: 10, slow: 30 },
        settings: {
          cash: 100_000,
          commission: 0.001,
          stopPct: 0.08,
          takeProfitPct: 0.25,
          exitOnSignal: true,
        },
        runId: 'bt-catalog',
      },
      { database: async () => db.store },
    );
    const counts = await expectEveryMessageInCatalog(db.store);
    expect(counts.get(topics.positionClosed)).toBe(result.run.report.closedTrades);
    expect(counts.get(topics.orderFilled)).toBeGreaterThan(result.run.report.closedTrades);
    expect(counts.get(topics.orderCancelled)).toBeGreaterThan(0);
  });

  it('a sim session on the paper broker publishes catalog topics only, fills and closes included', async () => {
    const db = await database();
    runs.push(await runSim(db, 30));
    const counts = await expectEveryMessageInCatalog(db.store);
    expect(counts.get(topics.orderFilled)).toBeGreaterThan(0);
    expect(counts.get(topics.positionClosed)).toBeGreaterThan(0);
    const closed = await db.store.query<{ broker: string }>(
      "SELECT payload->>'broker' AS broker FROM agent_messages WHERE topic = 'position.closed'",
    );
    expect(new Set(closed.rows.map((row) => row.broker))).toEqual(new Set(['paper']));
  });
});
