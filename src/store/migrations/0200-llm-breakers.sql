-- Circuit breaker state per LLM route, written on every transition so `signet llm status`
-- (another process) sees what the brain's router sees, and a restarted brain keeps open routes open.
CREATE TABLE llm_breakers (
  route text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('closed', 'open', 'half_open')),
  consecutive_failures integer NOT NULL DEFAULT 0,
  opened_at timestamptz,
  -- open: when the next trial call may go; closed: a vendor's retry-after still running.
  retry_at timestamptz,
  last_error_code text,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX llm_cost_ledger_route_ts ON llm_cost_ledger (route, ts);
