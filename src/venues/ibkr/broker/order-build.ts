import {
  type Contract,
  type Order as IbOrder,
  OrderAction,
  OrderType,
  SecType,
  TimeInForce,
} from '@stoqey/ib';
import type { OrderRequest } from '../../../broker/index.ts';
import { legClientOrderId } from '../../../ledger/index.ts';
import { roundToTick } from '../../../market/index.ts';
import { ibkrPriceTick } from '../price-tick.ts';

/** One placeOrder call: the id we chose, the contract and the order. */
export interface IbPlacement {
  orderId: number;
  contract: Contract;
  order: IbOrder;
}

export interface ContractSpec {
  exchange: string;
  currency: string;
}

/** A US stock on the configured exchange (SMART by default) and currency. */
export function stockContract(symbol: string, spec: ContractSpec): Contract {
  return { symbol, secType: SecType.STK, exchange: spec.exchange, currency: spec.currency };
}

const decimals = (value: number) => Number(value.toFixed(8));

/** A price on the tick, rounded the way that never widens risk (as Alpaca's order body does). */
export const onTick = (price: number, mode: 'up' | 'down') =>
  decimals(roundToTick(price, ibkrPriceTick(price), mode));

/** How many order ids a request needs: the entry, plus one per bracket child. */
export function idsNeeded(request: OrderRequest): number {
  const bracket = request.bracket;
  return 1 + (bracket?.stopLoss !== undefined ? 1 : 0) + (bracket?.takeProfit !== undefined ? 1 : 0);
}

/**
 * The placeOrder calls of a request, in the order they must be sent. A bracket is IB's: the parent
 * and the first child go with `transmit: false`, the last child with `transmit: true`, which
 * transmits the whole group; the children name the parent by `parentId`, and IB treats the
 * children of one parent as one-cancels-all (https://interactivebrokers.github.io/tws-api/bracket_order.html).
 * Every order carries our client order id in `orderRef` (a leg `<entry>.sl` / `<entry>.tp`), so
 * executions and open orders are matched to our ledger by it.
 */
export function buildPlacements(
  request: OrderRequest,
  firstId: number,
  spec: ContractSpec & { account?: string },
): IbPlacement[] {
  const contract = stockContract(request.symbol, spec);
  const buy = request.side === 'buy';
  const account = spec.account === undefined ? {} : { account: spec.account };
  const parent: IbOrder = {
    orderId: firstId,
    action: buy ? OrderAction.BUY : OrderAction.SELL,
    totalQuantity: request.qty,
    orderType: orderTypeOf(request.type),
    tif: request.bracket ? TimeInForce.GTC : TimeInForce.DAY,
    orderRef: request.clientOrderId,
    transmit: true,
    outsideRth: false,
    ...account,
  };
  // A buy limit never pays more than asked (down), a sell limit never takes less (up); a stop
  // rounds toward the price it protects (a sell stop up, a buy stop down).
  if (request.type === 'limit' && request.limitPrice !== undefined)
    parent.lmtPrice = onTick(request.limitPrice, buy ? 'down' : 'up');
  if (request.type === 'stop' && request.stopPrice !== undefined)
    parent.auxPrice = onTick(request.stopPrice, buy ? 'down' : 'up');
  const placements: IbPlacement[] = [{ orderId: firstId, contract, order: parent }];
  const bracket = request.bracket;
  if (!bracket || (bracket.stopLoss === undefined && bracket.takeProfit === undefined)) return placements;
  const childAction = buy ? OrderAction.SELL : OrderAction.BUY;
  let next = firstId + 1;
  const children: IbOrder[] = [];
  if (bracket.takeProfit !== undefined) {
    children.push({
      orderId: next++,
      action: childAction,
      totalQuantity: request.qty,
      orderType: OrderType.LMT,
      // A long's take-profit rounds down (toward the entry), a short's up.
      lmtPrice: onTick(bracket.takeProfit, buy ? 'down' : 'up'),
      tif: TimeInForce.GTC,
      parentId: firstId,
      orderRef: legClientOrderId(request.clientOrderId, 'take_profit'),
      transmit: false,
      outsideRth: false,
      ...account,
    });
  }
  if (bracket.stopLoss !== undefined) {
    children.push({
      orderId: next++,
      action: childAction,
      totalQuantity: request.qty,
      orderType: OrderType.STP,
      auxPrice: onTick(bracket.stopLoss, buy ? 'up' : 'down'),
      tif: TimeInForce.GTC,
      parentId: firstId,
      orderRef: legClientOrderId(request.clientOrderId, 'stop_loss'),
      transmit: false,
      outsideRth: false,
      ...account,
    });
  }
  parent.transmit = false;
  // The last child transmits the group: until then the TWS holds the parent and the first child.
  children[children.length - 1]!.transmit = true;
  for (const child of children) placements.push({ orderId: child.orderId!, contract, order: child });
  return placements;
}

function orderTypeOf(type: OrderRequest['type']): OrderType {
  if (type === 'limit') return OrderType.LMT;
  if (type === 'stop') return OrderType.STP;
  return OrderType.MKT;
}

/** A market order closing `qty` (signed position) of a symbol: what flatten sends. */
export function closingPlacement(
  orderId: number,
  symbol: string,
  positionQty: number,
  orderRef: string,
  spec: ContractSpec & { account?: string },
): IbPlacement {
  return {
    orderId,
    contract: stockContract(symbol, spec),
    order: {
      orderId,
      action: positionQty > 0 ? OrderAction.SELL : OrderAction.BUY,
      totalQuantity: Math.abs(positionQty),
      orderType: OrderType.MKT,
      tif: TimeInForce.DAY,
      orderRef,
      transmit: true,
      ...(spec.account === undefined ? {} : { account: spec.account }),
    },
  };
}
