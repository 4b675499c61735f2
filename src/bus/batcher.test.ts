import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, recordStatements, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus, CauseNotWrittenError, type MessageInput } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('group commit of standalone publishes', () => {
  it('gives each concurrent caller its own committed message; a bad envelope fails only its caller', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const inputs: MessageInput[] = Array.from({ length: 40 }, (_, index) => ({
      fromAgent: 'test',
      toAgent: 'any',
      topic: 'batch.tick',
      payload: { index },
    }));
    const bad = { fromAgent: 'test', toAgent: 'any', topic: 'Bad', payload: {} };
    const results = await Promise.allSettled([
      ...inputs.slice(0, 20).map((input) => bus.publish(input)),
      bus.publish(bad),
      ...inputs.slice(20).map((input) => bus.publish(input)),
    ]);
    const failed = results.filter((result) => result.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(String((failed[0] as PromiseRejectedResult).reason)).toMatch(/envelope\.topic/);
    const messages = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(messages.map((message) => (message.payload as { index: number }).index)).toEqual(
      inputs.map((_, index) => index),
    );
    // Every promise resolved after its row was committed: all 40 are there now, in order.
    const stored = await db.store.query<{ id: number; payload: { index: number } }>(
      "SELECT id, payload FROM agent_messages WHERE topic = 'batch.tick' ORDER BY id",
    );
    expect(stored.rows.map((row) => row.payload.index)).toEqual(inputs.map((_, index) => index));
    expect(stored.rows.map((row) => Number(row.id))).toEqual(messages.map((message) => message.id));
    await bus.stop();
  });
});

