import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { IbOrderIds } from './order-ids.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('IB order ids', () => {
  it('start at the TWS’s nextValidId and never go back across restarts', async () => {
    const first = new IbOrderIds(database.store, 'DU1', 1);
    first.observe(100);
    expect(await first.reserve(3)).toBe(100);
    expect(await first.reserve(1)).toBe(103);
    // A restart where the TWS says less than we used: our floor wins.
    const restarted = new IbOrderIds(database.store, 'DU1', 1);
    restarted.observe(50);
    expect(await restarted.reserve(1)).toBe(104);
    // The TWS above our floor (ids used by another install): its floor wins.
    restarted.observe(500);
    expect(await restarted.reserve(2)).toBe(500);
    expect(await restarted.peek()).toBe(502);
    // Another client id has its own sequence.
    const watchdog = new IbOrderIds(database.store, 'DU1', 2);
    watchdog.observe(1);
    expect(await watchdog.reserve(1)).toBe(1);
  });
});
