import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { runWrites, writesAsCtes } from './index.ts';

describe('writes as one statement', () => {
  it('numbers each write’s parameters after those before it, two-digit ones included', () => {
    const values: unknown[] = ['taken'];
    const ctes = writesAsCtes(
      [
        { text: 'INSERT INTO a VALUES ($1, $2)', values: [1, 2] },
        {
          text: `UPDATE b SET x = $2 WHERE y = $1 AND z IN (${Array.from({ length: 10 }, (_, i) => `$${i + 3}`).join(', ')})`,
          values: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        },
      ],
      values,
    );
    expect(ctes).toBe(
      'write_0 AS (INSERT INTO a VALUES ($2, $3)),\n' +
        'write_1 AS (UPDATE b SET x = $5 WHERE y = $4 AND z IN ($6, $7, $8, $9, $10, $11, $12, $13, $14, $15))',
    );
    expect(values).toEqual(['taken', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('builds a shape once: the same text again for the same writes after as many values, another after more', () => {
    const write = { text: 'INSERT INTO a VALUES ($1)', values: ['x'] };
    const first = writesAsCtes([write], [0, 0]);
    const again = writesAsCtes([{ ...write, values: ['y'] }], [0, 0]);
    expect(again).toBe(first);
    expect(first).toBe('write_0 AS (INSERT INTO a VALUES ($3))');
    expect(writesAsCtes([write], [0, 0, 0])).toBe('write_0 AS (INSERT INTO a VALUES ($4))');
  });

  describe('on PostgreSQL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
      await db.store.query('CREATE TABLE write_rows (id integer PRIMARY KEY, note text NOT NULL)');
    });
    afterAll(async () => {
      await db.drop();
    });

    it('commits every write or none: a refused row leaves the others unwritten', async () => {
      const insert = (id: number, note: string | null) => ({
        text: 'INSERT INTO write_rows (id, note) VALUES ($1, $2)',
        values: [id, note],
      });
      await runWrites(db.store, [insert(1, 'one'), insert(2, 'two')]);
      await expect(runWrites(db.store, [insert(3, 'three'), insert(4, null)])).rejects.toMatchObject({
        code: '23502',
      });
      const stored = await db.store.query<{ id: number }>('SELECT id FROM write_rows ORDER BY id');
      expect(stored.rows.map((row) => row.id)).toEqual([1, 2]);
    });
  });
});
