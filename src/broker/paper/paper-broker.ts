import { z } from 'zod';
import { withFields } from '../../platform/index.ts';
import type {
  Account,
  Broker,
  BrokerEvent,
  ClosedTrade,
  Order,
  OrderRequest,
  PortfolioView,
  Position,
} from '../broker.ts';
import { createBook, matchPrice, type PaperBook, slipPrice, type WorkingOrder } from './book.ts';
import { copy, isFinal, validateOrderRequest } from './order-request.ts';
import { borrowFee, type ShortMargin, shortCollateral, shortRefusal } from './short-margin.ts';

export const paperBrokerOptionsSchema = z
  .object({
    cash: z.number().finite().nonnegative(),
    /** Fraction of traded value, e.g. 0.001 for 0.1 %. */
    commission: z.number().min(0).max(0.5).default(0),
    /** Fraction of price moved against the trader on each fill (default none). */
    slippage: z.number().min(0).max(0.5).default(0),
    name: z.string().min(1).default('paper'),
    /** Whether a sell entry may open a short (strategist.allowShort); off, sells only reduce a long. */
    shorting: z.boolean().default(false),
    /** Collateral held per unit of short value (1.5 = Reg-T's 150 %); see short-margin.ts. */
    shortMarginRequirement: z.number().min(1).max(10).default(1.5),
    /** Annual borrow fee on short value, charged per calendar day held (rate / 360 a day). */
    borrowFeeRate: z.number().min(0).max(1).default(0),
  })
  .strict();

export type PaperBrokerSettings = z.input<typeof paperBrokerOptionsSchema>;

export interface PaperBrokerOptions extends PaperBrokerSettings {
  /** Simulated (or wall) clock; stamps submissions. */
  clock: { now(): number };
  /** Fills, cancellations, rejections and closed trades, as they happen. */
  onEvent?: (event: BrokerEvent) => void;
}

/**
 * The backtest and paper-trading broker. Synchronous (no promise anywhere), allocation-free on
 * bars without orders. Money stays in full double precision; reports round to cents.
 */
export class PaperBroker implements Broker, PortfolioView {
  readonly name: string;
  readonly commission: number;
  readonly slippage: number;
  readonly initialCash: number;
  readonly shorting: boolean;
  readonly margin: ShortMargin;
  private cashBalance: number;
  private readonly clock: { now(): number };
  private readonly onEvent: ((event: BrokerEvent) => void) | undefined;
  private readonly books = new Map<string, PaperBook>();
  private readonly orders = new Map<string, WorkingOrder>();
  /** Books with a position, for valuation without scanning every symbol. */
  private readonly holding: PaperBook[] = [];
  private readonly closedTrades: ClosedTrade[] = [];
  fillCount = 0;
  rejectedCount = 0;
  /** True while processBar walks a book's orders: cancel() then leaves compaction to it. */
  private matching = false;

  constructor(options: PaperBrokerOptions) {
    const settings = paperBrokerOptionsSchema.parse({
      cash: options.cash,
      commission: options.commission,
      slippage: options.slippage,
      name: options.name,
      shorting: options.shorting,
      shortMarginRequirement: options.shortMarginRequirement,
      borrowFeeRate: options.borrowFeeRate,
    });
    this.shorting = settings.shorting;
    this.margin = { initialMargin: settings.shortMarginRequirement, borrowFeeRate: settings.borrowFeeRate };
    this.name = settings.name;
    this.commission = settings.commission;
    this.slippage = settings.slippage;
    this.initialCash = settings.cash;
    this.cashBalance = settings.cash;
    this.clock = options.clock;
    this.onEvent = options.onEvent;
  }

  /** The book of a symbol (created on first use); keep it to call processBar without a lookup. */
  book(symbol: string): PaperBook {
    let book = this.books.get(symbol);
    if (!book) {
      book = createBook(symbol);
      this.books.set(symbol, book);
    }
    return book;
  }

