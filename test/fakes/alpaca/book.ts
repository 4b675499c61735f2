import { randomUUID } from 'node:crypto';

import { type FakeOrder, type FakePosition, orderJson, type TradeUpdateData } from './order-json.ts';

export { type FakeOrder, type FakePosition, orderJson, type TradeUpdateData } from './order-json.ts';

/**
 * The fake Alpaca's account: orders (with bracket legs), positions and cash, as the real paper
 * account behaves at the level Signet observes. Market orders fill at the symbol's settable
 * price; bracket legs are `held` until the entry fills, then `new`; a price move through a leg
 * fills it and cancels its sibling. Every change is reported to `emit` as a trade update.
 */
export class FakeBook {
  readonly orders: FakeOrder[] = [];
  readonly positions = new Map<string, FakePosition>();
  readonly prices = new Map<string, number>();
  /** Lending flags per asset (GET /v2/assets/{symbol}); absent: shortable and easy to borrow. */
  readonly assets = new Map<string, { shortable: boolean; easy_to_borrow: boolean }>();
  cash = 100_000;
  /** When false, market orders stay `new` until `fillOpenOrders` (e.g. market closed). */
  autoFill = true;

  constructor(private readonly emit: (update: TradeUpdateData) => void) {}

  price(symbol: string): number {
    return this.prices.get(symbol) ?? 100;
  }

  byClientId(clientOrderId: string): FakeOrder | undefined {
    return this.orders.find((order) => order.client_order_id === clientOrderId);
  }

  byId(id: string): FakeOrder | undefined {
    return this.orders.find((order) => order.id === id);
  }

  /** Top-level orders (legs live in their parent's `legs`). */
  topLevel(): FakeOrder[] {
    return this.orders.filter((order) => order.parentId === null);
  }

  private newOrder(
    fields: Partial<FakeOrder> & Pick<FakeOrder, 'symbol' | 'side' | 'type' | 'qty'>,
  ): FakeOrder {
    const now = new Date().toISOString();
    const order: FakeOrder = {
      id: randomUUID(),
      client_order_id: randomUUID(),
      time_in_force: 'day',
      filled_qty: 0,
      filled_avg_price: null,
      limit_price: null,
      stop_price: null,
      status: 'new',
      order_class: '',
      created_at: now,
      updated_at: now,
      submitted_at: now,
      filled_at: null,
      canceled_at: null,
      legs: null,
      parentId: null,
      ...fields,
    };
    this.orders.push(order);
    return order;
  }

  /** Accepts a validated order request (see server.ts) and returns the new order. */
  submit(request: {
    symbol: string;
    qty: number;
    side: 'buy' | 'sell';
    type: 'market' | 'limit' | 'stop';
    time_in_force: string;
    client_order_id?: string;
    limit_price?: number;
    stop_price?: number;
    order_class?: string;
    take_profit?: number;
    stop_loss?: number;
    /** Booked as `pending_new` (event pending_new) until `accept`, as Alpaca routes it. */
    pending?: boolean;
  }): FakeOrder {
    const parent = this.newOrder({
      symbol: request.symbol,
      qty: request.qty,
      side: request.side,
      type: request.type,
      time_in_force: request.time_in_force,
      client_order_id: request.client_order_id ?? randomUUID(),
      limit_price: request.limit_price ?? null,
      stop_price: request.stop_price ?? null,
      order_class: request.order_class ?? '',
      status: request.pending ? 'pending_new' : 'new',
    });
    const exitSide = request.side === 'buy' ? 'sell' : 'buy';
    const legs: FakeOrder[] = [];
    if (request.take_profit !== undefined) {
      legs.push(
        this.newOrder({
          symbol: request.symbol,
          qty: request.qty,
          side: exitSide,
          type: 'limit',
          limit_price: request.take_profit,
          status: 'held',
          time_in_force: request.time_in_force,
          order_class: request.order_class ?? '',
          parentId: parent.id,
        }),
      );
    }
    if (request.stop_loss !== undefined) {
      legs.push(
        this.newOrder({
          symbol: request.symbol,
          qty: request.qty,
          side: exitSide,
          type: 'stop',
          stop_price: request.stop_loss,
          status: 'held',
          time_in_force: request.time_in_force,
          order_class: request.order_class ?? '',
          parentId: parent.id,
        }),
      );
    }
    if (legs.length > 0) parent.legs = legs;
    this.emit({ event: parent.status, order: orderJson(parent) });
    return parent;
  }

