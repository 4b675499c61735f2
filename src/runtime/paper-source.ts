import type {
  BrokerOrderState,
  LocalOpenOrder,
  Order,
  PaperBroker,
  ReconcileSource,
} from '../broker/index.ts';

/** A paper order as the broker reports it; `timeInForce` is what the caller's writes record. */
export function paperOrderState(order: Order, timeInForce = 'gtc'): BrokerOrderState {
  return {
    clientOrderId: order.clientOrderId,
    // The paper broker has no ids of its own: its order id is ours.
    brokerOrderId: order.clientOrderId,
    parentClientOrderId: order.parentClientOrderId,
    leg: order.leg,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    qty: order.qty,
    limitPrice: order.limitPrice,
    stopPrice: order.stopPrice,
    timeInForce,
    status: order.status,
    filledQty: order.status === 'filled' ? order.qty : 0,
    avgFillPrice: order.fillPrice,
    submittedAt: order.submittedAt,
    filledAt: order.filledAt,
    reason: order.reason,
  };
}

/**
 * The paper broker as a reconciliation source: every order it knows (the logged requests and
 * their bracket legs) and its positions, so the generic reconciler can repair our tables after
 * the broker was rebuilt from its log.
 */
export function paperReconcileSource(broker: PaperBroker, knownIds: () => string[]): ReconcileSource {
  return {
    name: broker.name,
    async snapshot(localOpen: readonly LocalOpenOrder[]) {
      const seen = new Map<string, Order>();
      const visit = (id: string) => {
        if (seen.has(id)) return;
        const order = broker.getOrder(id);
        if (!order) return;
        seen.set(id, order);
        for (const linked of order.linkedClientOrderIds) visit(linked);
      };
      for (const id of knownIds()) visit(id);
      for (const open of localOpen) visit(open.clientOrderId);
      const unknownClientOrderIds = localOpen.map((open) => open.clientOrderId).filter((id) => !seen.has(id));
      return {
        orders: [...seen.values()].map((order) => paperOrderState(order)),
        positions: broker
          .positions()
          .map((position) => ({ symbol: position.symbol, qty: position.qty, avgPrice: position.avgPrice })),
        unknownClientOrderIds,
      };
    },
  };
}
