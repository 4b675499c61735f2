import type { BrokerSnapshot, LocalOpenOrder } from '../../../broker/reconcile.ts';
import type { BrokerOrderState } from '../../../ledger/index.ts';
import type { IbkrBroker } from './ibkr-broker.ts';
import { type IbOrderRecord, ibBrokerOrderId, parseIbTime } from './mapping.ts';

/**
 * The broker's side of a reconciliation: every open order of the account (reqAllOpenOrders),
 * the orders completed since (reqCompletedOrders), today's executions (reqExecutions) for the
 * filled quantities and prices, and the positions. An open order of ours found in none of them
 * is one the TWS never received (a crash before placeOrder left the socket).
 */
export async function snapshotOf(
  broker: IbkrBroker,
  localOpen: readonly LocalOpenOrder[],
): Promise<BrokerSnapshot> {
  const open = await broker.book.refreshOpen();
  let completed: IbOrderRecord[] = [];
  try {
    completed = await broker.book.refreshCompleted();
  } catch {
    // An older Gateway without completed orders: executions and the book still cover fills.
  }
  const fills = await broker.book.executions();
  const byOrder = new Map<string, { qty: number; value: number; last: number }>();
  for (const fill of fills) {
    const { execution } = fill;
    const key = ibBrokerOrderId(execution.clientId ?? 0, execution.orderId);
    const total = byOrder.get(key) ?? { qty: 0, value: 0, last: 0 };
    total.qty += execution.shares;
    total.value += execution.shares * execution.price;
    byOrder.set(key, total);
  }
  const records = new Map<string, IbOrderRecord>();
  // Orders that executed and left the open list before this process knew them (a restart): their
  // executions are their record; not open any more, they are done.
  for (const fill of fills) {
    const { execution } = fill;
    const key = ibBrokerOrderId(execution.clientId ?? 0, execution.orderId);
    if (
      broker.book.records.has(key) ||
      open.some((each) => ibBrokerOrderId(each.clientId, each.orderId) === key)
    )
      continue;
    const total = byOrder.get(key)!;
    broker.book.remember({
      orderId: execution.orderId,
      clientId: execution.clientId ?? 0,
      permId: execution.permId ?? 0,
      parentId: 0,
      symbol: fill.symbol,
      side: fill.side,
      orderType: 'MKT',
      qty: total.qty,
      lmtPrice: null,
      auxPrice: null,
      tif: 'DAY',
      orderRef: execution.orderRef || null,
      account: execution.acctNumber ?? null,
      status: 'Filled',
      filled: 0,
      avgFillPrice: null,
      reason: null,
      submittedAt: parseIbTime(execution.time ?? undefined, Date.now()),
      filledAt: parseIbTime(execution.time ?? undefined, Date.now()),
    });
  }
  for (const record of [...open, ...completed])
    records.set(ibBrokerOrderId(record.clientId, record.orderId), record);
  // Orders this process placed and still remembers (filled ones leave the open list).
  const wanted = new Set(localOpen.map((each) => each.clientOrderId));
  const wantedIds = new Set(localOpen.flatMap((each) => (each.brokerOrderId ? [each.brokerOrderId] : [])));
  for (const [key, record] of broker.book.records) {
    if (records.has(key)) continue;
    if ((record.orderRef && wanted.has(record.orderRef)) || wantedIds.has(key))
      if (record.status !== 'PendingSubmit' || byOrder.has(key)) records.set(key, record);
  }
  const states: BrokerOrderState[] = [];
  for (const [key, record] of records) {
    if (record.account && record.account !== broker.accountId) continue;
    const executed = byOrder.get(key);
    if (executed && executed.qty > record.filled) {
      record.filled = executed.qty;
      record.avgFillPrice = executed.value / executed.qty;
      if (record.filled >= record.qty) record.status = 'Filled';
    }
    states.push(broker.stateOf(record));
  }
  const seenIds = new Set(states.map((state) => state.clientOrderId));
  const seenBroker = new Set(states.map((state) => state.brokerOrderId));
  const unknownClientOrderIds = localOpen
    .filter(
      (each) =>
        !seenIds.has(each.clientOrderId) && !(each.brokerOrderId && seenBroker.has(each.brokerOrderId)),
    )
    .map((each) => each.clientOrderId);
  const positions = await broker.brokerPositions();
  return { orders: states, positions, unknownClientOrderIds };
}
