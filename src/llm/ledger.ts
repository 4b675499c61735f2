import type { Queryable } from '../store/index.ts';
import type { RouteKind } from './route.ts';
import { llmSql } from './sql.ts';

/** One row of `llm_cost_ledger`: one attempt (a repair is its own attempt). */
export interface LedgerEntry {
  route: string;
  routeKind: RouteKind;
  model: string;
  agent: string;
  skill: string;
  cycleId: string | undefined;
  requestHash: string;
  attempt: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicroUsd: number;
  costIsNotional: boolean;
  latencyMs: number;
  /** ok | invalid_output | error */
  outcome: 'ok' | 'invalid_output' | 'error';
  errorClass: string | undefined;
}

/** The ledger fields of an attempt that failed: nothing answered, nothing spent. */
export function failedAttempt(
  model: string,
  errorClass: string,
  latencyMs: number,
): Omit<LedgerEntry, 'route' | 'routeKind' | 'agent' | 'skill' | 'cycleId' | 'requestHash' | 'attempt'> {
  return {
    model,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costMicroUsd: 0,
    costIsNotional: false,
    latencyMs,
    outcome: 'error',
    errorClass,
  };
}

export async function recordAttempt(queryable: Queryable, entry: LedgerEntry): Promise<void> {
  await queryable.query(llmSql.insertLedger(), ledgerParameters(entry));
}

/** Several rows in one statement (and one commit), in the given order: the ledger writer's batch. */
export async function recordAttempts(queryable: Queryable, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length === 1) return recordAttempt(queryable, entries[0]!);
  await queryable.query(llmSql.insertLedgerRows(entries.length), entries.flatMap(ledgerParameters));
}

function ledgerParameters(entry: LedgerEntry): unknown[] {
  return [
    entry.route,
    entry.routeKind,
    entry.model,
    entry.agent,
    entry.skill,
    entry.cycleId ?? null,
    entry.requestHash,
    entry.attempt,
    entry.inputTokens,
    entry.outputTokens,
    entry.cachedTokens,
    entry.costMicroUsd,
    entry.costIsNotional,
    Math.round(entry.latencyMs),
    entry.outcome,
    entry.errorClass ?? null,
  ];
}

export interface LedgerSummaryRow {
  day: string;
  route: string;
  model: string;
  agent: string;
  attempts: number;
  ok: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number;
  notionalUsd: number;
  avgLatencyMs: number;
}

/** Spend by UTC day, route, model and agent for [from, to). */
export async function ledgerSummary(queryable: Queryable, from: Date, to: Date): Promise<LedgerSummaryRow[]> {
  const result = await queryable.query<Record<string, unknown>>(llmSql.ledgerSummary(), [from, to]);
  return result.rows.map((row) => ({
    day: String(row.day),
    route: String(row.route),
    model: String(row.model),
    agent: String(row.agent),
    attempts: Number(row.attempts),
    ok: Number(row.ok),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cachedTokens: Number(row.cached_tokens),
    costUsd: Number(row.cost_micro_usd) / 1e6,
    notionalUsd: Number(row.notional_micro_usd) / 1e6,
    avgLatencyMs: Number(row.avg_latency_ms),
  }));
}

export function startOfUtcDay(now: number): Date {
  const day = new Date(now);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
}

/** Real spend (not notional) of the UTC day containing `now`, in micro-dollars. */
export async function paidSpendToday(
  queryable: Queryable,
  now: number,
  scope: 'decisions' | 'shadow' = 'decisions',
): Promise<number> {
  const result = await queryable.query<{ micro: number }>(llmSql.paidSpendSince(scope), [startOfUtcDay(now)]);
  return Number(result.rows[0]?.micro ?? 0);
}
