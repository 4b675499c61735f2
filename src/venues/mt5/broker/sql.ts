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

  storedBar: () =>
    `SELECT extract(epoch FROM time_utc)::float8 AS time_utc, open::float8, high::float8, low::float8, close::float8
       FROM mt5_bars WHERE terminal_id = $1 AND symbol = $2 AND timeframe = $3 AND time_server = $4`,

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

  terminal: () => `INSERT INTO mt5_terminals (terminal_id) VALUES ($1) ON CONFLICT (terminal_id) DO NOTHING`,
  positionsTimeForUpdate: () =>
    `SELECT positions_time_utc FROM mt5_terminals WHERE terminal_id = $1 FOR UPDATE`,
  setPositionsTime: () =>
    `UPDATE mt5_terminals SET positions_time_utc = $2, updated_at = now() WHERE terminal_id = $1`,
  clearPositions: () => `DELETE FROM mt5_positions WHERE terminal_id = $1`,
  insertPosition: () =>
    `INSERT INTO mt5_positions (terminal_id, ticket, symbol, side, volume, price_open, sl, tp, magic, comment, opened_utc)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  /**
   * The mt5 broker's positions as the ledger keeps them: net quantity per symbol over every
   * terminal, in units of the instrument (lots × the contract size the EA reported; 1 until it
   * reports one).
   */
  netPositions: () =>
    `SELECT p.symbol,
            sum(CASE WHEN p.side = 'buy' THEN p.volume ELSE -p.volume END * COALESCE(s.contract_size, 1)) AS qty,
            sum(p.volume * p.price_open) / sum(p.volume) AS avg_price
       FROM mt5_positions p
       LEFT JOIN mt5_symbols s ON s.terminal_id = p.terminal_id AND s.symbol = p.symbol
      GROUP BY p.symbol ORDER BY p.symbol`,
  /** One terminal's positions, with the contract size that turns lots into units (null: unknown). */
  positionsOf: () =>
    `SELECT p.ticket, p.symbol, p.side, p.volume, p.price_open, p.sl, p.tp, p.opened_utc, s.contract_size
       FROM mt5_positions p
       LEFT JOIN mt5_symbols s ON s.terminal_id = p.terminal_id AND s.symbol = p.symbol
      WHERE p.terminal_id = $1 ORDER BY p.symbol, p.ticket`,
  /** A close_all still on its way to the EA (queued, or delivered and not yet acknowledged). */
  closeAllPending: () =>
    `SELECT command_id FROM mt5_commands
      WHERE terminal_id = $1 AND action = 'close_all' AND status IN ('queued', 'delivered') AND expires_at > now()
      LIMIT 1`,
  /** modify commands still on their way to the EA, by position ticket. */
  modifyPending: () =>
    `SELECT command_id, (payload->>'position_ticket')::bigint AS ticket FROM mt5_commands
      WHERE terminal_id = $1 AND action = 'modify' AND status IN ('queued', 'delivered') AND expires_at > now()`,
  /** Our entry whose MT5 order became the position (in MT5 the position id is its opening order's ticket). */
  entryOfPosition: () =>
    `SELECT client_order_id FROM orders WHERE broker = $2 AND broker_order_id = $1 AND leg = 'entry' LIMIT 1`,
  fillSeen: () => `SELECT 1 FROM fills WHERE broker = $1 AND broker_fill_id = $2`,
  digits: () => `SELECT digits, tick_size FROM mt5_symbols WHERE terminal_id = $1 AND symbol = $2`,
  symbolTrading: () =>
    `SELECT symbol, filling_mode, trade_mode FROM mt5_symbols WHERE terminal_id = $1 ORDER BY symbol`,
  contractSize: () => `SELECT contract_size FROM mt5_symbols WHERE terminal_id = $1 AND symbol = $2`,
  upsertSymbol: () =>
    `INSERT INTO mt5_symbols (terminal_id, symbol, digits, contract_size, volume_min, volume_step, volume_max,
                              tick_size, filling_mode, trade_mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (terminal_id, symbol) DO UPDATE SET digits = EXCLUDED.digits, contract_size = EXCLUDED.contract_size,
       volume_min = EXCLUDED.volume_min, volume_step = EXCLUDED.volume_step, volume_max = EXCLUDED.volume_max,
       tick_size = EXCLUDED.tick_size, filling_mode = EXCLUDED.filling_mode, trade_mode = EXCLUDED.trade_mode,
       updated_at = now()`,
  symbolSpec: () =>
    `SELECT contract_size, volume_min, volume_step, volume_max, digits, tick_size FROM mt5_symbols WHERE terminal_id = $1 AND symbol = $2`,
  /** Terminals whose EA has beaten, newest first (heartbeat names are mt5:<terminal_id>). */
  terminalsHeard: () =>
    `SELECT substr(name, 5) AS terminal_id,
            (extract(epoch FROM (now() - beat_at)) * 1000)::float8 AS age_ms, expected_interval_ms, details
       FROM heartbeats WHERE name LIKE 'mt5:%' ORDER BY beat_at DESC`,
  orderByClientId: () =>
    `SELECT client_order_id, broker_order_id, parent_client_order_id, leg, symbol, side, type, qty, limit_price,
            stop_price, status, filled_qty, avg_fill_price, reject_reason, cycle_id, submitted_at,
            (SELECT extract(epoch FROM max(ts)) * 1000 FROM fills f
              WHERE f.client_order_id = orders.client_order_id AND f.broker = orders.broker)::float8 AS filled_at,
            ARRAY(SELECT c.client_order_id FROM orders c
                   WHERE c.parent_client_order_id = orders.client_order_id ORDER BY c.leg) AS children
       FROM orders WHERE client_order_id = $1 AND broker = $2`,
};
