-- MetaTrader 5 EA bridge (/mt5/v1): commands queued for the EA, EA messages seen (idempotency
-- on msg_id), bars and chart captures the EA posted, the EA's open positions.

CREATE TABLE mt5_commands (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  command_id text NOT NULL UNIQUE,
  terminal_id text NOT NULL,
  client_order_id text,
  action text NOT NULL CHECK (action IN ('open', 'close', 'modify', 'cancel', 'close_all')),
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'delivered', 'done', 'rejected', 'expired', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  delivered_at timestamptz,
  acked_at timestamptz,
  ack jsonb
);
CREATE INDEX mt5_commands_queued ON mt5_commands (terminal_id, seq) WHERE status = 'queued';

CREATE TABLE mt5_messages (
  terminal_id text NOT NULL,
  msg_id text NOT NULL,
  kind text NOT NULL,
  response jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, msg_id)
);

CREATE TABLE mt5_bars (
  terminal_id text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL,
  time_server bigint NOT NULL,
  time_utc timestamptz NOT NULL,
  open numeric NOT NULL,
  high numeric NOT NULL,
  low numeric NOT NULL,
  close numeric NOT NULL,
  tick_volume bigint NOT NULL,
  spread integer NOT NULL,
  real_volume bigint NOT NULL,
  PRIMARY KEY (terminal_id, symbol, timeframe, time_server)
);

CREATE TABLE mt5_captures (
  capture_id text PRIMARY KEY,
  terminal_id text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL,
  time_server bigint NOT NULL,
  content_type text NOT NULL,
  bytes bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mt5_positions (
  terminal_id text NOT NULL,
  ticket bigint NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  volume numeric NOT NULL,
  price_open numeric NOT NULL,
  sl numeric,
  tp numeric,
  magic bigint,
  comment text,
  PRIMARY KEY (terminal_id, ticket)
);

-- Per terminal: the EA time of the newest positions snapshot applied (older ones are ignored).
CREATE TABLE mt5_terminals (
  terminal_id text PRIMARY KEY,
  positions_time_utc bigint NOT NULL DEFAULT 0,
  heartbeat_time_utc bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
