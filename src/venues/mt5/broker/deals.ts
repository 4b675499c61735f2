import { publishLedgerFill } from '../../../broker/index.ts';
import { cancelSiblingLegs, recordFill, recordIntent, settleOrderFromFills } from '../../../ledger/index.ts';
import type { Queryable } from '../../../store/index.ts';
import { mt5BrokerName, type Reply } from './bridge.ts';
import { unitsFor } from './lots.ts';
import type { EaDeals } from './schemas.ts';
import { mt5Sql } from './sql.ts';

type Deal = EaDeals['deals'][number];

/**
 * The order a closing deal fills: the bracket leg the server triggered (an SL or TP hit on a
 * position our entry opened), else an exit row made for it (closed by hand, a stop-out).
 */
async function orderForDeal(
  tx: Queryable,
  deal: Deal,
  units: number,
): Promise<{ id: string; entry: string | null }> {
  const entry =
    (
      await tx.query<{ client_order_id: string }>(mt5Sql.entryOfPosition(), [
        String(deal.position_id),
        mt5BrokerName,
      ])
    ).rows[0]?.client_order_id ?? null;
  if (entry && (deal.reason === 'sl' || deal.reason === 'tp'))
    return { id: `${entry}.${deal.reason}`, entry };
  const id = `mt5-deal-${deal.ticket}`;
  // An exit Signet did not send (closed by hand, a stop-out): an order row for its fill to belong to.
  await recordIntent(tx, mt5BrokerName, {
    clientOrderId: id,
    brokerOrderId: String(deal.order),
    parentClientOrderId: entry,
    leg: 'exit',
    symbol: deal.symbol,
    side: deal.type,
    type: 'market',
    qty: units,
    timeInForce: 'gtc',
    status: 'open',
    note: `closed at the broker (${deal.reason})`,
  });
  return { id, entry };
}

/**
 * Applies the deals that closed positions, which Signet did not send itself or has not heard
 * of yet: each becomes a fill (once: a deal already recorded, e.g. by our own close command's
 * acknowledgement, is skipped), its order is filled and the other leg of its bracket cancelled.
 * The positions report that follows keeps the position ledger in step.
 */
export async function recordDeals(tx: Queryable, post: EaDeals): Promise<Reply> {
  let recorded = 0;
  for (const deal of post.deals) {
    if ((await tx.query(mt5Sql.fillSeen(), [mt5BrokerName, String(deal.ticket)])).rows.length > 0) continue;
    const contract = (
      await tx.query<{ contract_size: number }>(mt5Sql.contractSize(), [post.terminal_id, deal.symbol])
    ).rows[0];
    const units = unitsFor(deal.volume, Number(contract?.contract_size ?? 1));
    const order = await orderForDeal(tx, deal, units);
    await recordFill(tx, mt5BrokerName, {
      clientOrderId: order.id,
      executionId: String(deal.ticket),
      symbol: deal.symbol,
      side: deal.type,
      qty: units,
      price: deal.price,
      time: (deal.time_server - post.server_utc_offset_s) * 1000,
    });
    await settleOrderFromFills(tx, mt5BrokerName, order.id, 'filled', String(deal.order));
    if (order.entry) await cancelSiblingLegs(tx, mt5BrokerName, order.entry, order.id);
    // The same messages as every venue's fills: order.filled, and position.closed when flat.
    await publishLedgerFill(tx, mt5BrokerName, String(deal.ticket));
    recorded += 1;
  }
  return { status: 200, body: { ok: true, recorded, duplicates: post.deals.length - recorded } };
}
