/** SQL of the account snapshots (app_state rows `account.<venue>.<account id>`). */
export const accountStateSql = {
  /**
   * Writes one account's snapshot and retires the pre-per-account row in the same statement:
   * once a brain has written a key of its own, that row can only mislead a reader.
   */
  write: () => `WITH legacy AS (DELETE FROM app_state WHERE key = $4)
    INSERT INTO app_state (key, value, updated_by) VALUES ($1, $2::jsonb, $3)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
  /** The newest snapshot under the venue's prefix; the legacy row only when the venue has none. */
  latest: () => `SELECT key, value, updated_at FROM app_state
    WHERE starts_with(key, $1) OR key = $2
    ORDER BY key = $2, updated_at DESC, key LIMIT 1`,
};
