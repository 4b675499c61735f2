import { existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { Secret } from '../config/index.ts';
import { credentialFileFor, hashOperatorToken, setUpOperatorCredential } from '../credential/index.ts';
import { silentLogger } from '../logging/index.ts';
import { createStoreFromUrl } from '../store/index.ts';
import {
  haltLevelOrNull,
  raiseHalt,
  readHalt,
  readHaltFile,
  resumeTrading,
  submissionHalt,
} from './index.ts';

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

  it('a missing halt file reads as no halt, a path through a file as unknown (trading blocked)', async () => {
    const file = haltFile();
    expect(readHaltFile(file).level).toBe(0);
    // The data folder a file: the state cannot be known, so trading stays blocked.
    writeFileSync(file, 'not a folder');
    const throughAFile = path.join(file, 'halt.json');
    expect(() => readHaltFile(throughAFile)).toThrow(/ENOTDIR/);
    expect(await haltLevelOrNull({ db: db.store, haltFile: throughAFile })).toBeNull();
    // No folder yet (nothing ever written there): no halt, as with the file alone missing.
    const inAMissingFolder = path.join(path.dirname(file), 'gone', 'halt.json');
    expect(readHaltFile(inAMissingFolder).level).toBe(0);
  });

  it('resume refuses without a set-up credential, a matching token or an acknowledgement, and records the label', async () => {
    const store = { db: db.store, haltFile: haltFile() };
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
    await db.store.query('DELETE FROM operator_credential');
    await raiseHalt(store, { level: 2, reason: 'manual', setBy: 'operator' });
    const token = 'tok-123456-abcdefghijklmnop';
    const request = { acknowledgement: 'checked everything here', fromLevel: 2 };
    await expect(resumeTrading(store, { ...request, token })).rejects.toThrow(
      /no operator credential is set up/,
    );
    const credentials = { db: db.store, file: credentialFileFor(path.dirname(store.haltFile)) };
    await setUpOperatorCredential(credentials, new Secret(token), 'ann');
    await expect(resumeTrading(store, { ...request, token: undefined })).rejects.toThrow(/missing or wrong/);
    await expect(resumeTrading(store, { ...request, token: 'tok-123456-abcdefghijklmnoq' })).rejects.toThrow(
      /missing or wrong/,
    );
    await expect(resumeTrading(store, { ...request, token, acknowledgement: 'ok' })).rejects.toThrow(
      /at least 10 characters/,
    );
    expect((await readHalt(store)).level).toBe(2);
    await resumeTrading(store, { ...request, token });
    expect(await readHalt(store)).toMatchObject({ level: 0, setBy: 'ann' });
    // Owner-only files: the halt and the credential's copy.
    expect(statSync(store.haltFile).mode & 0o777).toBe(0o600);
    expect(statSync(credentials.file).mode & 0o777).toBe(0o600);
  });

  it('resume is compare-and-set: a level raised after the operator looked is not cleared', async () => {
    const store = { db: db.store, haltFile: haltFile() };
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
    await db.store.query('DELETE FROM operator_credential');
    const token = 'cas-token-0123456789abcdefghij';
    await setUpOperatorCredential(
      { db: db.store, file: credentialFileFor(path.dirname(store.haltFile)) },
      new Secret(token),
      'operator',
    );
    await raiseHalt(store, { level: 2, reason: 'manual', setBy: 'operator' });
    // The operator saw 2; the watchdog flattened and locked meanwhile.
    await raiseHalt(store, { level: 4, reason: 'drawdown', setBy: 'watchdog' });
    const request = { token, acknowledgement: 'checked everything at level 2', fromLevel: 2 };
    await expect(resumeTrading(store, request)).rejects.toMatchObject({ code: 'resume_level_changed' });
    expect((await readHalt(store)).level).toBe(4);
    await expect(resumeTrading(store, { ...request, fromLevel: undefined })).rejects.toMatchObject({
      code: 'resume_no_level',
    });
    const { previous, operator } = await resumeTrading(store, { ...request, fromLevel: 4 });
    expect(previous.level).toBe(4);
    expect(operator).toBe('operator');
    expect((await readHalt(store)).level).toBe(0);
  });

  it('a credential copy replaced in the database alone is refused', async () => {
    const store = { db: db.store, haltFile: haltFile() };
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
    await db.store.query('DELETE FROM operator_credential');
    const credentials = { db: db.store, file: credentialFileFor(path.dirname(store.haltFile)) };
    await setUpOperatorCredential(credentials, new Secret('the-real-operator-token-123456'), 'operator');
    await raiseHalt(store, { level: 3, reason: 'manual', setBy: 'operator' });
    // A database-role holder swaps in a hash of their own token; the 0600 file still holds the real one.
    const forged = await hashOperatorToken('a-token-the-attacker-chose-1234', 'operator');
    await db.store.query('UPDATE operator_credential SET record = $1::jsonb', [JSON.stringify(forged)]);
    await expect(
      resumeTrading(store, {
        token: 'a-token-the-attacker-chose-1234',
        acknowledgement: 'nothing checked at all really',
        fromLevel: 3,
      }),
    ).rejects.toMatchObject({ code: 'resume_credential_copies_differ' });
    expect((await readHalt(store)).level).toBe(3);
  });
});

