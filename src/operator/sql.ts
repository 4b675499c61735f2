/** The operator's ledger reads: small pure builders, run through a `Queryable`. */
export const operatorSql = {
  positions:
    () => `SELECT p.broker, p.symbol, p.qty, p.avg_price, p.stop_client_order_id, p.take_profit_client_order_id,
      p.opened_at, p.updated_at, s.stop_price AS stop_price, s.status AS stop_status, t.limit_price AS take_profit_price
    FROM positions p
    LEFT JOIN orders s ON s.client_order_id = p.stop_client_order_id
    LEFT JOIN orders t ON t.client_order_id = p.take_profit_client_order_id
    WHERE p.qty <> 0 ORDER BY p.symbol`,
  orders:
    () => `SELECT client_order_id, broker, parent_client_order_id, leg, symbol, side, type, qty, limit_price,
      stop_price, status, filled_qty, avg_fill_price, reject_reason, cycle_id, submitted_at, updated_at
    FROM orders
    WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR symbol = $2)
    ORDER BY id DESC LIMIT $3`,
  fills:
    () => `SELECT f.id, f.client_order_id, f.broker, f.symbol, f.side, f.qty, f.price, f.commission, f.ts, o.leg
    FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
    WHERE ($1::text IS NULL OR f.symbol = $1)
    ORDER BY f.ts DESC, f.id DESC LIMIT $2`,
  cycles: () => `SELECT m.cycle_id, min(m.ts) AS first_ts, max(m.ts) AS last_ts, count(*)::int AS messages,
      array_agg(DISTINCT m.topic) AS topics, max(m.id) AS last_id,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('symbol', j.symbol, 'outcome', j.outcome, 'decidedBy', j.decided_by)
         ORDER BY j.id), '[]'::jsonb) FROM agent_journal j WHERE j.cycle_id = m.cycle_id) AS outcomes
    FROM agent_messages m
    WHERE m.cycle_id IS NOT NULL
    GROUP BY m.cycle_id ORDER BY max(m.id) DESC LIMIT $1`,
  recentJournal: () => `SELECT ts, symbol, agent, outcome, decided_by, cycle_id, client_order_id, path
    FROM agent_journal WHERE ($1::text IS NULL OR symbol = $1) AND outcome <> 'command'
    ORDER BY ts DESC, id DESC LIMIT $2`,
} as const;
