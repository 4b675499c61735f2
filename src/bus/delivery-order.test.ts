import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus } from './index.ts';

// A database of its own: the rows below carry transaction ids far above any real one, which
// would move the positions of every consumer sharing the table.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('delivery order across a transaction id that gains a digit', () => {
  it('replays and lists by the transaction id as a number, not as its text', async () => {
    // A fresh cluster passes xid 999 → 1000 within minutes; a long-lived one passes 10^n too.
    // As text, '10000000000' sorts before '9999999999'.
    await db.store.query(
      `INSERT INTO agent_messages (tx_id, envelope_version, ts, from_agent, to_agent, topic, cycle_id, payload, signatures)
       VALUES ('9999999999'::xid8, 1, now(), 'test', 'any', 'test.first', 'digits', '{}', '[]'),
              ('10000000000'::xid8, 1, now(), 'test', 'any', 'test.second', 'digits', '{}', '[]')`,
    );
    const bus = new Bus({ catalog: testCatalog, store: db.store, logger: silentLogger() });
    try {
      const replayed = await bus.replayAll({ cycleId: 'digits' });
      expect(replayed.map((message) => [message.txId, message.topic])).toEqual([
        ['9999999999', 'test.first'],
        ['10000000000', 'test.second'],
      ]);
      // One message a page: the second page starts after the first, and finds the second.
      const paged = await bus.replayAll({ cycleId: 'digits', limit: 1 });
      expect(paged.map((message) => message.topic)).toEqual(['test.first']);
      const newest = await bus.newest(2);
      expect(newest.map((message) => message.topic)).toEqual(['test.first', 'test.second']);
    } finally {
      await bus.stop();
    }
  });
});
