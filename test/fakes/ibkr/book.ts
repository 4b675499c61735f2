import { type Ledger, twsZonedTime } from './ledger.ts';
import type { ContractInfo, ExecutionView, OrderView } from './messages.ts';
import type { WireOrder } from './place-order.ts';
import type { OrderStatus } from './protocol.ts';
import { cancelRule, modifyRule, placeRules, type RuleContext } from './rules.ts';

/** One order as TWS holds it: what was placed plus its fill state. */
export interface BookOrder extends OrderView {
  status: OrderStatus;
  /** `transmit` as last received; a held order (false) does not work until its chain is transmitted. */
  transmit: boolean;
  transmitted: boolean;
  filled: number;
  avgFillPrice: number;
  lastFillPrice: number;
  /** When it filled or was cancelled, as reqCompletedOrders reports it ("yyyyMMdd HH:mm:ss UTC"). */
  completedTime?: string;
}

/** What the book tells the sessions; the server routes each to the owning client's connection. */
export interface BookEvents {
  orderChanged(o: BookOrder): void;
  executed(o: BookOrder, e: ExecutionView): void;
  error(clientId: number, id: number, code: number, message: string): void;
}

export type RejectHook = (order: WireOrder & { clientId: number }) => string | null;

const OPEN: ReadonlySet<OrderStatus> = new Set(['PendingSubmit', 'PreSubmitted', 'Submitted']);

export function isOpen(o: BookOrder): boolean {
  return OPEN.has(o.status);
}

export class Book {
  readonly orders = new Map<number, BookOrder>();
  private maxUsedId = 0;
  private permSeq = 1_900_000_000;

  constructor(
    private readonly contracts: ReadonlyMap<string, ContractInfo>,
    private readonly ledger: Ledger,
    private readonly events: BookEvents,
    private readonly reject: RejectHook | undefined,
    private readonly accounts: readonly string[],
  ) {}

  /** The id nextValidId reports: above every id any client has used (orders survive disconnects). */
  nextValidId(): number {
    return this.maxUsedId + 1;
  }

  findContract(c: {
    conId: number;
    symbol: string;
    secType: string;
    currency: string;
  }): ContractInfo | undefined {
    for (const info of this.contracts.values()) {
      if (c.conId > 0) {
        if (info.conId === c.conId) return info;
        continue;
      }
      if (info.symbol !== c.symbol) continue;
      if (c.secType !== '' && c.secType !== info.secType) continue;
      if (c.currency !== '' && c.currency !== info.currency) continue;
      return info;
    }
    return undefined;
  }

  private ctx(): RuleContext {
    return {
      orders: this.orders,
      maxUsedId: this.maxUsedId,
      accounts: this.accounts,
      findContract: (c) => this.findContract(c),
    };
  }

  /** PLACE_ORDER: a new order, or a modification when the id is one this client already used. */
  place(clientId: number, w: WireOrder): void {
    const existing = this.orders.get(w.orderId);
    if (existing) {
      this.modify(clientId, existing, w);
      return;
    }
    const refused = placeRules(this.ctx(), w);
    // An id is spent once TWS has seen it, accepted or not (103 on reuse).
    if (refused?.code !== 103) this.maxUsedId = Math.max(this.maxUsedId, w.orderId);
    if (refused) {
      this.events.error(clientId, w.orderId, refused.code, refused.message);
      return;
    }
    const reason = this.reject?.({ ...w, clientId }) ?? null;
    const contract = this.findContract(w.contract)!;
    const order: BookOrder = {
      orderId: w.orderId,
      clientId,
      permId: this.permSeq++,
      contract,
      action: w.action,
      totalQuantity: w.totalQuantity,
      orderType: w.orderType,
      lmtPrice: w.lmtPrice,
      auxPrice: w.auxPrice,
      tif: w.tif === '' ? 'DAY' : w.tif,
      ocaGroup: w.ocaGroup,
      ocaType: w.ocaType,
      account: w.account === '' ? this.accounts[0]! : w.account,
      orderRef: w.orderRef,
      parentId: w.parentId,
      outsideRth: w.outsideRth,
      goodTillDate: w.goodTillDate,
      status: 'PendingSubmit',
      transmit: w.transmit,
      transmitted: false,
      filled: 0,
      avgFillPrice: 0,
      lastFillPrice: 0,
    };
    this.orders.set(order.orderId, order);
    if (reason !== null) {
      // Rejected after validation (risk checks): the order stays known as Inactive, "received by
      // the system but no longer active because it was rejected" (order_submission.html, Order
      // Status); TWS tells the client with 201 "Order rejected - reason:" (message_codes.html).
      order.status = 'Inactive';
      order.completedTime = twsZonedTime(this.ledger.now());
      this.events.error(clientId, w.orderId, 201, `Order rejected - reason:${reason}`);
      return;
    }
    // https://interactivebrokers.github.io/tws-api/bracket_order.html: parent and first child go
    // with transmit=false, the last child with transmit=true sends the whole bracket; until then
    // nothing works. Held orders get no answer ("stored locally but never transmitted ... no
    // response from the server at all", https://github.com/pilwon/node-ib/issues/4) and are not
    // in reqOpenOrders/reqAllOpenOrders (https://github.com/erdewit/ib_insync/issues/416).
    if (w.transmit) this.transmitChain(order);
  }

