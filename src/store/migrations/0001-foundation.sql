-- Signet's minimum tables (DESIGN.md "Storage"). Later migrations add, never edit.

-- The bus. tx_id is the writing transaction's id: consumers read only below the oldest
-- transaction still running, so a message whose transaction commits late is never skipped.
CREATE TABLE agent_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  envelope_version smallint NOT NULL,
  ts timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  from_agent text NOT NULL,
  to_agent text NOT NULL,
  topic text NOT NULL,
  cycle_id text,
  causation_id bigint,
  payload jsonb NOT NULL,
  signatures jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX agent_messages_position ON agent_messages (tx_id, id);
CREATE INDEX agent_messages_cycle ON agent_messages (cycle_id, id) WHERE cycle_id IS NOT NULL;
CREATE INDEX agent_messages_ts ON agent_messages (ts, id);
CREATE INDEX agent_messages_topic_ts ON agent_messages (topic, ts);

-- A durable consumer's position: everything at or before (tx_id, message_id) is handled.
CREATE TABLE bus_offsets (
  consumer text PRIMARY KEY,
  tx_id xid8 NOT NULL DEFAULT '0',
  message_id bigint NOT NULL DEFAULT 0,
  failing_message_id bigint,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Messages a consumer gave up on after its retries; they no longer block the consumer.
CREATE TABLE bus_parked (
  consumer text NOT NULL,
  message_id bigint NOT NULL,
  topic text NOT NULL,
  attempts integer NOT NULL,
  error text NOT NULL,
  parked_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  PRIMARY KEY (consumer, message_id)
);

-- One row per decision, pointing at its markdown file under context/journal/.
CREATE TABLE agent_journal (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts timestamptz NOT NULL,
  cycle_id text,
  symbol text,
  agent text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('proposed', 'no_trade', 'vetoed', 'signed', 'executed', 'rejected', 'exited', 'halted', 'resumed', 'reconciled', 'error')),
  decided_by text NOT NULL DEFAULT 'code' CHECK (decided_by IN ('llm', 'fallback', 'code', 'operator', 'watchdog')),
  client_order_id text,
  message_id bigint,
  path text NOT NULL,
  summary jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_journal_ts ON agent_journal (ts);
CREATE INDEX agent_journal_cycle ON agent_journal (cycle_id);

-- Every LLM attempt, priced. cost_micro_usd is notional for subscription routes.
CREATE TABLE llm_cost_ledger (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts timestamptz NOT NULL DEFAULT now(),
  route text NOT NULL,
  route_kind text NOT NULL,
  model text NOT NULL,
  agent text,
  skill text,
  cycle_id text,
  request_hash text,
  attempt integer NOT NULL DEFAULT 1,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cached_tokens integer NOT NULL DEFAULT 0,
  cost_micro_usd bigint NOT NULL DEFAULT 0,
  cost_is_notional boolean NOT NULL DEFAULT false,
  latency_ms integer NOT NULL DEFAULT 0,
  outcome text NOT NULL,
  error_class text
);
CREATE INDEX llm_cost_ledger_ts ON llm_cost_ledger (ts);

-- Request hash (route-independent) -> validated answer, for replay and cache.
CREATE TABLE llm_calls (
  request_hash text PRIMARY KEY,
  skill text NOT NULL,
  skill_version text NOT NULL,
  route text NOT NULL,
  model text NOT NULL,
  request jsonb NOT NULL,
  response jsonb NOT NULL,
  raw_text text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Orders carry a deterministic client_order_id: resubmitting the same decision is a no-op.
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_order_id text NOT NULL UNIQUE,
  broker text NOT NULL,
  broker_order_id text,
  parent_client_order_id text,
  leg text NOT NULL DEFAULT 'entry' CHECK (leg IN ('entry', 'stop_loss', 'take_profit', 'exit', 'flatten')),
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  type text NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
  qty numeric NOT NULL CHECK (qty > 0),
  limit_price numeric,
  stop_price numeric,
  time_in_force text NOT NULL DEFAULT 'day',
  status text NOT NULL,
  filled_qty numeric NOT NULL DEFAULT 0,
  avg_fill_price numeric,
  reject_reason text,
  cycle_id text,
  message_id bigint,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  raw jsonb
);
CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_cycle ON orders (cycle_id);

CREATE TABLE fills (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_order_id text NOT NULL REFERENCES orders (client_order_id),
  broker_fill_id text NOT NULL,
  broker text NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty numeric NOT NULL CHECK (qty > 0),
  price numeric NOT NULL CHECK (price > 0),
  commission numeric NOT NULL DEFAULT 0,
  ts timestamptz NOT NULL,
  UNIQUE (broker, broker_fill_id)
);
CREATE INDEX fills_order ON fills (client_order_id);

CREATE TABLE positions (
  broker text NOT NULL,
  symbol text NOT NULL,
  qty numeric NOT NULL,
  avg_price numeric NOT NULL,
  stop_client_order_id text,
  take_profit_client_order_id text,
  opened_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (broker, symbol)
);

-- Small shared state: stance, halt level and reason, per-process settings.
CREATE TABLE app_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);

-- Heartbeats of processes and scheduled jobs; a beat older than its expected interval is stale.
CREATE TABLE heartbeats (
  name text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('process', 'job', 'broker')),
  expected_interval_ms integer NOT NULL CHECK (expected_interval_ms > 0),
  beat_at timestamptz NOT NULL DEFAULT now(),
  pid integer,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
