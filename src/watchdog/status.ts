import { type HeartbeatStatus, readHeartbeats } from '../heartbeats/index.ts';
import type { Queryable } from '../store/index.ts';

export type { HeartbeatStatus };

/** Every heartbeat, stale by the one rule (`heartbeats/` `isHeartbeatStale`). */
export async function heartbeatStatuses(store: Queryable): Promise<HeartbeatStatus[]> {
  return await readHeartbeats(store);
}
