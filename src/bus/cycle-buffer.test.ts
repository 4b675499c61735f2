import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus, CycleBuffer } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const stored = async (cycleId: string) =>
  (
    await db.store.query<{
      id: number;
      causation_id: number | null;
      payload: { step: number };
      tx_id: string;
    }>(
      'SELECT id, causation_id, payload, tx_id::text AS tx_id FROM agent_messages WHERE cycle_id = $1 ORDER BY agent_messages.tx_id, id',
      [cycleId],
    )
  ).rows;

/** One `batch.tick` through a buffer, naming its cause when given. */
const publishTick = (buffer: CycleBuffer, cycleId: string, step: number, causationId?: number) =>
  buffer.publish({
    fromAgent: 'a',
    toAgent: 'b',
    topic: 'batch.tick',
    cycleId,
    ...(causationId === undefined ? {} : { causationId }),
    payload: { step },
  });

describe('a backtest cycle buffer: one statement per cycle, the same rows', () => {
  it('answers ids before the rows exist, names causes with them, and writes the chain whole at flush', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const buffer = new CycleBuffer({
      store: db.store,
      catalog: testCatalog,
      block: 2,
      publishInTransaction: (input, options) => bus.publish(input, options),
    });
    const first = await buffer.publish({
      fromAgent: 'a',
      toAgent: 'b',
      topic: 'batch.tick',
      cycleId: 'c1',
      payload: { step: 1 },
    });
    const second = await buffer.publish({
      fromAgent: 'b',
      toAgent: 'c',
      topic: 'batch.tick',
      cycleId: 'c1',
      causationId: first.id,
      payload: { step: 2 },
    });
    // A third draw crosses the block of two: ids keep growing.
    const third = await buffer.publish({
      fromAgent: 'c',
      toAgent: 'd',
      topic: 'batch.tick',
      cycleId: 'c1',
      causationId: second.id,
      payload: { step: 3 },
    });
    expect(second.id).toBeGreaterThan(first.id);
    expect(third.id).toBeGreaterThan(second.id);
    expect(buffer.held).toBe(3);
    expect(await stored('c1')).toEqual([]);
    await buffer.flush();
    expect(buffer.held).toBe(0);
    const rows = await stored('c1');
    expect(rows.map((row) => [row.id, row.causation_id, row.payload.step])).toEqual([
      [first.id, null, 1],
      [second.id, first.id, 2],
      [third.id, second.id, 3],
    ]);
    // One commit: the whole chain shares one transaction id.
    expect(new Set(rows.map((row) => row.tx_id)).size).toBe(1);
    await bus.stop();
  });

  it('flushes before a publish inside a transaction, so a cause is delivered before its effect', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const buffer = new CycleBuffer({
      store: db.store,
      catalog: testCatalog,
      publishInTransaction: (input, options) => bus.publish(input, options),
    });
    const cause = await publishTick(buffer, 'c2', 1);
    const effect = await db.store.transaction((tx) =>
      buffer.publish(
        {
          fromAgent: 'b',
          toAgent: 'c',
          topic: 'batch.tick',
          cycleId: 'c2',
          causationId: cause.id,
          payload: { step: 2 },
        },
        { tx },
      ),
    );
    const rows = await stored('c2');
    expect(rows.map((row) => row.payload.step)).toEqual([1, 2]);
    expect(rows[1]!.id).toBe(effect.id);
    expect(rows[1]!.causation_id).toBe(cause.id);
    await bus.stop();
  });

  it('refuses a bad envelope at publish, naming the field, and holds nothing for it', async () => {
    const buffer = new CycleBuffer({
      store: db.store,
      catalog: testCatalog,
      publishInTransaction: () => Promise.reject(new Error('not used')),
    });
    await expect(buffer.publish({ fromAgent: 'a', toAgent: 'b', topic: 'Bad', payload: {} })).rejects.toThrow(
      /envelope\.topic/,
    );
    expect(buffer.held).toBe(0);
  });
});

describe('a cycle buffer written behind', () => {
  it('commits each cycle in order while the next one is held, and written() waits for it', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const buffer = new CycleBuffer({
      store: db.store,
      catalog: testCatalog,
      publishInTransaction: (input, options) => bus.publish(input, options),
    });
    const tick = (cycleId: string, step: number) =>
      buffer.publish({ fromAgent: 'a', toAgent: 'b', topic: 'batch.tick', cycleId, payload: { step } });
    await tick('behind-1', 1);
    buffer.flushBehind();
    expect(buffer.held).toBe(0);
    await tick('behind-2', 2);
    buffer.flushBehind();
    await tick('behind-3', 3);
    await buffer.written();
    expect((await stored('behind-1')).length).toBe(1);
    expect((await stored('behind-2')).length).toBe(1);
    // The third is still held: only flush() (or the next flushBehind) writes it.
    expect(await stored('behind-3')).toEqual([]);
    await buffer.flush();
    const txIds = [];
    for (const cycle of ['behind-1', 'behind-2', 'behind-3'])
      txIds.push(BigInt((await stored(cycle))[0]!.tx_id));
    // Committed one after another, in cycle order.
    expect([...txIds].sort((a, b) => (a < b ? -1 : 1))).toEqual(txIds);
    await bus.stop();
  });

  it('two flushes at once write one after the other: an effect never commits in a transaction begun before its cause', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    let slow = true;
    // The first write's statement is slow to arrive: a second flush must not overtake it.
    const buffer = new CycleBuffer({
      store: {
        query: async (text, values) => {
          if (slow && text.includes('INSERT')) {
            slow = false;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          return db.store.query(text, values);
        },
      },
      catalog: testCatalog,
      publishInTransaction: (input, options) => bus.publish(input, options),
    });
    const cause = await publishTick(buffer, 'together', 1);
    const first = buffer.flush();
    // The first flush has taken its row and is on its way; the effect comes after it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await publishTick(buffer, 'together', 2, cause.id);
    await Promise.all([first, buffer.flush()]);
    const rows = await stored('together');
    expect(rows.map((row) => row.payload.step)).toEqual([1, 2]);
    expect(BigInt(rows[0]!.tx_id)).toBeLessThanOrEqual(BigInt(rows[1]!.tx_id));
    await bus.stop();
  });

  it('a failed write behind fails written() and every later flush()', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    let fail = true;
    const buffer = new CycleBuffer({
      store: {
        query: (text, values) =>
          fail ? Promise.reject(new Error('connection lost')) : db.store.query(text, values),
      },
      catalog: testCatalog,
      publishInTransaction: (input, options) => bus.publish(input, options),
    });
    fail = false;
    await buffer.publish({
      fromAgent: 'a',
      toAgent: 'b',
      topic: 'batch.tick',
      cycleId: 'behind-x',
      payload: { step: 1 },
    });
    fail = true;
    buffer.flushBehind();
    await expect(buffer.written()).rejects.toThrow('connection lost');
    await expect(buffer.flush()).rejects.toThrow('connection lost');
    await bus.stop();
  });
});
