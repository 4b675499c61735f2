import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { minimumTokenLength as configMinimumTokenLength, type Secret } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { fileModesApply } from '../platform/index.ts';
import type { Queryable } from '../store/index.ts';
import { credentialSql } from './sql.ts';

/**
 * The operator's resume credential. The token itself is never stored: a salted scrypt hash of
 * it is, in the database and in a 0600 file under the data folder, at set-up. Resume verifies a
 * presented token against these copies, so whoever runs `signet resume` cannot pick the secret
 * by exporting SIGNET_OPERATOR_TOKEN in their own shell.
 */
export class CredentialError extends SignetError {}

const base64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/);

export const credentialRecordSchema = z.strictObject({
  algorithm: z.literal('scrypt'),
  label: z.string().min(1).max(100),
  salt: base64,
  hash: base64,
  cost: z.number().int().min(1_024).max(1_048_576),
  blockSize: z.number().int().min(1).max(32),
  parallelization: z.number().int().min(1).max(16),
  keyLength: z.number().int().min(32).max(128),
  createdAt: z.string(),
});
export type CredentialRecord = z.infer<typeof credentialRecordSchema>;

export const credentialLabelSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._@ -]+$/, 'letters, digits, space and . _ @ - only');

export interface CredentialStore {
  db: Queryable & { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> };
  /** `<dataDir>/operator-credential.json`. */
  file: string;
}

export function credentialFileFor(dataPath: string): string {
  return path.join(dataPath, 'operator-credential.json');
}

// 2^15 × 8 × 128 bytes = 32 MiB per derivation: slow for a guesser, ~0.1 s for the operator.
const parameters = { cost: 32_768, blockSize: 8, parallelization: 1, keyLength: 32 } as const;

type Parameters = Pick<CredentialRecord, 'cost' | 'blockSize' | 'parallelization' | 'keyLength'>;

function derive(token: string, salt: Buffer, record: Parameters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      token,
      salt,
      record.keyLength,
      {
        N: record.cost,
        r: record.blockSize,
        p: record.parallelization,
        maxmem: 256 * record.cost * record.blockSize,
      },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashOperatorToken(token: string, label: string): Promise<CredentialRecord> {
  const salt = randomBytes(16);
  const key = await derive(token, salt, parameters);
  return {
    algorithm: 'scrypt',
    label,
    salt: salt.toString('base64'),
    hash: key.toString('base64'),
    ...parameters,
    createdAt: new Date().toISOString(),
  };
}

/** Constant time over equal-length derived keys: neither the token's length nor content leaks. */
export async function tokenMatchesRecord(record: CredentialRecord, token: string): Promise<boolean> {
  const expected = Buffer.from(record.hash, 'base64');
  const given = await derive(token, Buffer.from(record.salt, 'base64'), record);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Writes a file only its owner can read or write (a temporary file renamed over it). */
export function writePrivateFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, file);
}

function readFileCopy(file: string): CredentialRecord | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // A copy others may write could have been replaced: it is not trusted. Windows reports 0o666
  // for any writable file: there the folder's ACL guards it (docs/runbook.md), not a mode.
  const mode = statSync(file).mode & 0o777;
  if (fileModesApply() && (mode & 0o022) !== 0)
    throw new CredentialError(`${file} is writable by others (mode ${mode.toString(8)})`, {
      code: 'credential_file_unsafe',
      fault: 'user',
      fix: `chmod 600 ${file} after checking nobody replaced it (or rotate the token).`,
    });
  return credentialRecordSchema.parse(JSON.parse(text));
}

async function readDatabaseCopy(db: Queryable, forUpdate = false): Promise<CredentialRecord | null> {
  const result = await db.query<{ record: unknown }>(
    forUpdate ? credentialSql.readForUpdate() : credentialSql.read(),
  );
  const row = result.rows[0];
  return row ? credentialRecordSchema.parse(row.record) : null;
}

const sameRecord = (a: CredentialRecord, b: CredentialRecord) =>
  a.salt === b.salt && a.hash === b.hash && a.label === b.label;

/**
 * The credential in force: the database row, which the file copy (when this host has one) must
 * equal. Throws when none is set up or the copies disagree (one of them was replaced).
 */
