import type { FakeBook } from './book.ts';

/** `POST /v2/orders` validation as Alpaca answers it (422/403 bodies from the reference's captures). */
export type OrderRequestInput = Parameters<FakeBook['submit']>[0];

const decimalOf = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
};

const reject = (status: number, body: Record<string, unknown>) => ({ status, body });

/**
 * Alpaca's sub-penny rule (SEC Rule 612): prices of $1.00 and above in whole cents, below $1.00
 * in steps of $0.0001. Docs: https://docs.alpaca.markets/docs/orders-at-alpaca (Placing Orders);
 * the 422 body is the one Alpaca answers (quoted in issue 20 and alpacahq/alpaca-trade-api-go#260).
 * Checked on the decimal text as sent, so a binary-noisy price ("42.970000001") is refused too.
 */
function subPenny(
  field: string,
  value: unknown,
): { status: number; body: Record<string, unknown> } | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  const price = Number(text);
  const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
  if (!Number.isFinite(price) || decimals <= (price >= 1 ? 2 : 4)) return undefined;
  return reject(422, {
    code: 42210000,
    message: `invalid ${field} ${text}. sub-penny increment does not fulfill minimum pricing criteria`,
  });
}

/**
 * Alpaca refuses an order that could execute against an open order of the same account on the
 * other side: 422, code 42210000, "potential wash trade detected. use complex orders" (the answer
 * quoted in Petersoj/alpaca-java#145; docs: https://docs.alpaca.markets/docs/orders-at-alpaca).
 * Legs still `held` (waiting for their entry) are not live and do not count; a market or stop
 * order on either side could meet the other, two limits only when their prices cross.
 */
function wouldWashTrade(
  book: FakeBook,
  incoming: { symbol: string; side: 'buy' | 'sell'; type: string; limit: number | undefined },
): { status: number; body: Record<string, unknown> } | undefined {
  const live = ['new', 'accepted', 'pending_new', 'partially_filled'];
  const clash = book.orders.some((order) => {
    if (order.symbol !== incoming.symbol || order.side === incoming.side || !live.includes(order.status))
      return false;
    if (incoming.type !== 'limit' || order.type !== 'limit') return true;
    const buy = incoming.side === 'buy' ? incoming.limit : order.limit_price;
    const sell = incoming.side === 'sell' ? incoming.limit : order.limit_price;
    return buy !== undefined && buy !== null && sell !== undefined && sell !== null && buy >= sell;
  });
  return clash
    ? reject(422, { code: 42210000, message: 'potential wash trade detected. use complex orders' })
    : undefined;
}

/**
 * A sell beyond the shares held opens (or adds to) a short. Alpaca lends only assets flagged
 * `shortable` and `easy_to_borrow` to margin accounts (`shorting_enabled`):
 * https://docs.alpaca.markets/docs/margin-and-short-selling. A non-shortable asset is refused with
 * 422, code 42210000, "asset XYZ cannot be sold short" (the answer quoted by users of the API);
 * an account that cannot short is refused the shares it does not hold: 403, code 40310000,
 * "insufficient qty available for order (requested: N, available: M)" (the message users of the
 * API quote: https://github.com/alpacahq/alpaca-trade-api-csharp/issues/247).
 */
function shortRefusal(
  book: FakeBook,
  order: { symbol: string; qty: number },
  shortingEnabled: boolean,
): { status: number; body: Record<string, unknown> } | undefined {
  const held = book.positions.get(order.symbol)?.qty ?? 0;
  if (held - order.qty >= 0) return undefined;
  if (!shortingEnabled)
    return reject(403, {
      code: 40310000,
      message: `insufficient qty available for order (requested: ${order.qty}, available: ${Math.max(0, held)})`,
    });
  const flags = book.assets.get(order.symbol) ?? { shortable: true, easy_to_borrow: true };
  return flags.shortable && flags.easy_to_borrow
    ? undefined
    : reject(422, { code: 42210000, message: `asset ${order.symbol} cannot be sold short` });
}

