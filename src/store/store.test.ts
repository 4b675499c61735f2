import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { loadMigrations, migrate, migrationStatus } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db.drop();
});

describe('migrations', () => {
  it('apply once even when two processes migrate at the same moment', async () => {
    const first = db.openStore();
    const second = db.openStore();
    const [a, b] = await Promise.all([migrate(first, silentLogger()), migrate(second, silentLogger())]);
    const all = loadMigrations().map((migration) => migration.version);
    // One of them applied everything, the other found nothing left to do.
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(all);
    const status = await migrationStatus(db.store);
    expect(status.every((row) => row.appliedAt instanceof Date)).toBe(true);
    const tables = await db.store.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const names = tables.rows.map((row) => row.name);
    for (const table of [
      'agent_messages',
      'bus_offsets',
      'agent_journal',
      'llm_cost_ledger',
      'llm_calls',
      'orders',
      'fills',
      'positions',
      'app_state',
    ]) {
      expect(names).toContain(table);
    }
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const edited = loadMigrations().map((migration, index) =>
      index === 0 ? { ...migration, checksum: 'changed' } : migration,
    );
    await expect(migrate(db.store, silentLogger(), edited)).rejects.toThrow(
      /was changed after it was applied/,
    );
  });
});