  /**
   * The venue takes a `pending_new` order: `new` and its stream event. Alpaca acknowledges an
   * order as pending_new/accepted before it is live and says `new` on trade_updates
   * (order statuses: https://docs.alpaca.markets/docs/orders-at-alpaca; events:
   * https://docs.alpaca.markets/docs/websocket-streaming).
   */
  accept(order: FakeOrder): void {
    if (order.status !== 'pending_new' && order.status !== 'accepted') return;
    if (!this.routing) {
      // Outside the session Alpaca holds the order: "accepted: Sent when your order has been
      // received by Alpaca, but hasn't yet been routed to the execution venue. This could be seen
      // often outside of trading session hours." (https://docs.alpaca.markets/docs/websocket-streaming)
      if (order.status === 'accepted') return;
      order.status = 'accepted';
      order.updated_at = new Date().toISOString();
      this.emit({ event: 'accepted', timestamp: order.updated_at, order: orderJson(order) });
      return;
    }
    order.status = 'new';
    order.updated_at = new Date().toISOString();
    this.emit({ event: 'new', timestamp: order.updated_at, order: orderJson(order) });
  }

  /** False outside the session: new orders stay `accepted` until `openSession()` routes them. */
  routing = true;

  /** The session opens: held-back (`accepted`) orders are routed (`new`) and matched. */
  openSession(): void {
    this.routing = true;
    for (const order of this.orders.filter((each) => each.status === 'accepted')) this.accept(order);
    this.match();
  }

  /**
   * The session ends: every open order with time_in_force `day` expires, event `expired`: "Sent
   * when an order has reached the end of its lifespan, as determined by the order's time in force
   * value" (https://docs.alpaca.markets/docs/websocket-streaming); a day order is "eligible for
   * execution only on the day it is live" (https://docs.alpaca.markets/docs/orders-at-alpaca, Time
   * in Force). An expired entry takes its held legs with it (they are cancelled).
   */
  endSession(): void {
    this.routing = false;
    const live = ['new', 'accepted', 'pending_new', 'partially_filled', 'held'];
    for (const order of this.orders) {
      if (order.time_in_force !== 'day' || !live.includes(order.status) || order.parentId !== null) continue;
      const now = new Date().toISOString();
      order.status = 'expired';
      order.updated_at = now;
      this.emit({ event: 'expired', timestamp: now, order: orderJson(order) });
      for (const leg of order.legs ?? []) if (leg.status === 'held') this.cancel(leg);
    }
  }

  /** Fills what the current prices allow: market entries, then limit/stop orders and legs. */
  match(): void {
    for (const order of [...this.orders]) {
      // A pending cancel or replace can still fill until the venue confirms it; an `accepted`
      // order is not routed yet (outside the session) and cannot.
      if (!['new', 'partially_filled', 'pending_cancel', 'pending_replace'].includes(order.status)) continue;
      const price = this.price(order.symbol);
      let fillAt: number | undefined;
      if (order.type === 'market' && this.autoFill) fillAt = price;
      else if (order.type === 'limit' && order.limit_price !== null) {
        if (order.side === 'buy' ? price <= order.limit_price : price >= order.limit_price)
          fillAt = order.limit_price;
      } else if (order.type === 'stop' && order.stop_price !== null) {
        if (order.side === 'buy' ? price >= order.stop_price : price <= order.stop_price) fillAt = price;
      }
      if (fillAt !== undefined) this.fill(order, fillAt);
    }
  }

  /**
   * When set, an entry (an order without a parent) larger than this first fills only this many
   * shares: status `partially_filled`, stream event `partial_fill`; the rest fills on the next
   * match (a later price). Alpaca fills in parts and says so on trade_updates
   * (https://docs.alpaca.markets/docs/websocket-streaming: partial_fill, fill); a bracket's legs
   * stay held until the entry is completely filled.
   */
  partialFillQty: number | undefined;