export function validateOrder(
  raw: unknown,
  book: FakeBook,
  shortingEnabled = true,
): { request: OrderRequestInput } | { status: number; body: Record<string, unknown> } {
  if (typeof raw !== 'object' || raw === null)
    return reject(400, { code: 40010000, message: 'request body format is invalid' });
  const body = raw as Record<string, unknown>;
  const qty = decimalOf(body.qty);
  const { side, type } = body;
  if (typeof body.symbol !== 'string' || !body.symbol)
    return reject(422, { code: 40010001, message: 'symbol is required' });
  if (qty === undefined || qty <= 0)
    return reject(422, { code: 40010001, message: 'qty or notional is required' });
  if (side !== 'buy' && side !== 'sell') return reject(422, { code: 40010001, message: 'invalid side' });
  if (type !== 'market' && type !== 'limit' && type !== 'stop')
    return reject(422, { code: 40010001, message: 'invalid order type' });
  const clientOrderId = typeof body.client_order_id === 'string' ? body.client_order_id : undefined;
  if (clientOrderId && book.byClientId(clientOrderId))
    return reject(422, { code: 40010001, message: 'client_order_id must be unique' });
  const limit = decimalOf(body.limit_price);
  const stop = decimalOf(body.stop_price);
  if (type === 'limit' && limit === undefined)
    return reject(422, { code: 40010001, message: 'limit_price is required' });
  if (type === 'stop' && stop === undefined)
    return reject(422, { code: 40010001, message: 'stop_price is required' });
  const takeProfitBody = body.take_profit as { limit_price?: unknown } | undefined;
  const stopLossBody = body.stop_loss as { stop_price?: unknown; limit_price?: unknown } | undefined;
  const offTick =
    subPenny('limit_price', body.limit_price) ??
    subPenny('stop_price', body.stop_price) ??
    subPenny('take_profit.limit_price', takeProfitBody?.limit_price) ??
    subPenny('stop_loss.stop_price', stopLossBody?.stop_price) ??
    subPenny('stop_loss.limit_price', stopLossBody?.limit_price);
  if (offTick) return offTick;
  const takeProfit = decimalOf((body.take_profit as { limit_price?: unknown } | undefined)?.limit_price);
  const stopLoss = decimalOf((body.stop_loss as { stop_price?: unknown } | undefined)?.stop_price);
  const orderClass = typeof body.order_class === 'string' ? body.order_class : '';
  if (orderClass === 'bracket') {
    if (takeProfit === undefined || stopLoss === undefined)
      return reject(422, { code: 40010001, message: 'bracket orders require take_profit and stop_loss' });
    const base = book.price(body.symbol);
    if (side === 'buy' && stopLoss > base - 0.01)
      return reject(422, {
        code: 42210000,
        message: 'stop_loss.stop_price must be <= base_price - 0.01',
        base_price: String(base),
      });
    if (side === 'sell' && stopLoss < base + 0.01)
      return reject(422, {
        code: 42210000,
        message: 'stop_loss.stop_price must be >= base_price + 0.01',
        base_price: String(base),
      });
  }
  if (side === 'sell') {
    const short = shortRefusal(book, { symbol: body.symbol, qty }, shortingEnabled);
    if (short) return short;
  }
  const washTrade = wouldWashTrade(book, { symbol: body.symbol, side, type, limit });
  if (washTrade) return washTrade;
  // Buying power check on opening orders, 403 "insufficient buying power"
  // (https://docs.alpaca.markets/docs/orders-at-alpaca, "Buying Power").
  const cost = qty * (limit ?? book.price(body.symbol));
  if (side === 'buy' && cost > book.cash * 2)
    return reject(403, {
      code: 40310000,
      message: 'insufficient buying power',
      buying_power: String(book.cash * 2),
      cost_basis: String(cost),
    });
  return {
    request: {
      symbol: body.symbol,
      qty,
      side,
      type,
      time_in_force: typeof body.time_in_force === 'string' ? body.time_in_force : 'day',
      client_order_id: clientOrderId,
      limit_price: limit,
      stop_price: stop,
      order_class: orderClass,
      take_profit: takeProfit,
      stop_loss: stopLoss,
    },
  };
}

/**
 * `PATCH /v2/orders/{order_id}` validation, from Alpaca's Replace Order reference
 * (https://docs.alpaca.markets/reference/patchorderbyorderid-1, and the same rules on the Broker
 * API's https://docs.alpaca.markets/us/reference/replaceorderforaccount):
 * - only qty, time_in_force, limit_price, stop_price, trail and client_order_id can be given;
 * - "Order cannot be replaced when the status is accepted, pending_new, pending_cancel or
 *   pending_replace", nor once it is final (filled, canceled, expired, replaced, rejected): 422
 *   with the order's status in the message (the body text is ours; the docs give no sample);
 * - prices obey the same sub-penny rule as a new order (422, same message);
 * - a stop_price only on a stop order, a limit_price only on a limit order (422).
 */
export function validateReplace(
  raw: unknown,
  order: { status: string; type: string },
):
  | { changes: Parameters<FakeBook['requestReplace']>[1] }
  | { status: number; body: Record<string, unknown> } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return reject(400, { code: 40010000, message: 'request body format is invalid' });
  const body = raw as Record<string, unknown>;
  const editable = ['qty', 'time_in_force', 'limit_price', 'stop_price', 'trail', 'client_order_id'];
  const unknown = Object.keys(body).find((key) => !editable.includes(key));
  if (unknown) return reject(422, { code: 40010001, message: `${unknown} is not replaceable` });
  const unreplaceable = [
    'accepted',
    'pending_new',
    'pending_cancel',
    'pending_replace',
    'filled',
    'canceled',
    'expired',
    'replaced',
    'rejected',
    'done_for_day',
  ];
  if (unreplaceable.includes(order.status))
    return reject(422, {
      code: 42210000,
      message: `order is not replaceable: its status is ${order.status}`,
    });
  const offTick = subPenny('limit_price', body.limit_price) ?? subPenny('stop_price', body.stop_price);
  if (offTick) return offTick;
  const stop = decimalOf(body.stop_price);
  const limit = decimalOf(body.limit_price);
  const qty = decimalOf(body.qty);
  if (body.stop_price !== undefined && (stop === undefined || stop <= 0))
    return reject(422, { code: 40010001, message: 'invalid stop_price' });
  if (body.limit_price !== undefined && (limit === undefined || limit <= 0))
    return reject(422, { code: 40010001, message: 'invalid limit_price' });
  if (stop !== undefined && order.type !== 'stop' && order.type !== 'stop_limit')
    return reject(422, { code: 42210000, message: `stop_price is not applicable to a ${order.type} order` });
  if (limit !== undefined && order.type !== 'limit' && order.type !== 'stop_limit')
    return reject(422, { code: 42210000, message: `limit_price is not applicable to a ${order.type} order` });
  if (body.qty !== undefined && (qty === undefined || qty <= 0))
    return reject(422, { code: 40010001, message: 'invalid qty' });
  return {
    changes: {
      qty,
      stop_price: stop,
      limit_price: limit,
      client_order_id: typeof body.client_order_id === 'string' ? body.client_order_id : undefined,
    },
  };
}
