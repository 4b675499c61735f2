import type { Queryable } from '../store/index.ts';

/**
 * The one staleness rule: a heartbeat is stale once it is older than twice the interval it
 * promised. The watchdog escalates on it, so everything that shows or checks a heartbeat (the
 * console, `signet status`, the doctor) must say "stale" at the same moment, never later.
 */
export const staleAfterIntervals = 2;

/** How old a heartbeat promising `expectedIntervalMs` may get before it is stale. */
export function heartbeatStaleAfterMs(expectedIntervalMs: number): number {
  return staleAfterIntervals * expectedIntervalMs;
}

export function isHeartbeatStale(ageMs: number, expectedIntervalMs: number): boolean {
  return ageMs > heartbeatStaleAfterMs(expectedIntervalMs);
}

export interface HeartbeatStatus {
  name: string;
  kind: string;
  beatAt: string;
  ageMs: number;
  expectedIntervalMs: number;
  /** Older than `heartbeatStaleAfterMs(expectedIntervalMs)`. */
  stale: boolean;
  pid: number | null;
}

// clock_timestamp, not now(): inside a long transaction now() is its start, which would make beats look younger.
const selectHeartbeats = `SELECT name, kind, beat_at, expected_interval_ms, pid,
    (extract(epoch FROM clock_timestamp() - beat_at) * 1000)::bigint AS age_ms
  FROM heartbeats ORDER BY name`;

/** Every heartbeat with its age and the one staleness verdict. */
export async function readHeartbeats(queryable: Queryable): Promise<HeartbeatStatus[]> {
  const rows = await queryable.query<{
    name: string;
    kind: string;
    beat_at: Date | string;
    age_ms: number | string;
    expected_interval_ms: number | string;
    pid: number | null;
  }>(selectHeartbeats);
  return rows.rows.map((row) => {
    const ageMs = Number(row.age_ms);
    const expectedIntervalMs = Number(row.expected_interval_ms);
    return {
      name: row.name,
      kind: row.kind,
      beatAt: row.beat_at instanceof Date ? row.beat_at.toISOString() : String(row.beat_at),
      ageMs,
      expectedIntervalMs,
      stale: isHeartbeatStale(ageMs, expectedIntervalMs),
      pid: row.pid === null ? null : Number(row.pid),
    };
  });
}
