import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus, type MessageInput } from './index.ts';

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
