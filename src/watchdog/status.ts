import { z } from 'zod';
import { type HeartbeatStatus, readHeartbeats } from '../heartbeats/index.ts';
import type { Queryable } from '../store/index.ts';
import { watchdogSql } from './sql.ts';

export type { HeartbeatStatus };

export const accountSnapshotSchema = z.object({
  equity: z.number(),
  cash: z.number(),
  highWaterMark: z.number(),
  dayStartEquity: z.number(),
  positions: z.number(),
  at: z.string(),
});
export type AccountSnapshot = z.infer<typeof accountSnapshotSchema>;

/** Every heartbeat, stale by the one rule (`heartbeats/` `isHeartbeatStale`). */
export async function heartbeatStatuses(store: Queryable): Promise<HeartbeatStatus[]> {
  return await readHeartbeats(store);
}

/** The stored account row as written by the brain: its value unparsed, and when it was written. */
export interface AccountState {
  value: unknown;
  updatedAt: string | null;
}

/**
 * The only function that knows where the brain keeps its account snapshot (the app_state key):
 * the watchdog, `signet status` and the operator API all read it through here.
 */
export async function readAccountState(store: Queryable): Promise<AccountState | null> {
  const result = await store.query<{ value: unknown; updated_at: Date | string | null }>(
    watchdogSql.account(),
  );
  const row = result.rows[0];
  if (!row) return null;
  const updatedAt =
    row.updated_at instanceof Date
      ? row.updated_at.toISOString()
      : row.updated_at == null
        ? null
        : String(row.updated_at);
  return { value: row.value, updatedAt };
}

/** The snapshot the invariants rely on, or null when there is none or it lacks a field. */
export function parseAccountSnapshot(state: AccountState | null): AccountSnapshot | null {
  const parsed = accountSnapshotSchema.safeParse(state?.value);
  return parsed.success ? parsed.data : null;
}

export async function readAccountSnapshot(store: Queryable): Promise<AccountSnapshot | null> {
  return parseAccountSnapshot(await readAccountState(store));
}
