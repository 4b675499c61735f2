import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import {
  accountStateKey,
  legacyAccountStateKey,
  parseAccountStateKey,
  readAccountSnapshot,
  readAccountState,
  writeAccountState,
} from './index.ts';

const snapshot = (equity: number) => ({
  equity,
  cash: equity - 1_000,
  highWaterMark: equity,
  dayStartEquity: equity,
  positions: 1,
  at: '2026-12-02T20:00:00.000Z',
});

describe('the account state key', () => {
  it('names the venue and the account, and reads back', () => {
    expect(accountStateKey('alpaca', 'PA3FAKE00001')).toBe('account.alpaca.PA3FAKE00001');
    // An MT5 server name may hold dots: only the venue part cannot.
    const mt5 = accountStateKey('mt5', '51234567@Broker.Demo');
    expect(mt5).toBe('account.mt5.51234567@Broker.Demo');
    expect(parseAccountStateKey(mt5)).toEqual({ venue: 'mt5', accountId: '51234567@Broker.Demo' });
    expect(parseAccountStateKey(legacyAccountStateKey)).toBeNull();
    expect(parseAccountStateKey('sim.session')).toBeNull();
  });

  it('refuses a venue with a dot and an empty account id', () => {
    expect(() => accountStateKey('alpaca.live', 'x')).toThrow(/cannot contain "."/);
    expect(() => accountStateKey('', 'x')).toThrow();
    expect(() => accountStateKey('paper', '')).toThrow();
  });
});

describe('account snapshots in app_state', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const keys = async () =>
    (
      await db.store.query<{ key: string }>(
        `SELECT key FROM app_state WHERE key LIKE 'account%' ORDER BY key`,
      )
    ).rows.map((row) => row.key);

  it('reads a database written before per-account keys, until the brain writes its own key', async () => {
    await db.store.query(`INSERT INTO app_state (key, value, updated_by) VALUES ($1, $2::jsonb, 'brain')`, [
      legacyAccountStateKey,
      JSON.stringify(snapshot(90_000)),
    ]);
    expect((await readAccountState(db.store, 'alpaca'))?.key).toBe(legacyAccountStateKey);
    expect((await readAccountSnapshot(db.store, 'alpaca'))?.equity).toBe(90_000);

    await writeAccountState(db.store, { venue: 'alpaca', accountId: 'PA1' }, snapshot(100_000), 'brain');
    // The first snapshot under a real key retires the legacy row: it can only mislead from now on.
    expect(await keys()).toEqual(['account.alpaca.PA1']);
    expect((await readAccountSnapshot(db.store, 'alpaca'))?.equity).toBe(100_000);
  });

  it('keeps venues apart and gives each reader its venue’s newest account', async () => {
    await writeAccountState(
      db.store,
      { venue: 'mt5', accountId: '51234567@Broker-Demo' },
      snapshot(10_000),
      'brain',
    );
    await writeAccountState(db.store, { venue: 'paper', accountId: 'sim' }, snapshot(50_000), 'brain');
    expect((await readAccountSnapshot(db.store, 'alpaca'))?.equity).toBe(100_000);
    expect((await readAccountSnapshot(db.store, 'mt5'))?.equity).toBe(10_000);
    expect((await readAccountSnapshot(db.store, 'paper'))?.equity).toBe(50_000);
    expect(await readAccountState(db.store, 'ibkr')).toBeNull();

    // Switching from Alpaca paper to live writes a second key; readers follow the newest.
    await db.store.query(
      `UPDATE app_state SET updated_at = now() - interval '1 hour' WHERE key = 'account.alpaca.PA1'`,
    );
    await writeAccountState(db.store, { venue: 'alpaca', accountId: 'LIVE9' }, snapshot(7_000), 'brain');
    const live = await readAccountState(db.store, 'alpaca');
    expect(live?.key).toBe('account.alpaca.LIVE9');
    expect(live?.updatedAt).toBeInstanceOf(Date);
    expect((await readAccountSnapshot(db.store, 'alpaca'))?.highWaterMark).toBe(7_000);
    // Writing again updates the same row.
    await writeAccountState(db.store, { venue: 'alpaca', accountId: 'LIVE9' }, snapshot(7_500), 'brain');
    expect((await keys()).filter((key) => key.startsWith('account.alpaca.'))).toEqual([
      'account.alpaca.LIVE9',
      'account.alpaca.PA1',
    ]);
    expect((await readAccountSnapshot(db.store, 'alpaca'))?.equity).toBe(7_500);
  });

  it('takes the venue literally, not as a LIKE pattern', async () => {
    await writeAccountState(db.store, { venue: 'bt:run_1', accountId: 'a' }, snapshot(1), 'brain');
    expect(await readAccountState(db.store, 'bt:run%1')).toBeNull();
    expect((await readAccountSnapshot(db.store, 'bt:run_1'))?.equity).toBe(1);
  });

  it('gives null for a snapshot that does not parse', async () => {
    await db.store.query(
      `INSERT INTO app_state (key, value, updated_by) VALUES ('account.odd.x', '{"equity": "lots"}', 'brain')`,
    );
    expect(await readAccountSnapshot(db.store, 'odd')).toBeNull();
    expect((await readAccountState(db.store, 'odd'))?.value).toEqual({ equity: 'lots' });
  });
});
