/** SQL the position monitor reads with (the ledger writes orders and positions, src/ledger). */
export const monitorSql = {
  positions: () =>
    'SELECT symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id FROM positions WHERE broker = $1',
  /** The stop price of the newest stop-loss we know of for the symbol (bracket child or re-attached). */
  /** The newest stop price on the side that closes the position ($3: sell for a long, buy for a short). */
  lastStopPrice:
    () => `SELECT stop_price FROM orders WHERE broker = $1 AND symbol = $2 AND leg = 'stop_loss' AND side = $3
    AND stop_price IS NOT NULL ORDER BY id DESC LIMIT 1`,
};
