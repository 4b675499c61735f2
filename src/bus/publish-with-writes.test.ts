import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, recordStatements, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import type { SqlWrite } from '../store/index.ts';
import { Bus, CauseNotWrittenError, type MessageInput } from './index.ts';
import { publishValidWithWrites, validateMessage } from './publish.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.store.query('CREATE TABLE side_rows (message_id bigint NOT NULL, note text NOT NULL)');
  // A guard as the halt ladder's is (migration 0418): true, or it raises.
  await db.store.query(`CREATE FUNCTION test_guard(refuse boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF refuse THEN RAISE EXCEPTION 'refused by the guard' USING ERRCODE = 'SGT01'; END IF;
      RETURN true;
    END $$`);
});
afterAll(async () => {
  await db.drop();
});

const tick = (index: number): MessageInput => ({
  fromAgent: 'test',
  toAgent: 'any',
  topic: 'batch.tick',
  cycleId: 'with-writes',
  payload: { index },
});

const sideRow = (messageId: number, note: string | null): SqlWrite => ({
  text: 'INSERT INTO side_rows (message_id, note) VALUES ($1, $2)',
  values: [messageId, note],
});

async function sideRows(): Promise<Array<{ message_id: number; note: string }>> {
  return (await db.store.query<{ message_id: number; note: string }>('SELECT * FROM side_rows ORDER BY note'))
    .rows;
}