  private modify(clientId: number, o: BookOrder, w: WireOrder): void {
    const refused = modifyRule(this.ctx(), clientId, o, w);
    if (refused) {
      this.events.error(clientId, w.orderId, refused.code, refused.message);
      return;
    }
    o.totalQuantity = w.totalQuantity;
    o.lmtPrice = w.lmtPrice;
    o.auxPrice = w.auxPrice;
    // parentId 0 on a modification does not detach a child: the bracket and its OCA stay.
    o.transmit = w.transmit;
    if (!o.transmitted) {
      if (w.transmit) this.transmitChain(o);
      return;
    }
    this.events.orderChanged(o);
    const last = this.ledger.lastPrices.get(o.contract.symbol);
    if (last !== undefined) this.sweep(o.contract.symbol, last);
  }

  /** Transmits the order, its held parent and the parent's held children (the bracket). */
  private transmitChain(order: BookOrder): void {
    const rootId = order.parentId || order.orderId;
    const chain = [...this.orders.values()]
      .filter(
        (o) =>
          (o.orderId === rootId || o.parentId === rootId) && !o.transmitted && o.status === 'PendingSubmit',
      )
      .sort((a, b) => a.orderId - b.orderId);
    for (const o of chain) {
      o.transmitted = true;
      o.status = this.workingStatus(o);
      this.events.orderChanged(o);
    }
    const last = this.ledger.lastPrices.get(order.contract.symbol);
    if (last !== undefined) this.sweep(order.contract.symbol, last);
  }

  /**
   * Status of a transmitted order (https://interactivebrokers.github.io/tws-api/order_submission.html,
   * Order Status): children wait PreSubmitted until their parent fills (bracket_order.html), and
   * stop orders stay PreSubmitted ("a simulated order type has been accepted by the IB system and
   * ... has yet to be elected") until their trigger is crossed; other working orders are Submitted.
   */
  private workingStatus(o: BookOrder): OrderStatus {
    if (!this.parentDone(o)) return 'PreSubmitted';
    return isStopType(o) ? 'PreSubmitted' : 'Submitted';
  }

  private parentDone(o: BookOrder): boolean {
    return o.parentId === 0 || this.orders.get(o.parentId)?.status === 'Filled';
  }

  /** An order that can execute now: transmitted, not waiting for its parent, not done. */
  private working(o: BookOrder): boolean {
    if (!o.transmitted || !this.parentDone(o)) return false;
    return o.status === 'Submitted' || (o.status === 'PreSubmitted' && isStopType(o));
  }

  cancel(clientId: number, orderId: number): void {
    const o = this.orders.get(orderId);
    const refused = cancelRule(clientId, orderId, o);
    if (refused) {
      this.events.error(clientId, orderId, refused.code, refused.message);
      return;
    }
    this.cancelTree(o!);
  }

  /** Cancelling a parent cancels its children (https://interactivebrokers.github.io/tws-api/bracket_order.html). */
  private cancelTree(o: BookOrder): void {
    this.markCancelled(o, true);
    for (const child of this.orders.values())
      if (child.parentId === o.orderId && isOpen(child)) this.markCancelled(child, true);
  }

  /**
   * A cancel the client asked for goes PendingCancel ("sent a cancellation request but has not yet
   * received confirmation", order_submission.html, Order Status), then Cancelled; an OCA sibling
   * is cancelled by IB directly.
   */
  private markCancelled(o: BookOrder, requested = false): void {
    const wasTransmitted = o.transmitted;
    if (requested && wasTransmitted) {
      o.status = 'PendingCancel';
      this.events.orderChanged(o);
    }
    o.status = 'Cancelled';
    o.completedTime = twsZonedTime(this.ledger.now());
    if (!wasTransmitted) return;
    this.events.orderChanged(o);
    // TWS confirms a cancel with error 202 "Order Canceled - reason:" besides the Cancelled status
    // (https://interactivebrokers.github.io/tws-api/message_codes.html, 202).
    this.events.error(o.clientId, o.orderId, 202, 'Order Canceled - reason:');
  }

