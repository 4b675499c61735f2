import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { createStoreFromUrl } from './connection.ts';
import { StatementNamer } from './prepared.ts';
import type { Queryable } from './queryable.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  await db.store.query('CREATE TABLE prepared_probe (id serial PRIMARY KEY, name text NOT NULL)');
});
afterAll(async () => {
  await db.drop();
});

const insertProbe = 'INSERT INTO prepared_probe (name) VALUES ($1) RETURNING id, name';

/** The statements this connection has prepared (a query without parameters is never named). */
async function preparedOn(tx: Queryable): Promise<string[]> {
  const result = await tx.query<{ statement: string }>(
    'SELECT statement FROM pg_prepared_statements WHERE NOT from_sql ORDER BY prepare_time',
  );
  return result.rows.map((row) => row.statement);
}

describe('StatementNamer', () => {
  it('names a text with parameters from its second use, the same name ever after', () => {
    const namer = new StatementNamer();
    expect(namer.config(insertProbe, ['a']).name).toBeUndefined();
    const second = namer.config(insertProbe, ['b']);
    expect(second.name).toMatch(/^signet_\d+$/);
    expect(namer.config(insertProbe, ['c'])).toEqual({ name: second.name, text: insertProbe, values: ['c'] });
    expect(namer.config('SELECT 2 WHERE $1::int > 0', [1]).name).toBeUndefined();
    expect(namer.config('SELECT 2 WHERE $1::int > 0', [1]).name).not.toBe(second.name);
  });

  it('never names a text without parameters (the simple protocol may carry several statements)', () => {
    const namer = new StatementNamer();
    for (let use = 0; use < 3; use += 1)
      expect(namer.config('BEGIN; SELECT 1; COMMIT', undefined).name).toBeUndefined();
    expect(namer.namedCount).toBe(0);
  });

  it('names at most maxNamed texts: varying texts cannot fill the server with statements', () => {
    const namer = new StatementNamer({ maxNamed: 2 });
    for (let text = 0; text < 5; text += 1) {
      const sql = `SELECT ${text} WHERE $1::int > 0`;
      namer.config(sql, [1]);
      const named = namer.config(sql, [1]).name;
      if (text < 2) expect(named).toBeDefined();
      else expect(named).toBeUndefined();
    }
    expect(namer.namedCount).toBe(2);
  });

  it('names nothing when turned off', () => {
    const namer = new StatementNamer({ enabled: false });
    for (let use = 0; use < 3; use += 1) expect(namer.config(insertProbe, ['x']).name).toBeUndefined();
  });
});

describe('prepared statements on PostgreSQL', () => {
  it('prepares a repeated statement once per connection and runs it with new values', async () => {
    const store = db.openStore({ poolSize: 2 });
    await store.transaction(async (tx) => {
      await tx.query(insertProbe, ['first']);
      expect(await preparedOn(tx)).toEqual([]);
      const second = await tx.query<{ id: number; name: string }>(insertProbe, ['second']);
      const third = await tx.query<{ id: number; name: string }>(insertProbe, ['third']);
      expect(second.rows[0]!.name).toBe('second');
      expect(third.rows[0]!.name).toBe('third');
      expect(third.rows[0]!.id).toBe(second.rows[0]!.id + 1);
      expect(await preparedOn(tx)).toEqual([insertProbe]);
    });
  });

  it('prepares statements sent through the pool as well (one connection: the same each time)', async () => {
    const store = db.openStore({ poolSize: 1 });
    for (const name of ['pool-1', 'pool-2', 'pool-3']) await store.query(insertProbe, [name]);
    expect(await preparedOn(store)).toEqual([insertProbe]);
  });

  it('keeps working after a migration adds a column to the table a prepared statement writes', async () => {
    const store = db.openStore({ poolSize: 2 });
    await store.transaction(async (tx) => {
      for (const name of ['before-1', 'before-2']) await tx.query(insertProbe, [name]);
      expect(await preparedOn(tx)).toContain(insertProbe);
      await tx.query("ALTER TABLE prepared_probe ADD COLUMN note text NOT NULL DEFAULT ''");
      const after = await tx.query<{ id: number; name: string }>(insertProbe, ['after']);
      expect(after.rows[0]).toEqual({ id: expect.any(Number), name: 'after' });
      expect(await preparedOn(tx)).toContain(insertProbe);
    });
  });

  it('sends every statement unnamed when preparedStatements is false (a pooler that cannot keep them)', async () => {
    const store = createStoreFromUrl(db.url, {
      poolSize: 2,
      connectTimeoutMs: 5_000,
      logger: silentLogger(),
      preparedStatements: false,
    });
    try {
      await store.transaction(async (tx) => {
        for (const name of ['a', 'b', 'c']) await tx.query(insertProbe, [name]);
        expect(await preparedOn(tx)).toEqual([]);
      });
    } finally {
      await store.close();
    }
  });
});

describe("Signet's own statements", () => {
  const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  // Aliases of a CTE or subquery that lists its columns (bus/sql.ts): their `*` cannot grow.
  const listedColumns = new Set(['inserted', 'b']);

  it('never select * of a table: a prepared one would fail once a migration adds a column', () => {
    const offending: string[] = [];
    const files = readdirSync(sourceRoot, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
    );
    for (const file of files) {
      const text = readFileSync(path.join(sourceRoot, file), 'utf8');
      for (const match of text.matchAll(/\b(?:SELECT|RETURNING)\s+\*|\b([a-z]\w*)\.\*\s*(?:,|FROM\b|$)/gim)) {
        if (match[1] === undefined || !listedColumns.has(match[1]))
          offending.push(`${file}: ${match[0].trim()}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