export async function readCredential(
  store: CredentialStore,
  db: Queryable = store.db,
): Promise<CredentialRecord> {
  const stored = await readDatabaseCopy(db, db !== store.db);
  if (!stored)
    throw new CredentialError('no operator credential is set up', {
      code: 'credential_not_set_up',
      fault: 'user',
      fix: 'Start the brain once with SIGNET_OPERATOR_TOKEN set, or run `signet operator set-up` with the token.',
    });
  const copy = readFileCopy(store.file);
  if (copy && !sameRecord(copy, stored))
    throw new CredentialError(`the operator credential in the database and ${store.file} disagree`, {
      code: 'credential_copies_differ',
      fault: 'user',
      fix: 'One copy was replaced: find out by whom before anything else, then rotate the token.',
    });
  return stored;
}

/** The label of the credential the token matches, or null when it matches none. */
export async function verifyOperatorToken(
  store: CredentialStore,
  token: string,
): Promise<{ label: string } | null> {
  const record = await readCredential(store);
  return (await tokenMatchesRecord(record, token)) ? { label: record.label } : null;
}

// The same floor the configuration applies to SIGNET_OPERATOR_TOKEN.
const minimumTokenLength = configMinimumTokenLength;

function checkLength(token: string, what: string): void {
  if (token.length < minimumTokenLength)
    throw new CredentialError(`${what} is shorter than ${minimumTokenLength} characters`, {
      code: 'credential_token_short',
      fault: 'user',
      fix: 'Use a random token, e.g. `openssl rand -base64 32`.',
    });
}

export type SetUpOutcome = { status: 'created' | 'matches' | 'differs'; label: string };

/**
 * Stores the credential when none exists (the brain's first start, `signet operator set-up`);
 * when one exists, says whether the token matches it, and restores a missing file copy.
 */
export async function setUpOperatorCredential(
  store: CredentialStore,
  token: Secret,
  label: string,
): Promise<SetUpOutcome> {
  checkLength(token.reveal(), 'the operator token');
  const existing = await readDatabaseCopy(store.db);
  if (!existing) {
    const record = await hashOperatorToken(token.reveal(), credentialLabelSchema.parse(label));
    await store.db.query(credentialSql.insert(), [record.label, JSON.stringify(record)]);
    const stored = await readDatabaseCopy(store.db);
    // Another process may have set up first: whatever the row now holds is the credential.
    if (stored && sameRecord(stored, record)) {
      writePrivateFile(store.file, `${JSON.stringify(record, null, 2)}\n`);
      return { status: 'created', label: record.label };
    }
    return setUpOperatorCredential(store, token, label);
  }
  if (!(await tokenMatchesRecord(existing, token.reveal())))
    return { status: 'differs', label: existing.label };
  const copy = readFileCopy(store.file);
  if (!copy) writePrivateFile(store.file, `${JSON.stringify(existing, null, 2)}\n`);
  else if (!sameRecord(copy, existing)) await readCredential(store); // throws copies_differ
  return { status: 'matches', label: existing.label };
}

/** Replaces the credential; the old token must verify against the copies in force. */
export async function rotateOperatorCredential(
  store: CredentialStore,
  request: { oldToken: string; newToken: string; label?: string },
): Promise<{ label: string }> {
  checkLength(request.newToken, 'the new operator token');
  return store.db.transaction(async (tx) => {
    const current = await readCredential(store, tx);
    if (!(await tokenMatchesRecord(current, request.oldToken)))
      throw new CredentialError('rotation refused: the current operator token is wrong', {
        code: 'credential_bad_token',
        fault: 'user',
        fix: 'Give the token in force now (--old-token-file); a lost token needs the database owner.',
      });
    const label = credentialLabelSchema.parse(request.label ?? current.label);
    const record = await hashOperatorToken(request.newToken, label);
    await tx.query(credentialSql.rotate(), [label, JSON.stringify(record)]);
    writePrivateFile(store.file, `${JSON.stringify(record, null, 2)}\n`);
    return { label };
  });
}

/**
 * The brain's start: the first start with SIGNET_OPERATOR_TOKEN sets the credential up; later
 * starts refuse a token that is not the one set up (after a rotation, the old one), because the
 * operator API would otherwise accept a token that can no longer resume.
 */
export async function checkOperatorCredentialAtStart(
  store: CredentialStore,
  token: Secret | undefined,
): Promise<SetUpOutcome | null> {
  if (!token) return null;
  const outcome = await setUpOperatorCredential(store, token, 'operator');
  if (outcome.status === 'differs')
    throw new CredentialError(
      `SIGNET_OPERATOR_TOKEN is not the operator token set up for this installation (${outcome.label})`,
      {
        code: 'credential_token_differs',
        fault: 'user',
        fix: 'Export the token in force (after `signet operator rotate-token`, the new one).',
      },
    );
  return outcome;
}
