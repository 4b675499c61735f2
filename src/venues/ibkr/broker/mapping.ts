import type { OrderLeg, OrderSide, OrderStatus } from '../../../broker/index.ts';
import type { BrokerOrderState } from '../../../ledger/index.ts';

/** What we keep of an IB order: openOrder's contract and order, orderStatus's progress, an error's reason. */
export interface IbOrderRecord {
  orderId: number;
  clientId: number;
  permId: number;
  parentId: number;
  symbol: string;
  side: OrderSide;
  /** IB's order type (MKT, LMT, STP, ...). */
  orderType: string;
  qty: number;
  lmtPrice: number | null;
  auxPrice: number | null;
  tif: string;
  /** Our client order id, when we placed it. */
  orderRef: string | null;
  account: string | null;
  /** IB's status (PreSubmitted, Submitted, Filled, Cancelled, Inactive, ...). */
  status: string;
  filled: number;
  avgFillPrice: number | null;
  /** Why it ended (error 201's text, a cancel's reason). */
  reason: string | null;
  /** Epoch ms first seen. */
  submittedAt: number;
  /** Epoch ms of the last execution, when filled. */
  filledAt: number | null;
}

/** Our broker order id of an IB order: ids are per API client, so the client id is part of it. */
export function ibBrokerOrderId(clientId: number, orderId: number): string {
  return `${clientId}/${orderId}`;
}

export function parseBrokerOrderId(id: string): { clientId: number; orderId: number } | undefined {
  const match = /^(-?\d+)\/(-?\d+)$/.exec(id);
  return match ? { clientId: Number(match[1]), orderId: Number(match[2]) } : undefined;
}

/**
 * IB's order statuses (https://interactivebrokers.github.io/tws-api/order_submission.html#order_status)
 * in Signet's five. PreSubmitted / Submitted / PendingSubmit / PendingCancel / ApiPending are working;
 * Filled is filled; Cancelled / ApiCancelled end it unfilled; Inactive is an order the TWS or the
 * exchange refused (or holds for lack of permissions): rejected. A bracket child whose parent has
 * not filled is `waiting`.
 */
export function ibStatus(status: string, child: { parentFilled: boolean } | null): OrderStatus {
  switch (status) {
    case 'Filled':
      return 'filled';
    case 'Cancelled':
    case 'ApiCancelled':
      return 'cancelled';
    case 'Inactive':
      return 'rejected';
    default:
      return child && !child.parentFilled ? 'waiting' : 'open';
  }
}

/** The leg an orderRef names (`<entry>.sl` / `<entry>.tp`), with the entry's id. */
export function splitLegRef(
  orderRef: string,
): { parent: string; leg: 'stop_loss' | 'take_profit' } | undefined {
  if (orderRef.endsWith('.sl')) return { parent: orderRef.slice(0, -3), leg: 'stop_loss' };
  if (orderRef.endsWith('.tp')) return { parent: orderRef.slice(0, -3), leg: 'take_profit' };
  return undefined;
}

function ourType(orderType: string): BrokerOrderState['type'] {
  if (orderType === 'LMT') return 'limit';
  if (orderType === 'STP') return 'stop';
  if (orderType === 'STP LMT') return 'stop_limit';
  return 'market';
}

/** The ledger leg of an order: from its orderRef, else from how it was placed. */
function legOf(record: IbOrderRecord, fallback: OrderLeg): OrderLeg {
  const leg = record.orderRef ? splitLegRef(record.orderRef) : undefined;
  if (leg) return leg.leg;
  if (record.parentId !== 0) return record.orderType === 'LMT' ? 'take_profit' : 'stop_loss';
  return fallback;
}

/**
 * An IB order as a ledger state. `parent` is the bracket parent's record when the order is a child
 * (it decides `waiting`). Orders another client placed by hand have no orderRef: their id is IB's.
 */
export function toOrderState(
  record: IbOrderRecord,
  parent: IbOrderRecord | undefined,
  fallbackLeg: OrderLeg = 'entry',
): BrokerOrderState {
  const child = record.parentId !== 0 ? { parentFilled: parent?.status === 'Filled' } : null;
  const brokerOrderId = ibBrokerOrderId(record.clientId, record.orderId);
  const status = ibStatus(record.status, child);
  return {
    clientOrderId: record.orderRef ?? `ib:${brokerOrderId}`,
    brokerOrderId,
    parentClientOrderId: record.parentId !== 0 ? (parent?.orderRef ?? null) : null,
    leg: legOf(record, fallbackLeg),
    symbol: record.symbol,
    side: record.side,
    type: ourType(record.orderType),
    qty: record.qty,
    limitPrice: record.lmtPrice,
    stopPrice: record.auxPrice,
    timeInForce: record.tif.toLowerCase() || 'day',
    status,
    filledQty: record.filled,
    avgFillPrice: record.filled > 0 ? record.avgFillPrice : null,
    submittedAt: record.submittedAt,
    filledAt: status === 'filled' ? (record.filledAt ?? record.submittedAt) : record.filledAt,
    reason: status === 'rejected' || status === 'cancelled' ? record.reason : null,
  };
}

/**
 * An execution's time as IB writes it: "yyyyMMdd  HH:mm:ss" (local to the Gateway, two spaces) or
 * "yyyyMMdd HH:mm:ss Zone/Name" (https://interactivebrokers.github.io/tws-api/classIBApi_1_1Execution.html).
 * Without a zone the Gateway's time is taken as UTC (the Gateway should run in UTC: see the runbook).
 */
export function parseIbTime(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const match = /^(\d{4})(\d{2})(\d{2})\s+(\d{2}):(\d{2}):(\d{2})(?:\s+(\S+))?$/.exec(text.trim());
  if (!match) {
    const seconds = Number(text);
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallback;
  }
  const [, y, mo, d, h, mi, s, zone] = match;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (!zone || zone === 'UTC' || zone === 'GMT') return utc;
  return utc - zoneOffsetMs(zone, utc);
}

/** The offset of an IANA zone at an instant (Intl gives the wall clock there). */
function zoneOffsetMs(zone: string, at: number): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(at));
    const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
    const wall = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    );
    return wall - at;
  } catch {
    return 0;
  }
}