  /**
   * Matches the symbol's working orders against one bar, in submission order, then marks the
   * position at the close. Orders submitted after the previous bar closed are eligible now.
   */
  processBar(book: PaperBook, time: number, open: number, high: number, low: number, close: number): void {
    if (book.qty < 0) {
      // A short pays its borrow for the days since the previous bar, at the previous close.
      const fee = borrowFee(book, time, this.margin);
      this.cashBalance -= fee;
      book.borrowFee += fee;
    }
    book.bars += 1;
    book.lastTime = time;
    const orders = book.orders;
    if (orders.length > 0) {
      const bar = book.bars;
      const count = orders.length;
      this.matching = true;
      try {
        for (let at = 0; at < count; at += 1) {
          const working = orders[at]!;
          const order = working.order;
          if (order.status !== 'open' || working.activeFromBar > bar) continue;
          const matched = matchPrice(order, open, high, low);
          if (Number.isNaN(matched)) continue; // not reached on this bar
          this.execute(book, working, slipPrice(order, matched, this.slippage, high, low), time, bar);
        }
      } finally {
        this.matching = false;
      }
      let kept = 0;
      for (let at = 0; at < orders.length; at += 1) {
        const working = orders[at]!;
        if (!isFinal(working.order)) orders[kept++] = working;
      }
      orders.length = kept;
    }
    book.lastClose = close;
  }

  private execute(book: PaperBook, working: WorkingOrder, price: number, time: number, bar: number): void {
    const order = working.order;
    const qty = order.qty;
    const value = qty * price;
    const commission = value * this.commission;
    const refusal = this.fillRefusal(book, order, qty, price);
    if (refusal) {
      this.reject(order, refusal);
      return;
    }
    const opening = book.qty === 0 || Math.sign(book.qty) === (order.side === 'buy' ? 1 : -1);
    if (opening && book.qty === 0) this.openRoundTrip(book, order, time, bar);
    this.cashBalance += order.side === 'buy' ? -(value + commission) : value - commission;
    book.qty += order.side === 'buy' ? qty : -qty;
    if (opening) {
      book.entryQty += qty;
      book.entryValue += value;
      book.entryCommission += commission;
    } else {
      book.exitQty += qty;
      book.exitValue += value;
      book.exitCommission += commission;
    }
    order.status = 'filled';
    order.filledAt = time;
    order.fillPrice = price;
    order.commission = commission;
    this.fillCount += 1;
    // Bracket children go live on the bar after their entry fills.
    let legs: Order[] | undefined;
    if (order.leg === 'entry' && order.linkedClientOrderIds.length > 0) {
      legs = [];
      for (const childId of order.linkedClientOrderIds) {
        const child = this.orders.get(childId);
        if (child?.order.status !== 'waiting') continue;
        child.order.status = 'open';
        child.activeFromBar = bar + 1;
        if (child.order.leg === 'stop_loss') book.stopClientOrderId = childId;
        else book.takeProfitClientOrderId = childId;
        legs.push(copy(child.order));
      }
    }
    this.onEvent?.({
      kind: 'fill',
      fill: {
        clientOrderId: order.clientOrderId,
        symbol: book.symbol,
        side: order.side,
        qty,
        price,
        commission,
        time,
      },
      order: copy(order),
      cashAfter: this.cashBalance,
      positionAfter: book.qty,
      ...(legs ? { legs } : {}),
    });
    // One cancels the other.
    if (order.leg === 'stop_loss' || order.leg === 'take_profit') {
      for (const siblingId of order.linkedClientOrderIds)
        this.cancel(siblingId, `oco: ${order.clientOrderId} filled`);
    }
    if (book.qty === 0 && !opening) this.closeTrade(book, order, time, bar);
  }

