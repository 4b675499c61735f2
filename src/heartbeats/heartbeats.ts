import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';

export type HeartbeatKind = 'process' | 'job' | 'broker';

const upsertHeartbeat = `INSERT INTO heartbeats (name, kind, expected_interval_ms, beat_at, pid, details)
  VALUES ($1, $2, $3, now(), $4, $5::jsonb)
  ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, expected_interval_ms = EXCLUDED.expected_interval_ms,
    beat_at = EXCLUDED.beat_at, pid = EXCLUDED.pid, details = EXCLUDED.details`;

/** Records that `name` is alive and how often it promises to say so; a late beat means trouble. */
export async function beat(
  queryable: Queryable,
  name: string,
  kind: HeartbeatKind,
  expectedIntervalMs: number,
  details: Record<string, unknown> = {},
): Promise<void> {
  await queryable.query(upsertHeartbeat, [
    name,
    kind,
    expectedIntervalMs,
    process.pid,
    JSON.stringify(details),
  ]);
}

/** Beats every `intervalMs` until stopped; a failed beat is logged, never thrown. */
export function startHeartbeat(
  queryable: Queryable,
  logger: Logger,
  name: string,
  kind: HeartbeatKind,
  intervalMs: number,
): { stop(): void } {
  const tick = () =>
    beat(queryable, name, kind, intervalMs).catch((error: Error) =>
      logger.warn({ heartbeat: name, err: error.message }, 'heartbeat not recorded'),
    );
  void tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

const removeHeartbeats = 'DELETE FROM heartbeats WHERE name = ANY($1::text[]) OR kind = ANY($2::text[])';

/** Forgets heartbeats on a clean stop, so their growing age is not read as a death. */
export async function forgetHeartbeats(
  queryable: Queryable,
  names: string[],
  kinds: HeartbeatKind[] = [],
): Promise<void> {
  await queryable.query(removeHeartbeats, [names, kinds]);
}
