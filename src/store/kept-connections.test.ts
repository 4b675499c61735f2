import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { createStoreFromUrl } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db.drop();
});

/** The server's count of this application's connections: what the pool really holds open. */
async function serverConnections(applicationName: string): Promise<number> {
  const result = await db.store.query<{ open: number }>(
    'SELECT count(*)::int AS open FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return result.rows[0]!.open;
}

/** Four statements at once (four connections), then longer unused than the idle timeout. */
async function busyThenIdle(options: { applicationName: string; minimumConnections?: number }) {
  const store = createStoreFromUrl(db.url, {
    poolSize: 4,
    connectTimeoutMs: 5_000,
    logger: silentLogger(),
    idleTimeoutMs: 50,
    ...options,
  });
  let opened = 0;
  store.pool.on('connect', () => {
    opened += 1;
  });
  await Promise.all([1, 2, 3, 4].map(() => store.query('SELECT pg_sleep(0.05)')));
  await new Promise((resolve) => setTimeout(resolve, 400));
  const keptAfterIdle = await serverConnections(options.applicationName);
  // The next burst, as the next live cycle a bar later.
  await Promise.all([1, 2, 3, 4].map(() => store.query('SELECT pg_sleep(0.05)')));
  await store.close();
  return { keptAfterIdle, opened };
}

describe('connections kept while unused', () => {
  it('keeps every connection by default, so the next burst opens none', async () => {
    const { keptAfterIdle, opened } = await busyThenIdle({ applicationName: 'signet-kept-default' });
    expect(keptAfterIdle).toBe(4);
    expect(opened).toBe(4);
  });

  it('closes those above database.minimumConnections, which the next burst opens again', async () => {
    const { keptAfterIdle, opened } = await busyThenIdle({
      applicationName: 'signet-kept-one',
      minimumConnections: 1,
    });
    expect(keptAfterIdle).toBe(1);
    expect(opened).toBe(7);
  });
});

describe('database.minimumConnections', () => {
  const load = (database: Record<string, unknown>) =>
    loadConfig({ env: {}, file: '/dev/null', overrides: { database } as never }).database;

  it('defaults to none set (the pool keeps poolSize) and takes a value up to poolSize', () => {
    expect(load({}).minimumConnections).toBeUndefined();
    expect(load({ poolSize: 6, minimumConnections: 6 }).minimumConnections).toBe(6);
  });

  it('is refused above poolSize, naming both keys', () => {
    expect(() => load({ poolSize: 4, minimumConnections: 5 })).toThrow(
      /database\.minimumConnections is above database\.poolSize/,
    );
  });
});
