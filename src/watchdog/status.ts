import { type AccountSnapshot, readAccountSnapshot } from '../account-state/index.ts';
import { readJournalEntry } from '../journal/index.ts';
import type { Queryable } from '../store/index.ts';
import type { HaltState, HaltStore } from './halt.ts';
import { readHalt } from './halt.ts';
import { watchdogSql } from './sql.ts';

export interface HeartbeatStatus {
  name: string;
  kind: string;
  ageMs: number;
  expectedIntervalMs: number;
  /** Older than twice its promised interval. */
  stale: boolean;
  pid: number | null;
}

export interface StatusReport {
  halt: HaltState | null;
  haltError: string | null;
  heartbeats: HeartbeatStatus[];
  account: AccountSnapshot | null;
}

export async function heartbeatStatuses(store: Queryable, staleFactor = 2): Promise<HeartbeatStatus[]> {
  const rows = await store.query<{
    name: string;
    kind: string;
    age_ms: number;
    expected_interval_ms: number;
    pid: number | null;
  }>(watchdogSql.heartbeats());
  return rows.rows.map((row) => ({
    name: row.name,
    kind: row.kind,
    ageMs: Number(row.age_ms),
    expectedIntervalMs: Number(row.expected_interval_ms),
    stale: Number(row.age_ms) > staleFactor * Number(row.expected_interval_ms),
    pid: row.pid,
  }));
}

/**
 * What `signet status` shows: the halt (or why it cannot be read), heartbeats, and the account
 * the brain trades on `venue` (the configured `broker.kind`).
 */
export async function statusReport(store: HaltStore, venue: string): Promise<StatusReport> {
  let halt: HaltState | null = null;
  let haltError: string | null = null;
  try {
    halt = await readHalt(store);
  } catch (error) {
    haltError = (error as Error).message;
  }
  return {
    halt,
    haltError,
    heartbeats: await heartbeatStatuses(store.db),
    account: await readAccountSnapshot(store.db, venue),
  };
}

/** The text of a journal entry (a halt's), or a line saying it cannot be read. */
export async function readJournalEntryText(root: string, entryPath: string): Promise<string> {
  try {
    const entry = await readJournalEntry({ root, path: entryPath });
    return entry.text;
  } catch (error) {
    return `(journal entry ${entryPath} cannot be read: ${(error as Error).message})`;
  }
}
