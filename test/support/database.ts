import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject, vi } from 'vitest';
import { type Logger, silentLogger } from '../../src/logging/index.ts';
import { createStoreFromUrl, migrate, type Store, withDatabase } from '../../src/store/index.ts';

export interface TestDatabase {
  /** URL of this test's own database (contains the password: never print it). */
  url: string;
  name: string;
  store: Store;
  /** Opens another store on the same database (another "process"). */
  openStore(options?: { poolSize?: number; logger?: Logger }): Store;
  drop(): Promise<void>;
}

export function adminDatabaseUrl(): string {
  return inject('adminDatabaseUrl');
}

/** A fresh, migrated database for one test file, on the run's PostgreSQL (embedded or DATABASE_URL). */
export async function createTestDatabase(
  options: { migrate?: boolean; logger?: Logger } = {},
): Promise<TestDatabase> {
  const admin = adminDatabaseUrl();
  const name = `signet_t_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = withDatabase(admin, name);
  const logger = options.logger ?? silentLogger();
  const opened: Store[] = [];
  const open = (storeOptions: { poolSize?: number; logger?: Logger } = {}) => {
    const store = createStoreFromUrl(url, {
      poolSize: storeOptions.poolSize ?? 10,
      connectTimeoutMs: 5_000,
      logger: storeOptions.logger ?? logger,
    });
    opened.push(store);
    return store;
  };
  const store = open();
  if (options.migrate !== false) await migrate(store, logger);
  return {
    url,
    name,
    store,
    openStore: open,
    async drop() {
      await Promise.all(opened.map((each) => each.close()));
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/**
 * Records the text of every statement sent through `store.query` (the pool's, not a transaction
 * client's) until `stop()`; the statements still go to the database.
 */
export function recordStatements(store: Store): { texts: string[]; stop(): void } {
  const texts: string[] = [];
  const realQuery = store.query.bind(store);
  const spy = vi.spyOn(store, 'query').mockImplementation(((text: string, values?: unknown[]) => {
    texts.push(text);
    return realQuery(text, values);
  }) as typeof store.query);
  return { texts, stop: () => spy.mockRestore() };
}