  /**
   * Why an order cannot fill now, or null. Only an entry opens or adds to a position; a stop,
   * target, exit or flatten only reduces one, never past flat (no flip in one order). A buy
   * spends cash beyond the shorts' collateral; a short needs shorting on and its margin.
   */
  private fillRefusal(book: PaperBook, order: Order, qty: number, price: number): string | null {
    const sign = order.side === 'buy' ? 1 : -1;
    const reduces = book.qty !== 0 && Math.sign(book.qty) !== sign;
    if (reduces) {
      if (order.leg === 'entry')
        return `a ${order.side} entry does not reduce the ${book.qty > 0 ? 'long' : 'short'} position of ${Math.abs(book.qty)}: exit it first`;
      if (qty > Math.abs(book.qty) + 1e-9)
        return `${order.side} of ${qty} exceeds the ${book.qty > 0 ? 'long' : 'short'} position of ${Math.abs(book.qty)} (no flip in one order)`;
      return null;
    }
    if (order.leg !== 'entry')
      return order.side === 'sell'
        ? `sell of ${qty} exceeds the position of ${book.qty} (a ${order.leg} order only closes a long)`
        : `buy of ${qty} has no short position to cover (a ${order.leg} order only closes a short)`;
    if (order.side === 'sell') {
      if (!this.shorting) return `sell of ${qty} exceeds the position of ${book.qty} (no short selling)`;
      return shortRefusal(
        {
          cash: this.cashBalance,
          holding: this.holding,
          book,
          qty,
          price,
          commissionRate: this.commission,
          when: 'fill',
        },
        this.margin,
      );
    }
    const cost = qty * price * (1 + this.commission);
    const free = this.cashBalance - shortCollateral(this.holding, this.margin);
    return cost > free
      ? `insufficient cash at fill: needs ${cost.toFixed(2)}, has ${free.toFixed(2)}${free === this.cashBalance ? '' : ' beyond the collateral of open shorts'}`
      : null;
  }

  private openRoundTrip(book: PaperBook, order: Order, time: number, bar: number): void {
    book.openedAt = time;
    book.openedBar = bar;
    book.entryClientOrderId = order.clientOrderId;
    book.entryQty = 0;
    book.entryValue = 0;
    book.entryCommission = 0;
    book.exitQty = 0;
    book.exitValue = 0;
    book.exitCommission = 0;
    book.borrowFee = 0;
    book.direction = order.side === 'buy' ? 1 : -1;
    this.holding.push(book);
  }

  private closeTrade(book: PaperBook, exit: Order, time: number, bar: number): void {
    for (const id of [book.stopClientOrderId, book.takeProfitClientOrderId]) {
      if (id) this.cancel(id, `position closed by ${exit.clientOrderId}`);
    }
    book.stopClientOrderId = null;
    book.takeProfitClientOrderId = null;
    const at = this.holding.indexOf(book);
    if (at >= 0) this.holding.splice(at, 1);
    const grossPnl = (book.exitValue - book.entryValue) * book.direction;
    const commission = book.entryCommission + book.exitCommission;
    const fee = book.borrowFee;
    const trade: ClosedTrade = {
      symbol: book.symbol,
      entryTime: book.openedAt,
      exitTime: time,
      entryPrice: book.entryValue / book.entryQty,
      exitPrice: book.exitValue / book.exitQty,
      qty: book.entryQty,
      grossPnl,
      commission,
      ...(fee > 0 ? { borrowFee: fee } : {}),
      pnl: grossPnl - commission - fee,
      bars: bar - book.openedBar,
      exitLeg: exit.leg,
      entryClientOrderId: book.entryClientOrderId,
      exitClientOrderId: exit.clientOrderId,
    };
    this.closedTrades.push(trade);
    this.onEvent?.({ kind: 'trade-closed', trade });
  }

  private reject(order: Order, reason: string): void {
    order.status = 'rejected';
    order.reason = reason;
    this.rejectedCount += 1;
    this.onEvent?.({ kind: 'rejected', order: copy(order) });
    if (order.leg === 'entry') {
      for (const childId of order.linkedClientOrderIds)
        this.cancel(childId, `entry ${order.clientOrderId} rejected`);
    }
  }

