-- A stop moved by the monitor (breakeven, trail) keeps the price the Risk Gate accepted: the
-- position's initial risk R is measured from it. Null on a stop never moved (stop_price is it).
ALTER TABLE orders ADD COLUMN initial_stop_price numeric;
