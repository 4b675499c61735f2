/** SQL of the halt ladder (app_state row 'halt'). */
export const haltSql = {
  /**
   * The key as a parameter ($1 = 'halt'): a statement with parameters is prepared once per
   * connection (store/prepared.ts); without, PostgreSQL parses and plans it at every read, and
   * it is read at each cycle's start and before every order.
   */
  read: () => 'SELECT value FROM app_state WHERE key = $1',
  /** The row's value wrapped, `{ "value": … }`: as a subquery, SQL NULL is no row, never a JSON null value. */
  readWrapped: () => "SELECT jsonb_build_object('value', value) FROM app_state WHERE key = 'halt'",
  /** Locks the row so two raisers (watchdog, operator) serialise; creates it at level 0 first. */
  lock: () => `INSERT INTO app_state (key, value, updated_by) VALUES ('halt', '{"level":0}'::jsonb, 'system')
    ON CONFLICT (key) DO NOTHING`,
  readForUpdate: () => "SELECT value FROM app_state WHERE key = 'halt' FOR UPDATE",
  /**
   * The row's check inside an order intent's statement (migration 0418): true, or it raises
   * SGH02 (level 2 and above, the level as its detail) or SGH01 (not a halt state).
   */
  entriesAllowed: () => 'signet_entries_allowed()',
  write: () =>
    "UPDATE app_state SET value = $1::jsonb, updated_at = now(), updated_by = $2 WHERE key = 'halt'",
};

/** SQL the watchdog reads its invariants with. */
export const watchdogSql = {
  paidSpendToday: () => `SELECT coalesce(sum(cost_micro_usd), 0) AS micro FROM llm_cost_ledger
    WHERE NOT cost_is_notional AND ts >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
  /** Leadership among watchdogs: a session lock, released when the leader's connection ends. */
  tryLead: () => "SELECT pg_try_advisory_lock(hashtext('signet.watchdog.leader')) AS leader",
  /** $1 key, $2 equity now, $3 high-water candidate, $4 UTC day: the mark only rises, a new day starts at $2. */
  keepMarks: () => `INSERT INTO app_state (key, value, updated_by)
    VALUES ($1, jsonb_build_object('highWaterMark', $3::float8, 'day', $4::text, 'dayStartEquity', $2::float8), 'watchdog')
    ON CONFLICT (key) DO UPDATE SET value = jsonb_build_object(
      'highWaterMark', GREATEST(coalesce((app_state.value->>'highWaterMark')::float8, 0), $3::float8),
      'day', $4::text,
      'dayStartEquity', CASE WHEN app_state.value->>'day' = $4::text
        THEN coalesce((app_state.value->>'dayStartEquity')::float8, $2::float8) ELSE $2::float8 END),
      updated_at = now(), updated_by = 'watchdog'
    RETURNING value`,
};
