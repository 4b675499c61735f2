-- An order's status is one of the ledger's states (src/ledger/states.ts ORDER_STATES; a test keeps
-- the two lists equal). Every code path writes only these, so existing rows satisfy it.
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('pending_submit', 'waiting', 'open', 'filled', 'cancelled', 'rejected', 'not_sent'));
