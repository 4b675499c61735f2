-- How each symbol may be traded, as the EA reports it with its contract (SignetBridge 1.2):
-- SYMBOL_TRADE_TICK_SIZE (the price grid when coarser than the point), SYMBOL_FILLING_MODE
-- (bit flags: 1 FOK, 2 IOC, 4 BOC) and SYMBOL_TRADE_MODE (0 disabled … 4 full), for `signet doctor`.

ALTER TABLE mt5_symbols
  ADD COLUMN tick_size numeric CHECK (tick_size > 0),
  ADD COLUMN filling_mode integer,
  ADD COLUMN trade_mode integer;
