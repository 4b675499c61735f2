import type { BookOrder } from './book.ts';
import type { ContractInfo } from './messages.ts';
import type { WireOrder } from './place-order.ts';

/**
 * What TWS refuses on placeOrder / cancelOrder, with its codes and texts. The codes and messages
 * are IB's: https://interactivebrokers.github.io/tws-api/message_codes.html (MC below).
 */
export interface Refusal {
  code: number;
  message: string;
}

export interface RuleContext {
  orders: ReadonlyMap<number, BookOrder>;
  maxUsedId: number;
  accounts: readonly string[];
  findContract(c: {
    conId: number;
    symbol: string;
    secType: string;
    currency: string;
  }): ContractInfo | undefined;
}

const OPEN = new Set(['PendingSubmit', 'PreSubmitted', 'Submitted']);

/** Is `price` a whole number of ticks? (tolerance for binary fractions like 0.01). */
export function onTick(price: number, minTick: number): boolean {
  const ticks = price / minTick;
  return Math.abs(ticks - Math.round(ticks)) < 1e-6;
}

function priceRules(w: WireOrder, contract: ContractInfo): Refusal | undefined {
  const needsLmt = w.orderType === 'LMT' || w.orderType === 'STP LMT';
  const needsAux = w.orderType === 'STP' || w.orderType === 'STP LMT';
  if (needsLmt && w.lmtPrice === undefined)
    return {
      code: 201,
      message: `Order rejected - reason:A limit price is required for ${w.orderType} orders.`,
    };
  if (needsAux && w.auxPrice === undefined)
    return {
      code: 201,
      message: `Order rejected - reason:A stop price is required for ${w.orderType} orders.`,
    };
  // MC 110: "The price does not conform to the minimum price variation for this contract."
  for (const p of [needsLmt ? w.lmtPrice : undefined, needsAux ? w.auxPrice : undefined]) {
    if (p !== undefined && !onTick(p, contract.minTick))
      return {
        code: 110,
        message: 'The price does not conform to the minimum price variation for this contract.',
      };
  }
  return undefined;
}

/**
 * A child's parent: MC 10006 "Missing parent order." when the id was never seen ("The parent
 * order ID specified cannot be found"), MC 135 "Can't find order with id =" when the parent is no
 * longer open: TWS answers that for a child, or a child's modification, naming a parent that has
 * filled (observed live: https://github.com/erdewit/ib_insync/issues/647, "Error 135, reqId 22:
 * Can't find order with id = 20"); a modification must then send parentId 0.
 */
function parentRule(ctx: RuleContext, parentId: number): Refusal | undefined {
  const parent = ctx.orders.get(parentId);
  if (!parent) return { code: 10006, message: 'Missing parent order.' };
  if (!OPEN.has(parent.status)) return { code: 135, message: `Can't find order with id = ${parentId}` };
  return undefined;
}