  submit(request: OrderRequest): Order {
    const existing = this.orders.get(request.clientOrderId);
    if (existing) return copy(existing.order);
    const valid = validateOrderRequest(request);
    const book = this.book(valid.symbol);
    const now = this.clock.now();
    const order: Order = {
      clientOrderId: valid.clientOrderId,
      symbol: valid.symbol,
      side: valid.side,
      type: valid.type,
      qty: valid.qty,
      limitPrice: valid.limitPrice ?? null,
      stopPrice: valid.stopPrice ?? null,
      leg: valid.leg ?? defaultLeg(valid.side, book.qty),
      parentClientOrderId: null,
      linkedClientOrderIds: [],
      status: 'open',
      submittedAt: now,
      filledAt: null,
      fillPrice: null,
      commission: 0,
      reason: null,
      cycleId: valid.cycleId ?? null,
    };
    const working: WorkingOrder = { order, activeFromBar: book.bars + 1 };
    this.orders.set(order.clientOrderId, working);
    const refusal = this.submitRefusal(book, order, valid.referencePrice ?? book.lastClose);
    if (refusal) {
      this.reject(order, refusal);
      return copy(order);
    }
    if (order.leg === 'exit' || order.leg === 'flatten') {
      for (const id of [book.stopClientOrderId, book.takeProfitClientOrderId]) {
        if (id) this.cancel(id, `replaced by ${order.leg} order ${order.clientOrderId}`);
      }
      book.stopClientOrderId = null;
      book.takeProfitClientOrderId = null;
    }
    book.orders.push(working);
    if (valid.bracket) {
      // The legs close the entry: a sell stop and a sell limit for a buy, buys for a short.
      const closing = order.side === 'buy' ? 'sell' : 'buy';
      const children: Order[] = [];
      if (valid.bracket.stopLoss !== undefined) {
        children.push(
          withFields(order, {
            clientOrderId: `${order.clientOrderId}.sl`,
            side: closing,
            type: 'stop',
            leg: 'stop_loss',
            stopPrice: valid.bracket.stopLoss,
            limitPrice: null,
          }),
        );
      }
      if (valid.bracket.takeProfit !== undefined) {
        children.push(
          withFields(order, {
            clientOrderId: `${order.clientOrderId}.tp`,
            side: closing,
            type: 'limit',
            leg: 'take_profit',
            limitPrice: valid.bracket.takeProfit,
            stopPrice: null,
          }),
        );
      }
      for (const child of children) {
        child.status = 'waiting';
        child.parentClientOrderId = order.clientOrderId;
        child.linkedClientOrderIds = children
          .filter((other) => other !== child)
          .map((other) => other.clientOrderId);
        const childWorking: WorkingOrder = { order: child, activeFromBar: Number.POSITIVE_INFINITY };
        this.orders.set(child.clientOrderId, childWorking);
        book.orders.push(childWorking);
      }
      order.linkedClientOrderIds = children.map((child) => child.clientOrderId);
    }
    return copy(order);
  }

  /**
   * The checks at submission, on the book as it is now (the fill checks again on the book as it
   * is then): a buy entry's cash, a short's shorting flag and margin, a closing order's size.
   */
  private submitRefusal(book: PaperBook, order: Order, reference: number): string | null {
    if (order.leg === 'entry' && order.side === 'sell') {
      if (!this.shorting)
        return `sell of ${order.qty} exceeds the position of ${book.qty} (no short selling)`;
      // A short entry sent while a long is still being exited is measured as if flat.
      return shortRefusal(
        {
          cash: this.cashBalance,
          holding: this.holding,
          book: book.qty > 0 ? withFields(book, { qty: 0 }) : book,
          qty: order.qty,
          price: reference,
          commissionRate: this.commission,
          when: 'submission',
        },
        this.margin,
      );
    }
    if (order.side === 'buy' && (order.leg === 'entry' || book.qty >= 0)) {
      const cost = order.qty * reference * (1 + this.commission);
      const free = this.cashBalance - shortCollateral(this.holding, this.margin);
      return cost > free
        ? `insufficient cash at submission: needs ${cost.toFixed(2)} at ${reference}, has ${free.toFixed(2)}${free === this.cashBalance ? '' : ' beyond the collateral of open shorts'}`
        : null;
    }
    if (order.side === 'buy') {
      return order.qty > -book.qty + 1e-9
        ? `buy of ${order.qty} exceeds the short position of ${-book.qty} (no flip in one order)`
        : null;
    }
    return order.qty > book.qty
      ? `sell of ${order.qty} exceeds the position of ${book.qty} (no short selling)`
      : null;
  }