describe('the halt at an order submission (the row checked in the intent statement, the file read before it)', () => {
  const setRow = (value: unknown) =>
    db.store.query(
      `INSERT INTO app_state (key, value, updated_by) VALUES ('halt', $1::jsonb, 'test')
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [JSON.stringify(value)],
    );
  /** What the guard does in a statement: allows (true), or the level its refusal names (null: unreadable). */
  const guarded = async (check: ReturnType<typeof submissionHalt>): Promise<true | number | null> => {
    try {
      const result = await db.store.query<{ allowed: boolean }>(`SELECT ${check.guard} AS allowed`);
      expect(result.rows[0]!.allowed).toBe(true);
      return true;
    } catch (error) {
      const level = check.levelOf(error);
      if (level === undefined) throw error;
      return level;
    }
  };

  it('allows levels 0 and 1 and no row, refuses 2 and above with the level, and a row that is not a halt state as unreadable', async () => {
    const check = submissionHalt(haltFile());
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
    expect(await guarded(check)).toBe(true);
    for (const level of [0, 1]) {
      await setRow({ level, reason: 'r', setBy: 'watchdog', setAt: '', journalPath: null });
      expect(await guarded(check)).toBe(true);
    }
    for (const level of [2, 3, 4]) {
      await setRow({ level, reason: 'r', setBy: 'watchdog', setAt: '', journalPath: null });
      expect(await guarded(check)).toBe(level);
    }
    // As the brain's reader (haltStateSchema): the defaults stand in for missing fields...
    await setRow({ level: 1 });
    expect(await guarded(check)).toBe(true);
    // ...and what it refuses, the guard refuses too: trading stays blocked.
    for (const value of [
      { level: 1.5 },
      { level: 5 },
      { level: -1 },
      { level: '1' },
      { reason: 'no level' },
      { level: 0, reason: 7 },
      { level: 0, journalPath: 3 },
      [0],
      'halted',
    ]) {
      await setRow(value);
      expect(await guarded(check), JSON.stringify(value)).toBeNull();
    }
    // A failure that is not the guard's is not read as a halt.
    expect(check.levelOf(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeUndefined();
    expect(check.levelOf(new Error('connection refused'))).toBeUndefined();
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
  });

  it('reads the file now: missing is level 0, its level as written, unreadable is null', () => {
    const file = haltFile();
    const check = submissionHalt(file);
    expect(check.fileLevel()).toBe(0);
    writeFileSync(
      file,
      JSON.stringify({ level: 3, reason: 'offline', setBy: 'watchdog', setAt: '', journalPath: null }),
    );
    expect(check.fileLevel()).toBe(3);
    writeFileSync(file, '{ not json');
    expect(check.fileLevel()).toBeNull();
  });
});