/** Rules for a new order id, in the order TWS reports them. */
export function placeRules(ctx: RuleContext, w: WireOrder): Refusal | undefined {
  // MC 103 "Duplicate order id": ids must grow; an id below or at one already used is refused
  // (https://interactivebrokers.github.io/tws-api/order_submission.html: "the next valid identifier
  // ... must be greater than every id used before").
  if (w.orderId <= ctx.maxUsedId) return { code: 103, message: 'Duplicate order id' };
  // MC 200 "No security definition has been found for the request".
  const contract = ctx.findContract(w.contract);
  if (!contract) return { code: 200, message: 'No security definition has been found for the request' };
  // MC 436 "You must specify an allocation (either a single account, group, or profile).": with
  // more than one managed account an order must name one; a single account is implied.
  if (w.account === '' && ctx.accounts.length > 1)
    return {
      code: 436,
      message: 'You must specify an allocation (either a single account, group, or profile).',
    };
  if (w.account !== '' && !ctx.accounts.includes(w.account))
    return { code: 201, message: `Order rejected - reason:Invalid account: ${w.account}` };
  if (w.action !== 'BUY' && w.action !== 'SELL')
    return { code: 201, message: `Order rejected - reason:Invalid action: ${w.action}` };
  // MC 434 "The order size cannot be zero."
  if (w.totalQuantity === 0) return { code: 434, message: 'The order size cannot be zero.' };
  if (w.totalQuantity < 0)
    return { code: 201, message: 'Order rejected - reason:The order size must be positive.' };
  // A what-if order only previews margin; the fake does not model that.
  if (w.whatIf)
    return { code: 201, message: 'Order rejected - reason:What-if orders are not supported by the fake.' };
  const price = priceRules(w, contract);
  if (price) return price;
  if (w.parentId !== 0) {
    const refusal = parentRule(ctx, w.parentId);
    if (refusal) return refusal;
    if (ctx.orders.get(w.parentId)!.contract.conId !== contract.conId)
      return {
        code: 201,
        message: 'Order rejected - reason:A child order must be for the contract of its parent.',
      };
  }
  return undefined;
}

/**
 * A placeOrder with an id in use modifies that order. Only the owner may, only while it works
 * (MC 104 "Can't modify a filled order."), and only its quantity and prices may change
 * (MC 105 "Order being modified does not match original order.";
 * https://interactivebrokers.github.io/tws-api/modifying_orders.html: "call placeOrder with the
 * same order id ... and the desired changes").
 */
export function modifyRule(
  ctx: RuleContext,
  clientId: number,
  o: BookOrder,
  w: WireOrder,
): Refusal | undefined {
  // Ids are the owner's: another client reusing one gets 103 like any used id.
  if (o.clientId !== clientId) return { code: 103, message: 'Duplicate order id' };
  if (o.status === 'Filled') return { code: 104, message: "Can't modify a filled order." };
  if (!OPEN.has(o.status)) return { code: 103, message: 'Duplicate order id' };
  if (w.parentId !== 0) {
    const refusal = parentRule(ctx, w.parentId);
    if (refusal) return refusal;
  }
  const contract = ctx.findContract(w.contract);
  const same =
    contract?.conId === o.contract.conId &&
    w.action === o.action &&
    w.orderType === o.orderType &&
    (w.tif === '' ? 'DAY' : w.tif) === o.tif &&
    w.ocaGroup === o.ocaGroup &&
    w.orderRef === o.orderRef &&
    (w.account === '' || w.account === o.account) &&
    (w.parentId === 0 || w.parentId === o.parentId);
  if (!same) return { code: 105, message: 'Order being modified does not match original order.' };
  if (w.totalQuantity < o.filled)
    return { code: 201, message: 'Order rejected - reason:The quantity is below what has already filled.' };
  return priceRules(w, o.contract);
}

/**
 * cancelOrder: https://interactivebrokers.github.io/tws-api/cancel_order.html: "cancelOrder can
 * only be used to cancel an order that was placed originally by a client with the same client ID".
 * MC 10147 "OrderId <id> that needs to be cancelled is not found." and 10148 "OrderId <id> that
 * needs to be cancelled cannot be cancelled, state: <state>." for one no longer open (Filled,
 * Cancelled, Inactive), with the texts current TWS sends (as logged by IB API users, e.g.
 * "OrderId 56 that needs to be cancelled cannot be cancelled, state: Cancelled."; older TWS
 * answered MC 161 "Cancel attempted when order is not in a cancellable state").
 */
export function cancelRule(clientId: number, orderId: number, o: BookOrder | undefined): Refusal | undefined {
  if (!o || o.clientId !== clientId)
    return { code: 10147, message: `OrderId ${orderId} that needs to be cancelled is not found.` };
  if (!OPEN.has(o.status))
    return {
      code: 10148,
      message: `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${o.status}.`,
    };
  return undefined;
}