  cancel(clientOrderId: string, reason = 'cancelled by request'): Order | undefined {
    const working = this.orders.get(clientOrderId);
    if (!working) return undefined;
    const order = working.order;
    if (isFinal(order)) return copy(order);
    order.status = 'cancelled';
    order.reason = reason;
    this.onEvent?.({ kind: 'cancelled', order: copy(order) });
    if (order.leg === 'entry') {
      for (const childId of order.linkedClientOrderIds)
        this.cancel(childId, `entry ${order.clientOrderId} cancelled`);
    }
    const book = this.books.get(order.symbol);
    if (book) {
      if (book.stopClientOrderId === clientOrderId) book.stopClientOrderId = null;
      if (book.takeProfitClientOrderId === clientOrderId) book.takeProfitClientOrderId = null;
      const at = book.orders.indexOf(working);
      // Outside processBar the list is compacted here; inside it, processBar compacts.
      if (at >= 0 && !this.matching) book.orders.splice(at, 1);
    }
    return copy(order);
  }

  /**
   * Moves a working stop order in place (same id, new trigger price): the paper venue modifies an
   * order as MT5 modifies an SL. Refused (thrown) for an order that is not a working stop;
   * `newClientOrderId` is not used here.
   */
  replaceStop(stop: { symbol: string; clientOrderId: string | null }, stopPrice: number): Order {
    const working = stop.clientOrderId === null ? undefined : this.orders.get(stop.clientOrderId);
    if (working?.order.type !== 'stop' || working.order.symbol !== stop.symbol)
      throw new Error(`no stop order ${stop.clientOrderId} for ${stop.symbol} to move`);
    if (isFinal(working.order))
      throw new Error(`stop ${stop.clientOrderId} is ${working.order.status}: it cannot be moved`);
    if (!(stopPrice > 0)) throw new RangeError(`a stop price must be positive, not ${stopPrice}`);
    working.order.stopPrice = stopPrice;
    return copy(working.order);
  }

  getOrder(clientOrderId: string): Order | undefined {
    const working = this.orders.get(clientOrderId);
    return working ? copy(working.order) : undefined;
  }

  workingOrders(): Order[] {
    return [...this.orders.values()]
      .filter((working) => !isFinal(working.order))
      .map((working) => copy(working.order));
  }

  closeAll(idPrefix: string): Order[] {
    const placed: Order[] = [];
    for (const working of [...this.orders.values()]) {
      if (!isFinal(working.order)) this.cancel(working.order.clientOrderId, 'close all');
    }
    for (const book of [...this.holding]) {
      placed.push(
        this.submit({
          clientOrderId: `${idPrefix}.flatten.${book.symbol}`,
          symbol: book.symbol,
          side: book.qty < 0 ? 'buy' : 'sell',
          type: 'market',
          qty: Math.abs(book.qty),
          leg: 'flatten',
        }),
      );
    }
    return placed;
  }

  account(): Account {
    return { cash: this.cashBalance, equity: this.equity() };
  }

  /** Cash plus every position at its symbol's last close. */
  equity(): number {
    let value = this.cashBalance;
    const holding = this.holding;
    for (let at = 0; at < holding.length; at += 1) {
      const book = holding[at]!;
      value += book.qty * book.lastClose;
    }
    return value;
  }

  positions(): Position[] {
    return this.holding.map((book) => ({
      symbol: book.symbol,
      qty: book.qty,
      avgPrice: book.entryValue / book.entryQty,
      stopClientOrderId: book.stopClientOrderId,
      takeProfitClientOrderId: book.takeProfitClientOrderId,
      openedAt: book.openedAt,
    }));
  }

  /** Positions currently open (for exposure). */
  get holdingCount(): number {
    return this.holding.length;
  }

  /** Entry commission already paid on positions still open. */
  openCommission(): number {
    let total = 0;
    for (const book of this.holding) total += book.entryCommission + book.exitCommission;
    return total;
  }

  get trades(): readonly ClosedTrade[] {
    return this.closedTrades;
  }

  // PortfolioView: synchronous answers for the decision step.
  cash(): number {
    return this.cashBalance;
  }

  positionQty(symbol: string): number {
    return this.books.get(symbol)?.qty ?? 0;
  }

  isProtected(symbol: string): boolean {
    const book = this.books.get(symbol);
    return book !== undefined && (book.stopClientOrderId !== null || book.takeProfitClientOrderId !== null);
  }
}

/** An order without a leg: one that closes the current position is an exit, else an entry. */
function defaultLeg(side: Order['side'], held: number): Order['leg'] {
  return (side === 'sell' && held > 0) || (side === 'buy' && held < 0)
    ? 'exit'
    : side === 'buy'
      ? 'entry'
      : 'exit';
}
