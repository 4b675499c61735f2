import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus, type BusMessage, type MessageInput } from './index.ts';
import { type MessageRow, rowToMessage } from './publish.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/**
 * A message whose payload PostgreSQL stores otherwise than it was given: jsonb orders an object's
 * keys by length, then bytes, and prints numbers its own way. What a writer answers must be this
 * message as data all the same.
 */
function awkward(index: number, extra: Partial<MessageInput> = {}): MessageInput {
  return {
    fromAgent: 'test',
    toAgent: 'any',
    topic: 'batch.tick',
    cycleId: `stamped-${index}`,
    payload: {
      zebra: index,
      a: [3, 1, { long: 'é ☂', b: null }],
      mid: { y: 1.5e-7, x: 123456789.125, w: true },
      '': 'empty key',
    },
    signatures: [
      {
        signer: 'risk-gate',
        verdict: 'sign',
        reasons: [`checked ${index}`],
        decidedBy: 'code',
        at: '2026-12-05T09:00:00.000Z',
      },
    ],
    ...extra,
  };
}

async function stored(id: number): Promise<BusMessage> {
  const rows = await db.store.query<MessageRow>(
    `SELECT id, tx_id::text AS tx_id, envelope_version, ts, recorded_at, from_agent, to_agent, topic,
            cycle_id, causation_id, payload, signatures
       FROM agent_messages WHERE id = $1`,
    [id],
  );
  return rowToMessage(rows.rows[0]!);
}

describe('what a writer answers for a message', () => {
  it('is the message read back from the table, as data: every writer, one message and many', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const answered: BusMessage[] = [];
    // Sends: one alone, then many in one statement (their ids drawn ahead).
    answered.push(await (await bus.send(awkward(1))).written);
    const many = await Promise.all([2, 3, 4, 5].map((index) => bus.send(awkward(index))));
    answered.push(...(await Promise.all(many.map((sent) => sent.written))));
    // Standalone publishes, some at once (grouped), one with its time given.
    answered.push(
      ...(await Promise.all([
        bus.publish(awkward(6)),
        bus.publish(awkward(7, { ts: new Date('2026-12-01T10:00:00.123Z') })),
      ])),
    );
    // Inside a caller's transaction; with the rows that commit with it; many at once.
    answered.push(await db.store.transaction((tx) => bus.publish(awkward(8), { tx })));
    answered.push(await bus.publishWithWrites(awkward(9), () => []));
    answered.push(await bus.publishWithWrites(awkward(10), () => [], { waitForDisk: false }));
    answered.push(...(await bus.publishMany([awkward(11), awkward(12), awkward(13)])));

    expect(answered.map((message) => message.cycleId)).toEqual(
      Array.from({ length: 13 }, (_, index) => `stamped-${index + 1}`),
    );
    for (const message of answered) {
      const row = await stored(message.id);
      // toEqual compares objects as data (key order aside): ids, transaction, times, payloads.
      expect(message, `message ${message.cycleId}`).toEqual(row);
      expect(message.recordedAt.getTime()).toBe(row.recordedAt.getTime());
      expect(message.ts.getTime()).toBe(row.ts.getTime());
    }
    expect(answered[6]!.ts.toISOString()).toBe('2026-12-01T10:00:00.123Z');
    await bus.stop();
  });

  it('stores a lone surrogate in a cycle id as U+FFFD, as a text parameter does: one message and many', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    const lone = (index: number) => awkward(index, { cycleId: `lone-\udc00-${index}` });
    const ids = [
      (await bus.publish(lone(1))).id,
      ...(await bus.publishMany([lone(2), lone(3)])).map((m) => m.id),
    ];
    const sent = await Promise.all([4, 5].map((index) => bus.send(lone(index))));
    ids.push(...(await Promise.all(sent.map((each) => each.written))).map((message) => message.id));
    const cycles = await Promise.all(ids.map(async (id) => (await stored(id)).cycleId));
    expect(cycles).toEqual([1, 2, 3, 4, 5].map((index) => `lone-\ufffd-${index}`));
    await bus.stop();
  });
});
