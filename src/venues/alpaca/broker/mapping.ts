import type { Order, OrderLeg, OrderStatus } from '../../../broker/index.ts';
import type { BrokerOrderState } from '../../../broker/reconcile-ledger.ts';
import type { AlpacaOrder } from './schemas.ts';

/** Alpaca's order statuses in Signet's five. `held` is a bracket leg waiting for its entry. */
export function alpacaStatus(status: string): OrderStatus {
  switch (status) {
    case 'held':
      return 'waiting';
    case 'filled':
      return 'filled';
    case 'canceled':
    case 'expired':
    case 'replaced':
    case 'done_for_day':
      return 'cancelled';
    case 'rejected':
    case 'suspended':
      return 'rejected';
    default:
      return 'open';
  }
}

/** Our id of a bracket leg: Alpaca names legs itself, we name them after the entry (as the paper broker does). */
export function legClientOrderId(parentClientOrderId: string, leg: 'stop_loss' | 'take_profit'): string {
  return `${parentClientOrderId}${leg === 'stop_loss' ? '.sl' : '.tp'}`;
}

/** The entry's id and the leg when `clientOrderId` names a bracket leg of ours. */
export function splitLegId(
  clientOrderId: string,
): { parent: string; leg: 'stop_loss' | 'take_profit' } | undefined {
  if (clientOrderId.endsWith('.sl')) return { parent: clientOrderId.slice(0, -3), leg: 'stop_loss' };
  if (clientOrderId.endsWith('.tp')) return { parent: clientOrderId.slice(0, -3), leg: 'take_profit' };
  return undefined;
}

const epochMs = (text: string | null | undefined) => (text ? Date.parse(text) : Number.NaN);

function stateOf(
  order: AlpacaOrder,
  clientOrderId: string,
  leg: OrderLeg,
  parent: string | null,
): BrokerOrderState {
  const submitted = epochMs(order.submitted_at ?? order.created_at);
  const filled = epochMs(order.filled_at);
  return {
    clientOrderId,
    brokerOrderId: order.id,
    parentClientOrderId: parent,
    leg,
    symbol: order.symbol,
    side: order.side,
    // trailing stops are never sent by Signet; recorded as stops if one appears.
    type: order.type === 'trailing_stop' ? 'stop' : order.type,
    qty: order.qty ?? order.filled_qty,
    limitPrice: order.limit_price ?? null,
    stopPrice: order.stop_price ?? null,
    timeInForce: order.time_in_force,
    status: alpacaStatus(order.status),
    filledQty: order.filled_qty,
    avgFillPrice: order.filled_avg_price,
    submittedAt: Number.isFinite(submitted) ? submitted : 0,
    filledAt: Number.isFinite(filled) ? filled : null,
    reason: order.status === 'rejected' ? 'rejected by the broker' : null,
  };
}

/** An Alpaca order and its bracket legs as ledger states, entry first. */
export function orderStates(order: AlpacaOrder, leg: OrderLeg = 'entry'): BrokerOrderState[] {
  const parent = stateOf(order, order.client_order_id, leg, null);
  const states = [parent];
  for (const child of order.legs ?? []) {
    const childLeg = child.type === 'limit' ? 'take_profit' : 'stop_loss';
    states.push(
      stateOf(child, legClientOrderId(order.client_order_id, childLeg), childLeg, order.client_order_id),
    );
  }
  return states;
}

/** A ledger state as the `Broker` contract's Order; `family` are the entry and its legs. */
export function toOrder(
  state: BrokerOrderState,
  family: readonly BrokerOrderState[],
  cycleId: string | null = null,
): Order {
  const linked = state.parentClientOrderId
    ? family.filter((other) => other.parentClientOrderId === state.parentClientOrderId && other !== state)
    : family.filter((other) => other.parentClientOrderId === state.clientOrderId);
  linked.sort((a, b) => (a.leg === 'stop_loss' ? -1 : b.leg === 'stop_loss' ? 1 : 0));
  const type = state.type === 'stop_limit' ? 'stop' : state.type;
  return {
    clientOrderId: state.clientOrderId,
    brokerOrderId: state.brokerOrderId,
    symbol: state.symbol,
    side: state.side,
    type,
    qty: state.qty,
    limitPrice: state.limitPrice,
    stopPrice: state.stopPrice,
    leg: state.leg,
    parentClientOrderId: state.parentClientOrderId,
    linkedClientOrderIds: linked.map((other) => other.clientOrderId),
    status: state.status,
    submittedAt: state.submittedAt,
    filledAt: state.filledAt,
    fillPrice: state.avgFillPrice,
    commission: 0,
    reason: state.reason,
    cycleId,
  };
}
