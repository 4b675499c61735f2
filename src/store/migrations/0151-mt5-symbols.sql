-- What the EA reports about each symbol it posts bars for: the contract size and volume steps
-- that turn Signet's quantities (units of the instrument) into MT5 lots and back.

CREATE TABLE mt5_symbols (
  terminal_id text NOT NULL,
  symbol text NOT NULL,
  digits integer,
  contract_size numeric NOT NULL CHECK (contract_size > 0),
  volume_min numeric NOT NULL CHECK (volume_min > 0),
  volume_step numeric NOT NULL CHECK (volume_step > 0),
  volume_max numeric,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, symbol)
);
