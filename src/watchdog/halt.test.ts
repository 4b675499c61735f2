import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { Secret } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { createStoreFromUrl } from '../store/index.ts';
import { haltLevelOrNull, raiseHalt, readHalt, resumeTrading } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const haltFile = () => path.join(walkableTempDir(path.join(tmpdir(), 'signet-haltfile-')), 'halt.json');

describe('halt state', () => {
  it('only rises, is held in both the database and the file, and the higher one wins', async () => {
    const store = { db: db.store, haltFile: haltFile() };
    expect(await haltLevelOrNull(store)).toBe(0);
    await raiseHalt(store, { level: 3, reason: 'drawdown', setBy: 'watchdog' });
    const lower = await raiseHalt(store, { level: 1, reason: 'noise', setBy: 'watchdog' });
    expect(lower.raised).toBe(false);
    expect((await readHalt(store)).level).toBe(3);
    // A file that says more than the database (written while the database was gone) wins.
    writeFileSync(
      store.haltFile,
      JSON.stringify({
        level: 4,
        reason: 'written offline',
        setBy: 'watchdog',
        setAt: '',
        journalPath: null,
      }),
    );
    expect(await readHalt(store)).toMatchObject({ level: 4, reason: 'written offline' });
  });

  it('the halt file alone still blocks trading when the database is gone, and an unreadable state blocks too', async () => {
    const file = haltFile();
    const gone = createStoreFromUrl('postgres://nobody:x@127.0.0.1:1/none', {
      poolSize: 1,
      connectTimeoutMs: 300,
      logger: silentLogger(),
    });
    const store = { db: gone, haltFile: file };
    const raised = await raiseHalt(store, { level: 4, reason: 'database unreachable', setBy: 'watchdog' });
    expect(raised).toMatchObject({ raised: true, databaseWritten: false });
    expect(existsSync(file)).toBe(true);
    expect(await haltLevelOrNull(store)).toBeNull();
    writeFileSync(file, '{ not json');
    expect(await haltLevelOrNull({ db: db.store, haltFile: file })).toBeNull();
    await gone.close();
  });

  it('resume refuses without the token or without an acknowledgement, and records who resumed', async () => {
    const store = { db: db.store, haltFile: haltFile() };
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
    await raiseHalt(store, { level: 2, reason: 'manual', setBy: 'operator' });
    const token = new Secret('tok-123456');
    await expect(
      resumeTrading(store, undefined, {
        token: 'x',
        acknowledgement: 'checked everything here',
        operator: 'ann',
      }),
    ).rejects.toThrow(/no operator token is configured/);
    await expect(
      resumeTrading(store, token, {
        token: undefined,
        acknowledgement: 'checked everything here',
        operator: 'ann',
      }),
    ).rejects.toThrow(/missing or wrong/);
    await expect(
      resumeTrading(store, token, {
        token: 'tok-123457',
        acknowledgement: 'checked everything here',
        operator: 'ann',
      }),
    ).rejects.toThrow(/missing or wrong/);
    await expect(
      resumeTrading(store, token, { token: 'tok-123456', acknowledgement: 'ok', operator: 'ann' }),
    ).rejects.toThrow(/at least 10 characters/);
    expect((await readHalt(store)).level).toBe(2);
    await resumeTrading(store, token, {
      token: 'tok-123456',
      acknowledgement: 'checked everything here',
      operator: 'ann',
    });
    expect(await readHalt(store)).toMatchObject({ level: 0, setBy: 'ann' });
  });
});
