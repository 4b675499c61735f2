import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/index.ts';
import { packageRoot } from '../platform/index.ts';
import { MigrationError } from './errors.ts';
import type { Queryable } from './queryable.ts';
import { storeSql } from './sql.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  appliedAt: Date | null;
}

const migrationsFolder = path.join(packageRoot(), 'src', 'store', 'migrations');

/** Reads `NNNN-name.sql` files in version order. Concerns own number ranges (see migrations/README.md). */
export function loadMigrations(folder = migrationsFolder): Migration[] {
  return readdirSync(folder)
    .filter((file) => /^\d{4}-[a-z0-9-]+\.sql$/.test(file))
    .map((file) => {
      const sql = readFileSync(path.join(folder, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
}

interface Transactional extends Queryable {
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock, so two
 * processes starting at once apply each migration exactly once: the second waits for the lock,
 * then finds nothing left to do.
 */
export async function migrate(
  store: Transactional,
  logger: Logger,
  migrations = loadMigrations(),
): Promise<number[]> {
  return store.transaction(async (tx) => {
    await tx.query(storeSql.lockMigrations());
    await tx.query(storeSql.createMigrationsTable());
    const applied = await tx.query<{ version: number; checksum: string; name: string }>(
      storeSql.appliedMigrations(),
    );
    const byVersion = new Map(applied.rows.map((row) => [Number(row.version), row]));
    const done: number[] = [];
    for (const migration of migrations) {
      const previous = byVersion.get(migration.version);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.version}-${migration.name} was changed after it was applied`,
            {
              fix: 'Never edit an applied migration: restore its file and add a new migration with the change.',
            },
          );
        }
        continue;
      }
      try {
        await tx.query(migration.sql);
      } catch (error) {
        throw new MigrationError(
          `migration ${migration.version}-${migration.name} failed: ${(error as Error).message}`,
          {
            cause: error,
            fix: 'Fix the SQL of that migration; nothing of this run was applied.',
          },
        );
      }
      await tx.query(storeSql.recordMigration(), [migration.version, migration.name, migration.checksum]);
      done.push(migration.version);
    }
    if (done.length > 0) logger.info({ versions: done }, 'migrations applied');
    return done;
  });
}

export async function migrationStatus(
  store: Queryable,
  migrations = loadMigrations(),
): Promise<MigrationStatus[]> {
  const exists = await store.query<{ present: boolean }>(storeSql.migrationsTableExists());
  const applied = new Map<number, Date>();
  if (exists.rows[0]?.present) {
    const rows = await store.query<{ version: number; applied_at: Date }>(storeSql.appliedMigrations());
    for (const row of rows.rows) applied.set(Number(row.version), row.applied_at);
  }
  return migrations.map((migration) => ({
    version: migration.version,
    name: migration.name,
    appliedAt: applied.get(migration.version) ?? null,
  }));
}
