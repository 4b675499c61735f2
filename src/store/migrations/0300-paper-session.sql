-- The paper session's own log: every request the paper broker accepted, with the bar it came
-- at. The paper broker lives in the brain's memory; replaying the sim bars and these requests
-- rebuilds it exactly after a restart (the sim feed is deterministic from its seed).
CREATE TABLE paper_requests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id text NOT NULL,
  bar_index integer NOT NULL,
  client_order_id text NOT NULL,
  request jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, client_order_id)
);
CREATE INDEX paper_requests_run ON paper_requests (run_id, bar_index, id);
