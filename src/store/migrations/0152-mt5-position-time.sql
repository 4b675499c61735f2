-- When each MT5 position opened (POSITION_TIME, converted from the trade server's clock to UTC).
ALTER TABLE mt5_positions ADD COLUMN opened_utc bigint;
