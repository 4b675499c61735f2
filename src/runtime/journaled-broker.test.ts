import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { PaperBroker } from '../broker/index.ts';
import { applyPaperRequest, JournaledPaperBroker, loadPaperRequests } from './journaled-broker.ts';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const paper = () => {
  const clock = { time: 1, now: () => clock.time };
  const broker = new PaperBroker({ cash: 100_000, commission: 0, clock });
  broker.processBar(broker.book('AAA'), 1, 40, 40, 40, 40);
  return broker;
};

describe('the journaled paper broker', () => {
  it('logs a moved stop before it moves, so a rebuilt broker has the stop where it was moved', async () => {
    db = await createTestDatabase();
    const inner = paper();
    let bar = 1;
    const journaled = new JournaledPaperBroker(inner, db.store, 'run-1', () => bar);
    await journaled.submit({ clientOrderId: 'e1', symbol: 'AAA', side: 'buy', type: 'market', qty: 10 });
    inner.processBar(inner.book('AAA'), 2, 40, 40, 40, 40);
    bar = 2;
    await journaled.submit({
      clientOrderId: 's1',
      symbol: 'AAA',
      side: 'sell',
      type: 'stop',
      stopPrice: 38,
      qty: 10,
      leg: 'stop_loss',
    });
    expect(await journaled.replaceStop({ symbol: 'AAA', clientOrderId: 's1' }, 39.5)).toMatchObject({
      clientOrderId: 's1',
      stopPrice: 39.5,
      status: 'open',
    });
    const rebuilt = paper();
    const logged = await loadPaperRequests(db.store, 'run-1');
    expect(logged.map((each) => each.entry.kind)).toEqual(['submit', 'submit', 'replaceStop']);
    for (const { entry } of logged.filter((each) => each.barIndex === 1)) applyPaperRequest(rebuilt, entry);
    rebuilt.processBar(rebuilt.book('AAA'), 2, 40, 40, 40, 40);
    for (const { entry } of logged.filter((each) => each.barIndex === 2)) applyPaperRequest(rebuilt, entry);
    expect(rebuilt.getOrder('s1')).toMatchObject({ status: 'open', stopPrice: 39.5 });
  });
});
