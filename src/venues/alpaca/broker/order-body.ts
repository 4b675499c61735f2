import type { Order, OrderRequest } from '../../../broker/index.ts';
import { roundToTick } from '../../../market/index.ts';
import { alpacaPriceTick } from '../price-tick.ts';
import type { AlpacaOrderBody } from './client.ts';
import { splitLegId } from './mapping.ts';
import type { AlpacaOrder } from './schemas.ts';

const decimal = (value: number) => String(Number(value.toFixed(8)));

/**
 * A price on Alpaca's tick (see price-tick.ts), rounded where the order is built in the direction
 * that never widens risk, so no order can be refused as sub-penny even if a caller forgot the grid:
 * a buy limit rounds down and a sell limit up (never paying more than asked); a stop rounds toward
 * the price it protects (a sell stop up, a buy stop down), so the loss allowed can only shrink; a
 * take-profit rounds toward the entry (a long's down, a short's up). Prices already on the tick
 * (the pipeline's, which the Risk Gate judged) go out unchanged.
 */
export const onTick = (price: number, mode: 'up' | 'down') =>
  decimal(roundToTick(price, alpacaPriceTick(price), mode));

export function toOrderBody(request: OrderRequest): AlpacaOrderBody {
  const buy = request.side === 'buy';
  const body: AlpacaOrderBody = {
    symbol: request.symbol,
    qty: decimal(request.qty),
    side: request.side,
    type: request.type,
    time_in_force: request.bracket ? 'gtc' : 'day',
    client_order_id: request.clientOrderId,
  };
  if (request.limitPrice !== undefined) body.limit_price = onTick(request.limitPrice, buy ? 'down' : 'up');
  if (request.stopPrice !== undefined) body.stop_price = onTick(request.stopPrice, buy ? 'down' : 'up');
  const bracket = request.bracket;
  if (bracket && (bracket.stopLoss !== undefined || bracket.takeProfit !== undefined)) {
    body.order_class = bracket.stopLoss !== undefined && bracket.takeProfit !== undefined ? 'bracket' : 'oto';
    // The legs close the entry: a long's take-profit rounds down and its stop up; a short's the reverse.
    if (bracket.takeProfit !== undefined)
      body.take_profit = { limit_price: onTick(bracket.takeProfit, buy ? 'down' : 'up') };
    if (bracket.stopLoss !== undefined)
      body.stop_loss = { stop_price: onTick(bracket.stopLoss, buy ? 'up' : 'down') };
  }
  return body;
}

/**
 * Working orders with a pending replace counted once. While Alpaca replaces an order, the old one
 * (pending_replace) and its replacement are both open: the stop is the replacement (it names the
 * old one in `replaces`), and the replacement of a bracket leg of ours goes by the leg's id, as
 * it will once listed under its entry. `listed` are the orders as Alpaca listed them (legs nested).
 */
export function countReplacedOnce(orders: Order[], listed: readonly AlpacaOrder[]): Order[] {
  const replaces = new Map(
    listed
      .flatMap((order) => [order, ...(order.legs ?? [])])
      .filter((order) => order.replaces && !['rejected', 'canceled'].includes(order.status))
      .map((order) => [order.id, order.replaces!] as const),
  );
  const replacedIds = new Set(replaces.values());
  const replaced = new Map(
    orders
      .filter((order) => order.brokerOrderId && replacedIds.has(order.brokerOrderId))
      .map((order) => [order.brokerOrderId!, order] as const),
  );
  return orders
    .filter((order) => !order.brokerOrderId || !replaced.has(order.brokerOrderId))
    .map((order) => {
      const old = replaced.get(replaces.get(order.brokerOrderId ?? '') ?? '');
      return old && splitLegId(old.clientOrderId) && !splitLegId(order.clientOrderId)
        ? {
            ...order,
            clientOrderId: old.clientOrderId,
            leg: old.leg,
            parentClientOrderId: old.parentClientOrderId,
            linkedClientOrderIds: old.linkedClientOrderIds,
          }
        : order;
    });
}
