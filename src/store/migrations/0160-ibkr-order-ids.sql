-- Interactive Brokers order ids: the API client chooses them, each above every id it used
-- before (https://interactivebrokers.github.io/tws-api/order_submission.html: "the next valid
-- identifier ... persists between TWS sessions"). The TWS tells the floor at connect
-- (nextValidId); we keep our own floor too, so an id is never reused after a restart even
-- where the TWS's answer is lower (a reset of its settings, another Gateway).
CREATE TABLE IF NOT EXISTS ibkr_order_ids (
  account    text        NOT NULL,
  client_id  integer     NOT NULL,
  next_id    bigint      NOT NULL CHECK (next_id > 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, client_id)
);
