import { payloadSchemas, topics } from '../bus/index.ts';
import { type LlmSection, llmPresets } from '../config/index.ts';
import type { Queryable } from '../store/index.ts';
import type { BreakerSnapshot, BreakerState } from './breaker.ts';
import { paidSpendToday } from './ledger.ts';
import { llmSql } from './sql.ts';

interface BreakerRow extends Record<string, unknown> {
  route: string;
  state: BreakerState;
  consecutive_failures: number;
  opened_at: Date | null;
  retry_at: Date | null;
  last_error_code: string | null;
  last_error: string | null;
  updated_at: Date;
}

export async function loadBreakers(
  queryable: Queryable,
): Promise<Map<string, BreakerSnapshot & { updatedAt: Date }>> {
  const result = await queryable.query<BreakerRow>(llmSql.selectBreakers());
  return new Map(
    result.rows.map((row) => [
      row.route,
      {
        route: row.route,
        state: row.state,
        consecutiveFailures: row.consecutive_failures,
        openedAt: row.opened_at?.getTime(),
        retryAt: row.retry_at?.getTime(),
        lastErrorCode: row.last_error_code ?? undefined,
        lastError: row.last_error ?? undefined,
        updatedAt: row.updated_at,
      },
    ]),
  );
}

export async function saveBreaker(queryable: Queryable, snapshot: BreakerSnapshot): Promise<void> {
  const date = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));
  await queryable.query(llmSql.upsertBreaker(), [
    snapshot.route,
    snapshot.state,
    snapshot.consecutiveFailures,
    date(snapshot.openedAt),
    date(snapshot.retryAt),
    snapshot.lastErrorCode ?? null,
    snapshot.lastError ?? null,
  ]);
}

export interface RouteStatus {
  name: string;
  kind: string;
  model: string;
  billing: string;
  priority: number;
  enabled: boolean;
  state: BreakerState;
  consecutiveFailures: number;
  retryAt: string | undefined;
  lastErrorCode: string | undefined;
  lastError: string | undefined;
  updatedAt: string | undefined;
}

/** A route refusing our request for a skill, not answered since. */
export interface OpenRejection {
  route: string;
  skill: string;
  status: number | null;
  /** "route X rejects our request for skill Y: <provider message>". */
  headline: string;
  fix: string | null;
  at: string;
}

export interface LlmStatus {
  configured: boolean;
  mode: LlmSection['mode'];
  routes: RouteStatus[];
  /** Requests a route refused as malformed (our configuration's fault), still standing. */
  rejections: OpenRejection[];
  budget: { dailyUsd: number; spentTodayUsd: number; exhausted: boolean };
}

export function defaultBilling(kind: string): 'subscription' | 'paid' | 'local' {
  if (kind === 'claude-cli' || kind === 'codex-cli') return 'subscription';
  if (kind === 'openai-compatible') return 'local';
  return 'paid';
}

/** What `signet llm status` prints: configured routes with their persisted breaker state, and the budget. */
export async function readLlmStatus(
  queryable: Queryable,
  section: LlmSection,
  now = Date.now(),
): Promise<LlmStatus> {
  const breakers = await loadBreakers(queryable);
  const spent = await paidSpendToday(queryable, now);
  const rejections = await readOpenRejections(queryable);
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const routes = [...section.routes]
    .map((route, index) => ({ route, index }))
    .sort((a, b) => a.route.priority - b.route.priority || a.index - b.index)
    .map(({ route }) => {
      const breaker = breakers.get(route.name);
      return {
        name: route.name,
        kind: route.kind,
        model: route.model,
        billing:
          route.billing ?? (route.preset ? llmPresets[route.preset].billing : defaultBilling(route.kind)),
        priority: route.priority,
        enabled: route.enabled,
        state: breaker?.state ?? 'closed',
        consecutiveFailures: breaker?.consecutiveFailures ?? 0,
        retryAt: iso(breaker?.retryAt),
        lastErrorCode: breaker?.lastErrorCode,
        lastError: breaker?.lastError,
        updatedAt: breaker?.updatedAt.toISOString(),
      };
    });
  const dailyUsd = section.budget.dailyUsd;
  return {
    configured: routes.some((route) => route.enabled),
    mode: section.mode,
    routes,
    rejections,
    budget: { dailyUsd, spentTodayUsd: spent / 1e6, exhausted: dailyUsd > 0 && spent >= dailyUsd * 1e6 },
  };
}

const rejectionPayload = payloadSchemas[topics.llmRequestRejected];

export async function readOpenRejections(queryable: Queryable): Promise<OpenRejection[]> {
  const result = await queryable.query<{ recorded_at: Date; payload: unknown }>(llmSql.openRejections(), [
    topics.llmRequestRejected,
  ]);
  return result.rows.flatMap((row) => {
    const parsed = rejectionPayload.safeParse(row.payload);
    if (!parsed.success) return [];
    return [
      {
        route: parsed.data.route,
        skill: parsed.data.skill,
        status: parsed.data.status ?? null,
        headline: parsed.data.headline,
        fix: parsed.data.fix ?? null,
        at: row.recorded_at.toISOString(),
      },
    ];
  });
}
