import { z } from 'zod';
import type { Queryable } from '../store/index.ts';
import { accountStateSql } from './sql.ts';

/** What the brain stores of an account after each cycle; the watchdog and the console read it. */
export const accountSnapshotSchema = z.object({
  equity: z.number(),
  cash: z.number(),
  highWaterMark: z.number(),
  dayStartEquity: z.number(),
  positions: z.number(),
  at: z.string(),
});
export type AccountSnapshot = z.infer<typeof accountSnapshotSchema>;

/**
 * The one key every account was stored under before keys named the account: a sim, an Alpaca
 * and an MT5 account all overwrote it. Read only as a fallback, so a database written before the
 * change still shows its account until the brain writes its first snapshot under the new key.
 */
export const legacyAccountStateKey = 'account.paper';

/** `account.<venue>.<account id>`: one row per account, so two venues never share a high-water mark. */
export function accountStateKey(venue: string, accountId: string): string {
  if (accountId.length === 0) throw new Error('an account state key needs an account id');
  return `${accountStatePrefix(venue)}${accountId}`;
}

/** What every key of the venue's accounts starts with. */
export function accountStatePrefix(venue: string): string {
  // The first dot after `account.` ends the venue: an account id may hold dots (MT5 servers do).
  if (venue.length === 0 || venue.includes('.'))
    throw new Error(
      `venue "${venue}" cannot name an account key: it must be non-empty and cannot contain "."`,
    );
  return `account.${venue}.`;
}

/** The venue and account a key names, or null for a key that is not an account's. */
export function parseAccountStateKey(key: string): { venue: string; accountId: string } | null {
  const match = /^account\.([^.]+)\.(.+)$/.exec(key);
  return match ? { venue: match[1]!, accountId: match[2]! } : null;
}

export interface StoredAccountState {
  key: string;
  /** As stored: readers validate it with `accountSnapshotSchema` (or show it as it is). */
  value: unknown;
  updatedAt: Date;
}

export async function writeAccountState(
  db: Queryable,
  account: { venue: string; accountId: string },
  value: Record<string, unknown>,
  writtenBy: string,
): Promise<string> {
  const key = accountStateKey(account.venue, account.accountId);
  await db.query(accountStateSql.write(), [key, JSON.stringify(value), writtenBy, legacyAccountStateKey]);
  return key;
}

/**
 * The account the brain trades on the venue: the newest snapshot among the venue's keys (the
 * brain trades one account at a time, and a switch of account writes a new key at the next
 * cycle), else the legacy row.
 */
export async function readAccountState(db: Queryable, venue: string): Promise<StoredAccountState | null> {
  const rows = await db.query<{ key: string; value: unknown; updated_at: Date }>(accountStateSql.latest(), [
    accountStatePrefix(venue),
    legacyAccountStateKey,
  ]);
  const row = rows.rows[0];
  return row ? { key: row.key, value: row.value, updatedAt: row.updated_at } : null;
}

/** The venue's account snapshot, validated; null when there is none or it does not parse. */
export async function readAccountSnapshot(db: Queryable, venue: string): Promise<AccountSnapshot | null> {
  const parsed = accountSnapshotSchema.safeParse((await readAccountState(db, venue))?.value);
  return parsed.success ? parsed.data : null;
}
