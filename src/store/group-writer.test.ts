import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { GroupWriter, type Queryable } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  await db.store.query(
    'CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)',
  );
});
afterAll(async () => {
  await db.drop();
});

/** Writes notes in one statement, answering their ids in order; counts the statements. */
function notesWriter(queryable: Queryable, statements: { count: number }): GroupWriter<string, number> {
  return new GroupWriter(async (bodies) => {
    statements.count += 1;
    const result = await queryable.query<{ id: string }>(
      `WITH inserted AS (INSERT INTO notes (body) SELECT body FROM unnest($1::text[]) WITH ORDINALITY AS r(body, n)
         ORDER BY n RETURNING id) SELECT id FROM inserted ORDER BY id`,
      [bodies],
    );
    return result.rows.map((row) => Number(row.id));
  });
}

describe('group commit', () => {
  it('writes what arrives together in one statement; a row PostgreSQL refuses fails alone', async () => {
    const statements = { count: 0 };
    const writer = notesWriter(db.store, statements);
    // Text cannot hold a NUL character: PostgreSQL refuses that row (SQLSTATE 22021).
    const results = await Promise.allSettled(['a', 'b\u0000', 'c'].map((body) => writer.submit(body)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22021' });
    // The statement of three, then each row again on its own.
    expect(statements.count).toBe(4);
    const ids = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const stored = await db.store.query<{ body: string }>(
      'SELECT body FROM notes WHERE id = ANY($1) ORDER BY id',
      [ids],
    );
    expect(stored.rows.map((row) => row.body)).toEqual(['a', 'c']);
  });

  it("inside a transaction a refused row fails every row with the refusal, not with the aborted transaction's error", async () => {
    const outcome = await db.store
      .transaction(async (tx) => {
        const writer = notesWriter(tx, { count: 0 });
        return Promise.allSettled(['d', 'e\u0000', 'f'].map((body) => writer.submit(body)));
      })
      .catch((error: unknown) => error);
    const results = outcome as PromiseSettledResult<number>[];
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results)
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: '22021' });
  });
});