  private fill(order: FakeOrder, price: number): void {
    const now = new Date().toISOString();
    const remaining = order.qty - order.filled_qty;
    const partial =
      this.partialFillQty !== undefined &&
      order.parentId === null &&
      order.filled_qty === 0 &&
      remaining > this.partialFillQty;
    const qty = partial ? this.partialFillQty! : remaining;
    order.filled_avg_price =
      (order.filled_qty * (order.filled_avg_price ?? 0) + qty * price) / (order.filled_qty + qty);
    order.filled_qty += qty;
    order.status = partial ? 'partially_filled' : 'filled';
    if (!partial) order.filled_at = now;
    order.updated_at = now;
    const signed = order.side === 'buy' ? qty : -qty;
    const position = this.positions.get(order.symbol) ?? { symbol: order.symbol, qty: 0, avgPrice: 0 };
    const nextQty = position.qty + signed;
    if (Math.sign(signed) === Math.sign(position.qty) || position.qty === 0)
      position.avgPrice = (Math.abs(position.qty) * position.avgPrice + qty * price) / Math.abs(nextQty);
    else if (Math.sign(nextQty) !== Math.sign(position.qty) && nextQty !== 0) position.avgPrice = price;
    position.qty = nextQty;
    if (position.qty === 0) this.positions.delete(order.symbol);
    else this.positions.set(order.symbol, position);
    this.cash -= signed * price;
    // The parent's view of its legs changes with them: re-read through orderJson.
    if (!partial && order.parentId === null && order.legs)
      for (const leg of order.legs) if (leg.status === 'held') leg.status = 'new';
    this.emit({
      event: partial ? 'partial_fill' : 'fill',
      execution_id: randomUUID(),
      timestamp: now,
      price: String(price),
      qty: String(qty),
      position_qty: String(position.qty === 0 ? 0 : nextQty),
      order: orderJson(order),
    });
    if (!partial && order.parentId !== null) {
      const parent = this.byId(order.parentId);
      for (const sibling of parent?.legs ?? []) {
        if (sibling !== order && (sibling.status === 'new' || sibling.status === 'held'))
          this.cancel(sibling);
      }
    }
  }

  /** How long a requested cancel stays `pending_cancel` before the venue confirms it. */
  cancelDelayMs = 30;

  /**
   * DELETE /v2/orders/{id} as Alpaca answers it: 204 at once, the order `pending_cancel` (it can
   * still fill) until the venue confirms and the stream sends `canceled`
   * (https://docs.alpaca.markets/reference/deleteorderbyorderid: "Attempts to cancel an open
   * order"; order statuses and trade_updates events: https://docs.alpaca.markets/docs/orders-at-alpaca,
   * https://docs.alpaca.markets/docs/websocket-streaming). True when it was cancelable.
   */
  requestCancel(order: FakeOrder): boolean {
    if (['filled', 'canceled', 'expired', 'rejected', 'replaced'].includes(order.status)) return false;
    if (order.status === 'pending_cancel') return true;
    const now = new Date().toISOString();
    order.status = 'pending_cancel';
    order.updated_at = now;
    this.emit({ event: 'pending_cancel', timestamp: now, order: orderJson(order) });
    setTimeout(() => this.cancel(order), this.cancelDelayMs).unref();
    return true;
  }

  /** How long a requested replace stays `pending_replace` before the venue confirms it. */
  replaceDelayMs = 20;

