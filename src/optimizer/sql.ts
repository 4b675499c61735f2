/**
 * The optimizer's SQL: reads only. Its own outputs are files and one bus message (published
 * through the bus module), so nothing here writes.
 */
const messageColumns = 'id, ts, from_agent, topic, cycle_id, causation_id, payload, signatures';

export const optimizerSql = {
  /** Everything after this runs read only: PostgreSQL itself refuses any write in the snapshot. */
  readOnly: () => 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY',
  /** Decision and trade messages of a window [from, to). */
  windowMessages: () => `SELECT ${messageColumns} FROM agent_messages
    WHERE ts >= $1 AND ts < $2 AND topic = ANY($3::text[]) ORDER BY ts, id`,
  /** The decision messages of given cycles (proposals behind fills and exits of the window). */
  cycleMessages: () => `SELECT ${messageColumns} FROM agent_messages
    WHERE cycle_id = ANY($1::text[]) AND topic = ANY($2::text[]) ORDER BY ts, id`,
  /** Order intents by client order id (links a fill or a closed trade to its proposal). */
  intents: () => `SELECT ${messageColumns} FROM agent_messages
    WHERE topic = $2 AND payload->>'clientOrderId' = ANY($1::text[]) ORDER BY id`,
  /** LLM router events of the window, or of the window's cycles. */
  llmEvents: () => `SELECT ${messageColumns} FROM agent_messages
    WHERE topic = ANY($4::text[])
      AND ((ts >= $1 AND ts < $2) OR cycle_id = ANY($3::text[])) ORDER BY ts, id`,
  /** Ledger rows made in the window or for the window's cycles (sim time differs from wall time). */
  ledger:
    () => `SELECT id, ts, route, model, COALESCE(agent, '') AS agent, COALESCE(skill, '') AS skill, cycle_id,
      request_hash, attempt, input_tokens, output_tokens, cost_micro_usd, cost_is_notional, outcome, error_class
    FROM llm_cost_ledger WHERE (ts >= $1 AND ts < $2) OR cycle_id = ANY($3::text[]) ORDER BY id`,
  /** Journal rows of closed trades in the window. */
  exits: () => `SELECT id, ts, symbol, path FROM agent_journal
    WHERE outcome = 'exited' AND ts >= $1 AND ts < $2 ORDER BY ts, id`,
  simSession: () => "SELECT value FROM app_state WHERE key = 'sim.session'",
  /** The UTC day of the newest journal entry (its decision time: bar time in sim, wall time live). */
  latestJournalDay: () =>
    "SELECT to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM agent_journal",
};

/** Challengers in shadow: their decisions of a window and what they cost (reads only). */
export const challengerSql = {
  /** `strategist.shadow` messages of the window [from, to), oldest first. */
  shadowDecisions: () => `SELECT id, ts, cycle_id, payload FROM agent_messages
    WHERE topic = $3 AND ts >= $1 AND ts < $2 ORDER BY ts, id`,
  /** The champion message each shadow decision answers (its causation). */
  championOf: () => `SELECT s.id AS shadow_id, c.payload FROM agent_messages s
    JOIN agent_messages c ON c.id = s.causation_id WHERE s.id = ANY($1::bigint[])`,
  /** Spend of the `shadow:` ledger agents, made in the window or for the given cycles. */
  shadowCost: () => `SELECT agent, count(*)::int AS calls,
      COALESCE(SUM(cost_micro_usd) FILTER (WHERE NOT cost_is_notional), 0)::bigint AS micro,
      COALESCE(SUM(cost_micro_usd) FILTER (WHERE cost_is_notional), 0)::bigint AS notional_micro
    FROM llm_cost_ledger
    WHERE agent LIKE 'shadow:%' AND ((ts >= $1 AND ts < $2) OR cycle_id = ANY($3::text[]))
    GROUP BY agent ORDER BY agent`,
};
