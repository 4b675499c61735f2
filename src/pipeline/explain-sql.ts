/** SQL behind `signet explain`. */
export const explainSql = {
  /** The order's cycle and its intent message (a bracket leg's: its entry's). */
  cycleOfOrder: () =>
    `SELECT o.cycle_id, COALESCE(o.message_id, p.message_id) AS message_id
    FROM orders o LEFT JOIN orders p ON p.client_order_id = o.parent_client_order_id
    WHERE o.client_order_id = $1`,
  cycleOfMessage: () => 'SELECT cycle_id FROM agent_messages WHERE id = $1',
  /** The cycle's own orders and their bracket children (which carry no cycle id of their own at some brokers). */
  ordersOfCycle:
    () => `SELECT client_order_id, parent_client_order_id, leg, symbol, side, type, qty, limit_price, stop_price, status, reject_reason
    FROM orders
    WHERE cycle_id = $1 OR parent_client_order_id IN (SELECT client_order_id FROM orders WHERE cycle_id = $1)
    ORDER BY id`,
  fillsOfOrder: () =>
    'SELECT qty, price, commission, ts FROM fills WHERE client_order_id = $1 ORDER BY ts, id',
  journalOfCycle: () =>
    'SELECT ts, symbol, agent, outcome, decided_by, path FROM agent_journal WHERE cycle_id = $1 ORDER BY id',
};