  /**
   * PATCH /v2/orders/{id} as Alpaca does it (https://docs.alpaca.markets/reference/patchorderbyorderid-1):
   * the answer is a new order (new id, the fields not given kept, `replaces` = the old id); the
   * old order is `pending_replace` (event pending_replace; it can still fill) until the venue
   * confirms, then `replaced` with `replaced_by` (event replaced) and the new order goes live
   * (event new; a held bracket leg stays held). "If the existing open order is filled before the
   * replacing (new) order reaches the execution venue, the replacing (new) order is rejected":
   * then the new order is `rejected` (event rejected). A replaced bracket leg's replacement takes
   * its place among the entry's legs. Validation is the caller's (orders.ts validateReplace).
   */
  requestReplace(
    order: FakeOrder,
    changes: { qty?: number; limit_price?: number; stop_price?: number; client_order_id?: string },
  ): FakeOrder {
    const now = new Date().toISOString();
    const { id: _id, legs: _legs, ...kept } = order;
    const replacement = this.newOrder({
      ...kept,
      client_order_id: changes.client_order_id ?? randomUUID(),
      qty: changes.qty ?? order.qty,
      limit_price: changes.limit_price ?? order.limit_price,
      stop_price: changes.stop_price ?? order.stop_price,
      status: 'pending_new',
      filled_qty: 0,
      filled_avg_price: null,
      created_at: now,
      updated_at: now,
      submitted_at: now,
      replaces: order.id,
      replaced_by: null,
      replaced_at: null,
      legs: null,
      // A leg's replacement is listed under the entry only once the replace completes.
      parentId: order.parentId,
    });
    const held = order.status === 'held';
    order.status = 'pending_replace';
    order.updated_at = now;
    this.emit({ event: 'pending_replace', timestamp: now, order: orderJson(order) });
    setTimeout(() => this.completeReplace(order, replacement, held), this.replaceDelayMs).unref();
    return replacement;
  }

  private completeReplace(order: FakeOrder, replacement: FakeOrder, held: boolean): void {
    const now = new Date().toISOString();
    replacement.updated_at = now;
    if (order.status !== 'pending_replace') {
      // Filled (or cancelled with its group) before the replacement reached the venue.
      replacement.status = 'rejected';
      this.emit({ event: 'rejected', timestamp: now, order: orderJson(replacement) });
      return;
    }
    order.status = 'replaced';
    order.replaced_at = now;
    order.replaced_by = replacement.id;
    order.updated_at = now;
    const parent = order.parentId === null ? undefined : this.byId(order.parentId);
    if (parent?.legs) {
      parent.legs = parent.legs.map((leg) => (leg === order ? replacement : leg));
      replacement.parentId = parent.id;
    }
    this.emit({ event: 'replaced', timestamp: now, order: orderJson(order) });
    replacement.status = held ? 'held' : 'new';
    this.emit({ event: 'new', timestamp: now, order: orderJson(replacement) });
  }

  /** True when it was cancelable (the venue's own cancel: immediate, as for OCO siblings). */
  cancel(order: FakeOrder): boolean {
    if (['filled', 'canceled', 'expired', 'rejected', 'replaced'].includes(order.status)) return false;
    const now = new Date().toISOString();
    order.status = 'canceled';
    order.canceled_at = now;
    order.updated_at = now;
    this.emit({ event: 'canceled', timestamp: now, order: orderJson(order) });
    // Cancelling any order of a bracket cancels the rest of the group that is still open.
    for (const leg of order.legs ?? []) this.cancel(leg);
    if (order.parentId !== null)
      for (const sibling of this.byId(order.parentId)?.legs ?? []) this.cancel(sibling);
    return true;
  }

  /** Close-all: cancels open orders, then a market order against each position. */
  closeAll(): Array<{ symbol: string; status: number; body: Record<string, unknown> }> {
    for (const order of this.orders) this.cancel(order);
    const results: Array<{ symbol: string; status: number; body: Record<string, unknown> }> = [];
    for (const position of [...this.positions.values()].sort((a, b) => a.symbol.localeCompare(b.symbol))) {
      const order = this.submit({
        symbol: position.symbol,
        qty: Math.abs(position.qty),
        side: position.qty > 0 ? 'sell' : 'buy',
        type: 'market',
        time_in_force: 'day',
      });
      results.push({ symbol: position.symbol, status: 200, body: orderJson(order) });
    }
    this.match();
    return results;
  }

  equity(): number {
    let value = this.cash;
    for (const position of this.positions.values()) value += position.qty * this.price(position.symbol);
    return value;
  }
}
