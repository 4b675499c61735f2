/** SQL of the store module itself (migrations). Each concern keeps its own SQL in its own sql.ts. */

// Any constant works; it only has to be the same in every Signet process.
const migrationLockKey = 7_301_955_101;

export const storeSql = {
  lockMigrations: () => `SELECT pg_advisory_xact_lock(${migrationLockKey})`,
  createMigrationsTable: () => `CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
  migrationsTableExists: () => `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  appliedMigrations: () =>
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  recordMigration: () => 'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
};
