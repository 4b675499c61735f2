/** The evaluation's SQL, as small pure builders. */
export const evaluationSql = {
  /** The Strategist's answers of one run's cycles ($1 topic, $2 `run id/%`), oldest first. */
  proposals(): string {
    return `SELECT cycle_id, payload FROM agent_messages WHERE topic = $1 AND cycle_id LIKE $2 ORDER BY id`;
  },
};