describe('sends with ids drawn ahead', () => {
  const tick = (index: number, extra: Record<string, unknown> = {}): MessageInput => ({
    fromAgent: 'test',
    toAgent: 'any',
    topic: 'batch.tick',
    cycleId: 'ids-ahead',
    payload: { index, ...extra },
  });

  it('answers each message its id before the commit, ascending in the order sent; written settles at the commit', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    // Another session holds the table: no insert can commit until it lets go.
    const { sent, written } = await db.store.transaction(async (tx) => {
      await tx.query('LOCK TABLE agent_messages IN EXCLUSIVE MODE');
      const sent = await Promise.all([0, 1, 2].map((index) => bus.send(tick(index))));
      let settled = false;
      const written = Promise.all(sent.map((message) => message.written)).then((messages) => {
        settled = true;
        return messages;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);
      return { sent, written };
    });
    const ids = sent.map((message) => message.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    const messages = await written;
    expect(messages.map((message) => message.id)).toEqual(ids);
    const stored = await db.store.query<{ id: string }>(
      'SELECT id FROM agent_messages WHERE id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    );
    expect(stored.rows.map((row) => Number(row.id))).toEqual(ids);
    await bus.stop();
  });

  it('a row PostgreSQL refuses fails alone with its answers, at once or later; the rest of its batch is written', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const first = await bus.send(tick(10));
    // jsonb cannot hold a NUL character: PostgreSQL refuses the row (SQLSTATE 22P05).
    const refused = await bus.send(tick(11, { note: '\u0000' }));
    const answer = await bus.send({ ...tick(12), causationId: refused.id });
    const last = await bus.send(tick(13));
    const [firstWritten, refusedWritten, answerWritten, lastWritten] = await Promise.allSettled([
      first.written,
      refused.written,
      answer.written,
      last.written,
    ]);
    expect(firstWritten.status).toBe('fulfilled');
    expect(lastWritten.status).toBe('fulfilled');
    expect(refusedWritten).toMatchObject({ status: 'rejected', reason: { code: '22P05' } });
    expect(answerWritten).toMatchObject({
      status: 'rejected',
      reason: { code: 'bus_cause_not_written', details: { id: answer.id, causationId: refused.id } },
    });
    expect((answerWritten as PromiseRejectedResult).reason.cause).toBe(
      (refusedWritten as PromiseRejectedResult).reason,
    );
    // An answer sent after the failure is known is refused too, without a write.
    const late = await bus.send({ ...tick(14), causationId: answer.id });
    await expect(late.written).rejects.toBeInstanceOf(CauseNotWrittenError);
    const stored = await db.store.query<{ index: number }>(
      "SELECT (payload->>'index')::int AS index FROM agent_messages WHERE cycle_id = 'ids-ahead' AND (payload->>'index')::int >= 10 ORDER BY id",
    );
    expect(stored.rows.map((row) => row.index)).toEqual([10, 13]);
    await bus.stop();
  });

  it('a publish answering a sent message waits for its commit, and fails when it failed', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const { cause, answer } = await db.store.transaction(async (tx) => {
      await tx.query('LOCK TABLE agent_messages IN EXCLUSIVE MODE');
      const cause = await bus.send(tick(30));
      let settled = false;
      const answer = bus.publish({ ...tick(31), causationId: cause.id }).finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);
      return { cause, answer };
    });
    const [written, answered] = await Promise.all([cause.written, answer]);
    expect(answered.causationId).toBe(written.id);
    expect(answered.id).toBeGreaterThan(written.id);
    expect(BigInt(answered.txId)).toBeGreaterThan(BigInt(written.txId));
    const refused = await bus.send(tick(32, { note: '\u0000' }));
    await expect(refused.written).rejects.toMatchObject({ code: '22P05' });
    await expect(bus.publish({ ...tick(33), causationId: refused.id })).rejects.toBeInstanceOf(
      CauseNotWrittenError,
    );
    await bus.stop();
  });

  it('a publish inside a transaction takes the next drawn id: numbered between the sends around it, no draw after it', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const before = await bus.send(tick(20));
    await before.written;
    const statements = recordStatements(db.store);
    try {
      const inTransaction = await db.store.transaction((tx) => bus.publish(tick(21), { tx }));
      expect(inTransaction.id).toBe(before.id + 1);
      // Rolled back: its id stays unused, and the next ones follow it.
      const rolledBack = await db.store
        .transaction(async (tx) => {
          const message = await bus.publish(tick(22), { tx });
          throw Object.assign(new Error('the caller gave up'), { id: message.id });
        })
        .catch((error: { id: number }) => error.id);
      expect(rolledBack).toBe(before.id + 2);
      const after = await bus.send(tick(23));
      await after.written;
      expect(after.id).toBe(before.id + 3);
      expect(statements.texts.filter((text) => text.includes('nextval'))).toHaveLength(0);
      const stored = await db.store.query<{ id: string }>(
        'SELECT id FROM agent_messages WHERE id BETWEEN $1 AND $2 ORDER BY id',
        [before.id, after.id],
      );
      expect(stored.rows.map((row) => Number(row.id))).toEqual([before.id, before.id + 1, before.id + 3]);
    } finally {
      statements.stop();
    }
    await bus.stop();
  });

  it('a standalone publish takes the next drawn id when one is ready: numbered between the sends around it, no draw after it', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const before = await bus.send(tick(40));
    await before.written;
    const statements = recordStatements(db.store);
    try {
      const published = await bus.publish(tick(41));
      expect(published.id).toBe(before.id + 1);
      expect(published.payload).toEqual({ index: 41 });
      const after = await bus.send(tick(42));
      await after.written;
      expect(after.id).toBe(before.id + 2);
      expect(statements.texts.filter((text) => text.includes('nextval'))).toEqual([]);
      const stored = await db.store.query<{ id: string }>(
        'SELECT id FROM agent_messages WHERE id BETWEEN $1 AND $2 ORDER BY id',
        [before.id, after.id],
      );
      expect(stored.rows.map((row) => Number(row.id))).toEqual([before.id, before.id + 1, before.id + 2]);
    } finally {
      statements.stop();
    }
    await bus.stop();
  });

  it('a publish inside a transaction with no id drawn takes one from the sequence; a later send is numbered above it', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const inTransaction = await db.store.transaction((tx) => bus.publish(tick(24), { tx }));
    const after = await bus.send(tick(25));
    await after.written;
    expect(after.id).toBeGreaterThan(inTransaction.id);
    await bus.stop();
  });
});
