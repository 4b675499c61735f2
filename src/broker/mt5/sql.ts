/** SQL of the MT5 bridge, as small pure builders (callers pass a Queryable). */
export const mt5Sql = {
  /** Claims a msg_id; no row back means it was seen before (answer with the stored response). */
  claimMessage: () =>
    `INSERT INTO mt5_messages (terminal_id, msg_id, kind, response) VALUES ($1, $2, $3, '{}'::jsonb)
     ON CONFLICT (terminal_id, msg_id) DO NOTHING RETURNING msg_id`,
  storedResponse: () => `SELECT response FROM mt5_messages WHERE terminal_id = $1 AND msg_id = $2`,
  storeResponse: () => `UPDATE mt5_messages SET response = $3::jsonb WHERE terminal_id = $1 AND msg_id = $2`,

  /** Receipt time is the beat (the EA's clock may be off); details only move forward in EA time. */
  beat: () =>
    `INSERT INTO heartbeats (name, kind, expected_interval_ms, beat_at, details)
     VALUES ($1, 'broker', $2, now(), $3::jsonb)
     ON CONFLICT (name) DO UPDATE SET beat_at = now(), expected_interval_ms = EXCLUDED.expected_interval_ms,
       details = CASE WHEN (EXCLUDED.details->>'time_utc')::bigint >= COALESCE((heartbeats.details->>'time_utc')::bigint, 0)
                      THEN EXCLUDED.details ELSE heartbeats.details END`,
  heartbeatAge: () =>
    `SELECT (extract(epoch FROM (now() - beat_at)) * 1000)::float8 AS age_ms, details FROM heartbeats WHERE name = $1`,

  countQueued: () =>
    `SELECT count(*)::int AS n FROM mt5_commands WHERE terminal_id = $1 AND status = 'queued' AND expires_at > now()`,

  insertBar: () =>
    `INSERT INTO mt5_bars (terminal_id, symbol, timeframe, time_server, time_utc, open, high, low, close,
                           tick_volume, spread, real_volume)
     VALUES ($1, $2, $3, $4, to_timestamp($5), $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT DO NOTHING RETURNING time_server`,

  insertCapture: () =>
    `INSERT INTO mt5_captures (capture_id, terminal_id, symbol, timeframe, time_server, content_type, bytes)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (capture_id) DO NOTHING`,

  queueCommand: () =>
    `INSERT INTO mt5_commands (command_id, terminal_id, client_order_id, action, payload, expires_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, now() + make_interval(secs => $6))
     ON CONFLICT (command_id) DO NOTHING RETURNING seq`,

  /** Commands nobody picked up in time: expired, never handed out late. */
  expireQueued: () =>
    `UPDATE mt5_commands SET status = 'expired' WHERE terminal_id = $1 AND status = 'queued' AND expires_at <= now()
     RETURNING client_order_id`,

  /**
   * Hands out the oldest queued command exactly once. FOR UPDATE SKIP LOCKED: when the EA polls
   * twice at once (a timer tick while a slow poll is still running, or a retried request), the
   * second transaction skips the row the first has locked instead of waiting for it and then
   * seeing it already delivered; with the status flip in the same statement, no command is ever
   * handed to two polls.
   */
  takeNextCommand: () =>
    `WITH next AS (
       SELECT seq FROM mt5_commands
        WHERE terminal_id = $1 AND status = 'queued' AND expires_at > now()
        ORDER BY seq LIMIT 1
        FOR UPDATE SKIP LOCKED)
     UPDATE mt5_commands c SET status = 'delivered', delivered_at = now()
       FROM next WHERE c.seq = next.seq
     RETURNING c.seq, c.command_id, c.action, c.payload, extract(epoch FROM c.expires_at)::bigint AS expires_utc`,

  commandForUpdate: () =>
    `SELECT seq, command_id, client_order_id, action, payload, status, ack FROM mt5_commands
      WHERE command_id = $1 AND terminal_id = $2 FOR UPDATE`,
  settleCommand: () =>
    `UPDATE mt5_commands SET status = $2, ack = $3::jsonb, acked_at = now() WHERE command_id = $1`,
  cancelQueued: () =>
    `UPDATE mt5_commands SET status = 'cancelled' WHERE client_order_id = $1 AND status = 'queued' RETURNING seq`,

  settleOrder: () =>
    `UPDATE orders SET status = $2, broker_order_id = COALESCE($3, broker_order_id), filled_qty = $4,
            avg_fill_price = $5, reject_reason = $6, updated_at = now()
      WHERE client_order_id = $1 AND broker = $7`,
  insertFill: () =>
    `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, commission, ts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, to_timestamp($8)) ON CONFLICT (broker, broker_fill_id) DO NOTHING`,

  terminal: () => `INSERT INTO mt5_terminals (terminal_id) VALUES ($1) ON CONFLICT (terminal_id) DO NOTHING`,
  positionsTimeForUpdate: () =>
    `SELECT positions_time_utc FROM mt5_terminals WHERE terminal_id = $1 FOR UPDATE`,
  setPositionsTime: () =>
    `UPDATE mt5_terminals SET positions_time_utc = $2, updated_at = now() WHERE terminal_id = $1`,
  clearPositions: () => `DELETE FROM mt5_positions WHERE terminal_id = $1`,
  insertPosition: () =>
    `INSERT INTO mt5_positions (terminal_id, ticket, symbol, side, volume, price_open, sl, tp, magic, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  /** The ledger's positions for the mt5 broker: net volume per symbol over every terminal. */
  syncLedgerPositions: () =>
    `WITH net AS (
       SELECT symbol, sum(CASE WHEN side = 'buy' THEN volume ELSE -volume END) AS qty,
              sum(volume * price_open) / sum(volume) AS avg_price
         FROM mt5_positions GROUP BY symbol)
     , removed AS (DELETE FROM positions p WHERE p.broker = $1 AND NOT EXISTS (
         SELECT 1 FROM net WHERE net.symbol = p.symbol AND net.qty <> 0))
     INSERT INTO positions (broker, symbol, qty, avg_price)
     SELECT $1, symbol, qty, avg_price FROM net WHERE qty <> 0
     ON CONFLICT (broker, symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price, updated_at = now()`,
  /** Ledger positions of the mt5 broker that no filled order of ours explains. */
  unexplainedSymbols: () =>
    `SELECT p.symbol, p.qty, p.avg_price FROM positions p
      WHERE p.broker = $1 AND NOT EXISTS (
        SELECT 1 FROM orders o WHERE o.broker = $1 AND o.symbol = p.symbol AND o.filled_qty > 0)
      ORDER BY p.symbol`,
  positionsOf: () =>
    `SELECT ticket, symbol, side, volume, price_open, sl, tp FROM mt5_positions ORDER BY symbol, ticket`,
  orderByClientId: () =>
    `SELECT client_order_id, broker_order_id, parent_client_order_id, leg, symbol, side, type, qty, limit_price,
            stop_price, status, filled_qty, avg_fill_price, reject_reason, cycle_id, submitted_at
       FROM orders WHERE client_order_id = $1 AND broker = $2`,
};