describe('a message published with the rows that commit with it', () => {
  it('is one statement: the rows name the message’s id, which comes next in send order', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const before = await bus.send(tick(1));
    await before.written;
    const statements = recordStatements(db.store);
    let message: Awaited<ReturnType<Bus['publishWithWrites']>>;
    try {
      message = await bus.publishWithWrites(tick(2), (id) => [sideRow(id, 'a'), sideRow(id, 'b')]);
    } finally {
      statements.stop();
    }
    // The send before it notifies after its commit (notifier.ts): that statement is not this publish's.
    expect(statements.texts.filter((text) => !text.startsWith('SELECT pg_notify'))).toHaveLength(1);
    expect(message.id).toBe(before.id + 1);
    expect(message.payload).toEqual({ index: 2 });
    expect(await sideRows()).toEqual([
      { message_id: message.id, note: 'a' },
      { message_id: message.id, note: 'b' },
    ]);
    const after = await bus.send(tick(3));
    await after.written;
    expect(after.id).toBe(message.id + 1);
    await bus.stop();
  });

  it('a row PostgreSQL refuses leaves neither the message nor its other rows; its id stays unused', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    let taken = 0;
    await expect(
      bus.publishWithWrites(tick(4), (id) => {
        taken = id;
        return [sideRow(id, 'c'), sideRow(id, null)];
      }),
    ).rejects.toMatchObject({ code: '23502' });
    expect(taken).toBeGreaterThan(0);
    const stored = await db.store.query('SELECT id FROM agent_messages WHERE id = $1', [taken]);
    expect(stored.rows).toEqual([]);
    expect((await sideRows()).map((row) => row.note)).not.toContain('c');
    await bus.stop();
  });

  it('waits for a cause on its way, and is refused when its cause was not written', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const cause = await bus.send(tick(5));
    const answered = await bus.publishWithWrites({ ...tick(6), causationId: cause.id }, (id) => [
      sideRow(id, 'd'),
    ]);
    const written = await cause.written;
    expect(BigInt(answered.txId)).toBeGreaterThan(BigInt(written.txId));
    const refused = await bus.send({ ...tick(7), payload: { note: '\u0000' } });
    await expect(refused.written).rejects.toMatchObject({ code: '22P05' });
    await expect(
      bus.publishWithWrites({ ...tick(8), causationId: refused.id }, (id) => [sideRow(id, 'e')]),
    ).rejects.toBeInstanceOf(CauseNotWrittenError);
    expect((await sideRows()).map((row) => row.note)).not.toContain('e');
    await bus.stop();
  });

  it('without waiting for the disk, is still one statement, which turns synchronous_commit off for its own transaction alone', async () => {
    const setting = async (q: Pick<typeof db.store, 'query'>) =>
      (await q.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
    const outside = await setting(db.store);
    expect(outside).not.toBe('off');
    // Inside a caller's transaction, the message published (its id drawn there) with `writes`:
    // the setting that transaction reads after it.
    const settingAfter = (index: number, writes: (id: number) => SqlWrite[], waitForDisk?: boolean) =>
      db.store.transaction(async (tx) => {
        const drawn = await tx.query<{ id: string }>(
          "SELECT nextval(pg_get_serial_sequence('agent_messages', 'id')) AS id",
        );
        const id = Number(drawn.rows[0]!.id);
        await publishValidWithWrites(
          tx,
          validateMessage(tick(index), testCatalog),
          id,
          writes(id),
          waitForDisk,
        );
        return setting(tx);
      });
    // The setting it made is still there to read: with rows and without.
    expect(await settingAfter(9, (id) => [sideRow(id, 'f')], false)).toBe('off');
    expect(await settingAfter(9, () => [], false)).toBe('off');
    // The default waits, as before.
    expect(await settingAfter(10, (id) => [sideRow(id, 'g')])).toBe(outside);

    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    // A send first draws the bus's ids, as in the first test: the statement counted is the publish's.
    await (await bus.send(tick(12))).written;
    const statements = recordStatements(db.store);
    let message: Awaited<ReturnType<Bus['publishWithWrites']>>;
    try {
      message = await bus.publishWithWrites(tick(11), (id) => [sideRow(id, 'h')], { waitForDisk: false });
    } finally {
      statements.stop();
    }
    expect(statements.texts.filter((text) => !text.startsWith('SELECT pg_notify'))).toHaveLength(1);
    expect(message.payload).toEqual({ index: 11 });
    expect((await sideRows()).filter((row) => row.note === 'h')).toEqual([
      { message_id: message.id, note: 'h' },
    ]);
    // Its own transaction ended with the statement: the pool's connections wait for the disk again.
    expect(await Promise.all([setting(db.store), setting(db.store)])).toEqual([outside, outside]);
    await bus.stop();
  });

  it('with a guard, is refused whole when the guard raises, and written as one statement when it allows, waiting for the disk or not', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    await (await bus.send(tick(13))).written;
    for (const waitForDisk of [true, false]) {
      let taken = 0;
      await expect(
        bus.publishWithWrites(
          tick(14),
          (id) => {
            taken = id;
            return [sideRow(id, `refused-${waitForDisk}`)];
          },
          { waitForDisk, guard: 'test_guard(true)' },
        ),
      ).rejects.toMatchObject({ code: 'SGT01', message: 'refused by the guard' });
      const stored = await db.store.query('SELECT id FROM agent_messages WHERE id = $1', [taken]);
      expect(stored.rows).toEqual([]);
      expect((await sideRows()).map((row) => row.note)).not.toContain(`refused-${waitForDisk}`);

      const statements = recordStatements(db.store);
      let message: Awaited<ReturnType<Bus['publishWithWrites']>>;
      try {
        message = await bus.publishWithWrites(tick(15), (id) => [sideRow(id, `allowed-${waitForDisk}`)], {
          waitForDisk,
          guard: 'test_guard(false)',
        });
      } finally {
        statements.stop();
      }
      expect(statements.texts.filter((text) => !text.startsWith('SELECT pg_notify'))).toHaveLength(1);
      expect(message.id).toBeGreaterThan(taken);
      expect((await sideRows()).filter((row) => row.note === `allowed-${waitForDisk}`)).toEqual([
        { message_id: message.id, note: `allowed-${waitForDisk}` },
      ]);
    }
    await bus.stop();
  });
});
