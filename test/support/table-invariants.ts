import type { Queryable } from '../../src/store/index.ts';

/**
 * What must hold of our tables at every moment outside a step in progress (issue 17), as the
 * list of what breaks it (empty: it holds):
 * - every open position points to a stop-loss row that is working (`open`), on the side that
 *   closes it: a sell stop under a long, a buy stop above a short (issue 21);
 * - every position equals the net of its symbol's fills (and no symbol nets to a position we lack);
 * - no order is still `pending_submit`.
 */
export async function tableViolations(db: Queryable, broker: string): Promise<string[]> {
  const violations: string[] = [];
  const unprotected = await db.query<{ symbol: string; stop: string | null; status: string | null }>(
    `SELECT p.symbol, p.stop_client_order_id AS stop, s.status
       FROM positions p LEFT JOIN orders s ON s.client_order_id = p.stop_client_order_id
      WHERE p.broker = $1 AND p.qty <> 0 AND (s.status IS NULL OR s.status <> 'open')
      ORDER BY p.symbol`,
    [broker],
  );
  for (const row of unprotected.rows)
    violations.push(`position ${row.symbol}: stop ${row.stop ?? 'none'} is ${row.status ?? 'missing'}`);
  const wrongSide = await db.query<{
    symbol: string;
    stop: string;
    side: string;
    qty: string;
    price: string;
  }>(
    `SELECT p.symbol, s.client_order_id AS stop, s.side, p.qty::text AS qty, s.stop_price::text AS price
       FROM positions p JOIN orders s ON s.client_order_id = p.stop_client_order_id
      WHERE p.broker = $1 AND p.qty <> 0
        AND s.side <> CASE WHEN p.qty < 0 THEN 'buy' ELSE 'sell' END
      ORDER BY p.symbol`,
    [broker],
  );
  for (const row of wrongSide.rows)
    violations.push(
      `position ${row.symbol}: stop ${row.stop} is a ${row.side} stop at ${row.price} on a ${Number(row.qty) < 0 ? 'short' : 'long'} of ${row.qty}`,
    );
  const unequal = await db.query<{ symbol: string; position: string | null; fills: string | null }>(
    `WITH net AS (
       SELECT symbol, sum(CASE WHEN side = 'buy' THEN qty ELSE -qty END) AS qty
         FROM fills WHERE broker = $1 GROUP BY symbol),
     held AS (SELECT symbol, qty FROM positions WHERE broker = $1)
     SELECT COALESCE(held.symbol, net.symbol) AS symbol, held.qty::text AS position, net.qty::text AS fills
       FROM held FULL JOIN net ON net.symbol = held.symbol
      WHERE COALESCE(held.qty, 0) <> COALESCE(net.qty, 0)
      ORDER BY 1`,
    [broker],
  );
  for (const row of unequal.rows)
    violations.push(`position ${row.symbol}: ${row.position ?? 'none'} held, fills net ${row.fills ?? 0}`);
  const pending = await db.query<{ client_order_id: string }>(
    `SELECT client_order_id FROM orders WHERE broker = $1 AND status = 'pending_submit' ORDER BY id`,
    [broker],
  );
  for (const row of pending.rows) violations.push(`order ${row.client_order_id} still pending_submit`);
  return violations;
}

/** How many positions are open, and how many of their stops work. */
export async function openPositions(db: Queryable, broker: string): Promise<number> {
  const result = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM positions WHERE broker = $1 AND qty <> 0',
    [broker],
  );
  return Number(result.rows[0]?.n ?? 0);
}