  /** reqGlobalCancel: every open order of every client (https://interactivebrokers.github.io/tws-api/cancel_order.html). */
  globalCancel(): void {
    for (const o of [...this.orders.values()].sort((a, b) => a.orderId - b.orderId))
      if (isOpen(o)) this.markCancelled(o, true);
  }

  /** Test control: executes `qty` (default: all that remains) of a working order at `price`. */
  fill(orderId: number, price: number, qty?: number): void {
    const o = this.orders.get(orderId);
    if (!o) throw new Error(`fill: no order ${orderId}`);
    if (!this.working(o))
      throw new Error(
        `fill: order ${orderId} is not working (status ${o.status}, transmitted ${o.transmitted})`,
      );
    const remaining = o.totalQuantity - o.filled;
    const shares = qty ?? remaining;
    if (!(shares > 0) || shares > remaining)
      throw new Error(`fill: qty ${shares} is not within the ${remaining} that remain of order ${orderId}`);
    o.avgFillPrice = (o.avgFillPrice * o.filled + price * shares) / (o.filled + shares);
    o.filled += shares;
    o.lastFillPrice = price;
    o.status = o.filled >= o.totalQuantity ? 'Filled' : 'Submitted';
    if (o.status === 'Filled') o.completedTime = twsZonedTime(this.ledger.now());
    const exec = this.ledger.record({
      orderId: o.orderId,
      clientId: o.clientId,
      permId: o.permId,
      account: o.account,
      contract: o.contract,
      action: o.action,
      shares,
      price,
      cumQty: o.filled,
      avgPrice: o.avgFillPrice,
      orderRef: o.orderRef,
    });
    this.events.executed(o, exec);
    if (o.status === 'Filled') this.activateChildren(o);
    this.applyOca(o, shares);
  }

  private activateChildren(parent: BookOrder): void {
    for (const child of [...this.orders.values()].sort((a, b) => a.orderId - b.orderId)) {
      if (child.parentId !== parent.orderId || child.status !== 'PreSubmitted' || !child.transmitted)
        continue;
      child.status = this.workingStatus(child);
      this.events.orderChanged(child);
    }
  }

  /**
   * One-cancels-all (https://interactivebrokers.github.io/tws-api/oca.html): bracket children are
   * one OCA group; a full fill cancels the others, a partial fill reduces them (ocaType 2/3
   * "reduce"), ocaType 1 cancels them on any fill.
   */
  private applyOca(o: BookOrder, shares: number): void {
    const group = [...this.orders.values()].filter(
      (x) =>
        x.orderId !== o.orderId &&
        isOpen(x) &&
        ((o.parentId !== 0 && x.parentId === o.parentId) || (o.ocaGroup !== '' && x.ocaGroup === o.ocaGroup)),
    );
    for (const x of group) {
      if (o.status === 'Filled' || o.ocaType === 1) {
        this.markCancelled(x);
      } else {
        x.totalQuantity = Math.max(x.filled, x.totalQuantity - shares);
        if (x.transmitted) this.events.orderChanged(x);
      }
    }
  }

  /** Test control: a trade at `price` executes working orders it reaches. */
  sweep(symbol: string, price: number): void {
    this.ledger.lastPrices.set(symbol, price);
    for (let pass = 0; pass < 5; pass++) {
      const hits = [...this.orders.values()]
        .filter((o) => o.contract.symbol === symbol && this.working(o))
        .sort((a, b) => a.orderId - b.orderId)
        .map((o) => ({ o, at: fillPrice(o, price) }))
        .filter((h): h is { o: BookOrder; at: number } => h.at !== undefined);
      if (hits.length === 0) return;
      for (const { o, at } of hits) if (this.working(o)) this.fill(o.orderId, at);
    }
  }
}

function isStopType(o: BookOrder): boolean {
  return o.orderType === 'STP' || o.orderType === 'STP LMT';
}

/** Where a working order executes when the market trades at `price`, or undefined if it does not. */
function fillPrice(o: BookOrder, price: number): number | undefined {
  const buy = o.action === 'BUY';
  switch (o.orderType) {
    case 'MKT':
      return price;
    case 'LMT':
      return o.lmtPrice !== undefined && (buy ? price <= o.lmtPrice : price >= o.lmtPrice)
        ? o.lmtPrice
        : undefined;
    case 'STP':
      return o.auxPrice !== undefined && (buy ? price >= o.auxPrice : price <= o.auxPrice)
        ? price
        : undefined;
    case 'STP LMT': {
      if (o.auxPrice === undefined || o.lmtPrice === undefined) return undefined;
      const triggered = buy ? price >= o.auxPrice : price <= o.auxPrice;
      const marketable = buy ? price <= o.lmtPrice : price >= o.lmtPrice;
      return triggered && marketable ? price : undefined;
    }
    default:
      return undefined;
  }
}
