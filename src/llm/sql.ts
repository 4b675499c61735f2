/** The llm module's SQL, as small pure builders (conventions: callers pass a Queryable). */
export const llmSql = {
  /**
   * One ledger row, committed without waiting for the WAL flush (synchronous_commit off for this
   * statement's own transaction only): the row is visible and crash-consistent at once, and a
   * PostgreSQL crash (not an app crash) can lose at most the last fraction of a second of rows.
   * That trade keeps the fsync (2-15 ms on a busy disk) off every LLM call. Run it outside a
   * caller's transaction, which it would otherwise relax too.
   */
  insertLedger(): string {
    return `INSERT INTO llm_cost_ledger (route, route_kind, model, agent, skill, cycle_id, request_hash, attempt,
      input_tokens, output_tokens, cached_tokens, cost_micro_usd, cost_is_notional, latency_ms, outcome, error_class)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
      FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed`;
  },
  /**
   * `rows` ledger rows in one statement, the same columns and commit as insertLedger: parameters
   * $1..$16 are the first row, $17..$32 the second, …; ids are drawn in row order.
   */
  insertLedgerRows(rows: number): string {
    const types = [
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'int',
      'int',
      'int',
      'int',
      'bigint',
      'boolean',
      'int',
      'text',
      'text',
    ];
    const tuples = Array.from(
      { length: rows },
      (_, row) => `(${types.map((type, column) => `$${row * 16 + column + 1}::${type}`).join(', ')}, ${row})`,
    );
    return `INSERT INTO llm_cost_ledger (route, route_kind, model, agent, skill, cycle_id, request_hash, attempt,
      input_tokens, output_tokens, cached_tokens, cost_micro_usd, cost_is_notional, latency_ms, outcome, error_class)
      SELECT v.route, v.route_kind, v.model, v.agent, v.skill, v.cycle_id, v.request_hash, v.attempt, v.input_tokens,
        v.output_tokens, v.cached_tokens, v.cost_micro_usd, v.cost_is_notional, v.latency_ms, v.outcome, v.error_class
      FROM (VALUES ${tuples.join(', ')}) AS v(route, route_kind, model, agent, skill, cycle_id, request_hash, attempt,
        input_tokens, output_tokens, cached_tokens, cost_micro_usd, cost_is_notional, latency_ms, outcome, error_class, ordinal),
        (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
      ORDER BY v.ordinal`;
  },
  /** Real (not notional) spend since a moment: what the daily budget counts. */
  /** Paid spend since $1: the decision path's calls, or (shadow) only the challengers' `shadow:` calls. */
  paidSpendSince(scope: 'decisions' | 'shadow' = 'decisions'): string {
    const agents =
      scope === 'shadow' ? "agent LIKE 'shadow:%'" : "(agent IS NULL OR agent NOT LIKE 'shadow:%')";
    return `SELECT COALESCE(SUM(cost_micro_usd), 0)::bigint AS micro FROM llm_cost_ledger
      WHERE ts >= $1 AND NOT cost_is_notional AND ${agents}`;
  },
  ledgerSummary(): string {
    return `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, route, model, COALESCE(agent, '') AS agent,
        count(*)::int AS attempts,
        count(*) FILTER (WHERE outcome = 'ok')::int AS ok,
        COALESCE(SUM(input_tokens), 0)::bigint AS input_tokens,
        COALESCE(SUM(output_tokens), 0)::bigint AS output_tokens,
        COALESCE(SUM(cached_tokens), 0)::bigint AS cached_tokens,
        COALESCE(SUM(cost_micro_usd) FILTER (WHERE NOT cost_is_notional), 0)::bigint AS cost_micro_usd,
        COALESCE(SUM(cost_micro_usd) FILTER (WHERE cost_is_notional), 0)::bigint AS notional_micro_usd,
        COALESCE(round(avg(latency_ms)), 0)::int AS avg_latency_ms
      FROM llm_cost_ledger WHERE ts >= $1 AND ts < $2
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
  },
  /** Every route and model that answered a recorded call (what replay may serve). */
  recordedModels(): string {
    return 'SELECT DISTINCT route, model FROM llm_calls ORDER BY route, model';
  },
  /** Recorded answers whose prompt names one of the symbols ($1, text[]): the cache hit estimate. */
  recordedCallsForSymbols(): string {
    return `SELECT count(*)::int AS n FROM llm_calls
      WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS s WHERE request->>'prompt' LIKE '%Symbol: ' || s || '%')`;
  },
  /** Per route and model: calls, mean tokens and cost per call (the estimate's history). */
  callAverages(): string {
    return `SELECT route, model, count(*)::int AS calls,
        COALESCE(avg(input_tokens), 0)::float8 AS input_tokens,
        COALESCE(avg(output_tokens), 0)::float8 AS output_tokens,
        COALESCE(avg(cached_tokens), 0)::float8 AS cached_tokens
      FROM llm_cost_ledger WHERE outcome = 'ok' GROUP BY route, model`;
  },
  /** Real and notional spend of the ledger rows of one run's cycles ($1: `run id/%`). */
  runSpend(): string {
    return `SELECT COALESCE(SUM(cost_micro_usd), 0)::bigint AS micro, count(*)::int AS calls
      FROM llm_cost_ledger WHERE cycle_id LIKE $1`;
  },
  selectCall(): string {
    return 'SELECT route, model, raw_text FROM llm_calls WHERE request_hash = $1';
  },
  upsertCall(): string {
    return `INSERT INTO llm_calls (request_hash, skill, skill_version, route, model, request, response, raw_text)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (request_hash) DO UPDATE SET route = EXCLUDED.route, model = EXCLUDED.model,
        response = EXCLUDED.response, raw_text = EXCLUDED.raw_text, created_at = now()`;
  },
  selectBreakers(): string {
    return `SELECT route, state, consecutive_failures, opened_at, retry_at, last_error_code, last_error, updated_at
      FROM llm_breakers ORDER BY route`;
  },
  upsertBreaker(): string {
    return `INSERT INTO llm_breakers (route, state, consecutive_failures, opened_at, retry_at, last_error_code, last_error, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, now())
      ON CONFLICT (route) DO UPDATE SET state = EXCLUDED.state, consecutive_failures = EXCLUDED.consecutive_failures,
        opened_at = EXCLUDED.opened_at, retry_at = EXCLUDED.retry_at, last_error_code = EXCLUDED.last_error_code,
        last_error = EXCLUDED.last_error, updated_at = now()`;
  },
  /**
   * The latest refusal of each route + skill (`llm.request_rejected`, wall-clock `recorded_at`)
   * that no answer of that route for that skill has followed since: the problems still standing.
   */
  openRejections(): string {
    return `SELECT DISTINCT ON (m.payload->>'route', m.payload->>'skill') m.recorded_at, m.payload
      FROM agent_messages m
      WHERE m.topic = $1 AND m.recorded_at > now() - interval '30 days'
        AND NOT EXISTS (SELECT 1 FROM llm_cost_ledger l
          WHERE l.route = m.payload->>'route' AND l.skill = m.payload->>'skill'
            AND l.outcome = 'ok' AND l.ts > m.recorded_at)
      ORDER BY m.payload->>'route', m.payload->>'skill', m.id DESC`;
  },
};
