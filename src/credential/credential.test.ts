import { chmodSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { Secret } from '../config/index.ts';
import {
  checkOperatorCredentialAtStart,
  credentialFileFor,
  readCredential,
  rotateOperatorCredential,
  setUpOperatorCredential,
  verifyOperatorToken,
} from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.store.query('DELETE FROM operator_credential');
});

const storeIn = () => ({
  db: db.store,
  file: credentialFileFor(walkableTempDir(path.join(tmpdir(), 'signet-credential-'))),
});
const token = 'the-operator-token-0123456789';

describe('operator credential', () => {
  it('stores a salted hash, never the token, in the database and a 0600 file; set-up works once', async () => {
    const store = storeIn();
    expect(await setUpOperatorCredential(store, new Secret(token), 'desk')).toEqual({
      status: 'created',
      label: 'desk',
    });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    const row = await db.store.query<{ record: unknown }>('SELECT record FROM operator_credential');
    for (const text of [readFileSync(store.file, 'utf8'), JSON.stringify(row.rows)])
      expect(text).not.toContain(token);
    // Two installs of the same token never share a hash (the salt).
    const other = storeIn();
    await db.store.query('DELETE FROM operator_credential');
    await setUpOperatorCredential(other, new Secret(token), 'desk');
    expect(JSON.parse(readFileSync(other.file, 'utf8')).hash).not.toBe(
      JSON.parse(readFileSync(store.file, 'utf8')).hash,
    );
    expect(await setUpOperatorCredential(other, new Secret(token), 'someone')).toEqual({
      status: 'matches',
      label: 'desk',
    });
    expect(
      await setUpOperatorCredential(other, new Secret('another-token-0123456789abc'), 'x'),
    ).toMatchObject({
      status: 'differs',
    });
    expect(await verifyOperatorToken(other, token)).toEqual({ label: 'desk' });
    for (const wrong of ['', 'x', token.slice(0, -1), `${token}x`, token.repeat(50)])
      expect(await verifyOperatorToken(other, wrong)).toBeNull();
  });

  it('the brain refuses to start with a token that is not the one set up; a short token is refused', async () => {
    const store = storeIn();
    expect(await checkOperatorCredentialAtStart(store, undefined)).toBeNull();
    await checkOperatorCredentialAtStart(store, new Secret(token));
    await expect(
      checkOperatorCredentialAtStart(store, new Secret('not-the-operator-token-01234')),
    ).rejects.toMatchObject({ code: 'credential_token_differs' });
    await expect(setUpOperatorCredential(storeIn(), new Secret('short'), 'x')).rejects.toMatchObject({
      code: 'credential_token_short',
    });
  });

  it('rotation needs the token in force and replaces both copies', async () => {
    const store = storeIn();
    await setUpOperatorCredential(store, new Secret(token), 'desk');
    const next = 'the-next-operator-token-98765';
    await expect(
      rotateOperatorCredential(store, { oldToken: 'guess-guess-guess-guess-guess', newToken: next }),
    ).rejects.toMatchObject({ code: 'credential_bad_token' });
    expect(await verifyOperatorToken(store, token)).toEqual({ label: 'desk' });
    expect(
      await rotateOperatorCredential(store, { oldToken: token, newToken: next, label: 'night-desk' }),
    ).toEqual({
      label: 'night-desk',
    });
    expect(await verifyOperatorToken(store, token)).toBeNull();
    expect(await verifyOperatorToken(store, next)).toEqual({ label: 'night-desk' });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('a file copy others may write is not trusted', async () => {
    const store = storeIn();
    await setUpOperatorCredential(store, new Secret(token), 'desk');
    chmodSync(store.file, 0o666);
    await expect(readCredential(store)).rejects.toMatchObject({ code: 'credential_file_unsafe' });
  });
});
