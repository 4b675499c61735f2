/** SQL the position monitor reads with (the ledger writes orders and positions, src/ledger). */
export const monitorSql = {
  positions: () =>
    'SELECT symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id FROM positions WHERE broker = $1',
  /** The newest stop price on the side that closes the position ($3: sell for a long, buy for a short). */
  lastStopPrice:
    () => `SELECT stop_price FROM orders WHERE broker = $1 AND symbol = $2 AND leg = 'stop_loss' AND side = $3
    AND stop_price IS NOT NULL ORDER BY id DESC LIMIT 1`,
  /**
   * The first price of a stop (R is measured from it): the stop named when it is ours, else the
   * newest stop-loss row of the symbol on the closing side, $4 (MT5 keeps the SL on the position).
   */
  initialStopPrice: () =>
    `SELECT COALESCE(initial_stop_price, stop_price) AS initial_stop_price FROM orders
      WHERE broker = $1 AND symbol = $2 AND leg = 'stop_loss' AND stop_price IS NOT NULL
        AND ($3::text IS NULL OR client_order_id = $3) AND side = $4
      ORDER BY id DESC LIMIT 1`,
};
