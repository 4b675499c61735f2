import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { type Queryable, relaxedCommits, type Store, type TransactionOptions } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  await db.store.query('CREATE TABLE relaxed_rows (note text NOT NULL)');
});
afterAll(async () => {
  await db.drop();
});

/** The setting that decides whether a commit waits for its WAL to reach the disk, as `q` sees it. */
async function synchronousCommit(q: Queryable): Promise<string> {
  const result = await q.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
  return result.rows[0]!.synchronous_commit;
}

/** Writes a row in one transaction of `store`, answering the setting that transaction saw. */
function noted(store: Store, note: string, options: TransactionOptions): Promise<string> {
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO relaxed_rows (note) VALUES ($1)', [note]);
    return synchronousCommit(tx);
  }, options);
}

async function notes(): Promise<string[]> {
  const result = await db.store.query<{ note: string }>('SELECT note FROM relaxed_rows ORDER BY note');
  return result.rows.map((row) => row.note);
}

describe('a transaction that does not wait for the disk', () => {
  it('turns synchronous_commit off for itself alone, commits its rows, and leaves the default to every other transaction', async () => {
    // A pool of two (the least the config allows): the two reads at once below use both of its
    // connections, so a setting that outlived its transaction would show in one of them.
    const store = db.openStore({ poolSize: 2 });
    const outside = await synchronousCommit(store);
    expect(outside).not.toBe('off');

    const plain = await store.transaction((tx) => synchronousCommit(tx));
    expect(plain).toBe(outside);

    const relaxed = await noted(store, 'relaxed', { waitForDisk: false });
    expect(relaxed).toBe('off');
    expect(await notes()).toEqual(['relaxed']);
    // SET LOCAL ends with its transaction: the connections are back to the server's default.
    const after = await Promise.all([synchronousCommit(store), synchronousCommit(store)]);
    expect(after).toEqual([outside, outside]);
    expect(await store.transaction((tx) => synchronousCommit(tx))).toBe(outside);
    await store.close();
  });

  it('still rolls back when its work throws', async () => {
    await expect(
      db.store.transaction(
        async (tx) => {
          await tx.query("INSERT INTO relaxed_rows (note) VALUES ('lost')");
          throw new Error('the work failed');
        },
        { waitForDisk: false },
      ),
    ).rejects.toThrow('the work failed');
    expect(await notes()).not.toContain('lost');
  });

  it('is every transaction of a relaxedCommits store, whose queries are the store’s own', async () => {
    const relaxed = relaxedCommits(db.store);
    expect(relaxed.maskedUrl).toBe(db.store.maskedUrl);
    expect(relaxed.pool).toBe(db.store.pool);
    // Asking for a wait does not undo it: that store's transactions never wait.
    const inside = await noted(relaxed, 'through the view', { waitForDisk: true });
    expect(inside).toBe('off');
    expect(await synchronousCommit(relaxed)).not.toBe('off');
    expect(await notes()).toContain('through the view');
  });
});
