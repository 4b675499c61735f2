import {
  type ClosedTrade,
  closedTradePayload,
  fillMessage,
  type OrderLeg,
  type Position,
} from '../broker/index.ts';
import type { BarSeries } from '../market/index.ts';
import { cycleIdFor, type MemorySink, topics } from '../pipeline/index.ts';
import { withFields } from '../platform/index.ts';
import type { Proposal, Strategy } from '../strategies/index.ts';
import type { ReportBroker } from './report-data.ts';

/**
 * The fixed-size engine behind `signet backtest --size N [--short]`: every signal targets a
 * position of exactly +N (a buy entry), −N (a sell entry, with `--short`) or 0 (an exit), and
 * one market order of (target − held) gets there, so a reversal is a single order of 2N
 * (backtrader's `order_target_size(±N)`: the closing part closes the trade, the rest opens
 * the next one; a close followed by a sell at the same open gives the same figures).
 *
 * Fills follow backtrader's BackBroker with its defaults (`shortcash=True`), the same rules as
 * the paper broker's long side:
 * - a market order decided at a bar's close fills at the next bar's open (slippage moves the
 *   price against the order, inside the bar);
 * - commission is `commission × |qty| × price` of each fill, split between the closing and the
 *   opening part; a trade's commission is its share of the entry fill plus its exit fill;
 * - a short's proceeds are added to cash and the position is valued at qty × close (negative),
 *   so value = cash + Σ qty × close; covering pays qty × price;
 * - the order is checked at submission against cash at the signal close (all of it refused,
 *   counted as rejected, when cash would go below 0) and again at the fill, where the closing
 *   part always executes and the opening part is dropped (rejected) when cash would go below 0.
 * A short pays no borrow fee and posts no margin here (backtrader's stock-like defaults).
 */
export interface FixedSizeSettings {
  cash: number;
  commission: number;
  slippage: number;
  size: number;
}

interface Pending {
  symbol: string;
  clientOrderId: string;
  qty: number;
  leg: OrderLeg;
  cycleId: string;
  orderRef: number;
}

const isoTime = (time: number) => new Date(time).toISOString();

interface Book {
  symbol: string;
  qty: number;
  avgPrice: number;
  openedAt: number;
  openedBar: number;
  entryCommission: number;
  entryClientOrderId: string;
  bars: number;
  lastClose: number;
  pending: Pending | null;
}

/** The engine's account: cash, one book per symbol, closed trades; what the report reads. */
export class FixedSizeAccount implements ReportBroker {
  rejectedCount = 0;
  fillCount = 0;
  readonly closed: ClosedTrade[] = [];
  private balance: number;
  /** backtrader's check_submitted cash: carried across the orders of one step, refused ones too. */
  private pseudoCash = 0;
  private readonly books = new Map<string, Book>();

  constructor(
    private readonly settings: FixedSizeSettings,
    private readonly sink: MemorySink,
    private readonly runId: string,
  ) {
    this.balance = settings.cash;
  }

  get trades(): readonly ClosedTrade[] {
    return this.closed;
  }

  cash(): number {
    return this.balance;
  }

  book(symbol: string): Book {
    let book = this.books.get(symbol);
    if (!book) {
      book = {
        symbol,
        qty: 0,
        avgPrice: 0,
        openedAt: 0,
        openedBar: 0,
        entryCommission: 0,
        entryClientOrderId: '',
        bars: 0,
        lastClose: Number.NaN,
        pending: null,
      };
      this.books.set(symbol, book);
    }
    return book;
  }

  positionQty(symbol: string): number {
    return this.books.get(symbol)?.qty ?? 0;
  }

  positions(): Position[] {
    return [...this.books.values()]
      .filter((book) => book.qty !== 0)
      .map((book) => ({
        symbol: book.symbol,
        qty: book.qty,
        avgPrice: book.avgPrice,
        stopClientOrderId: null,
        takeProfitClientOrderId: null,
        openedAt: book.openedAt,
      }));
  }

  /** Commission paid on the entries of positions still open. */
  openCommission(): number {
    let sum = 0;
    for (const book of this.books.values()) if (book.qty !== 0) sum += book.entryCommission;
    return sum;
  }

  get holdingCount(): number {
    let count = 0;
    for (const book of this.books.values()) if (book.qty !== 0) count += 1;
    return count;
  }

  /** Cash + Σ qty × last close (a short counts negative). */
  equity(): number {
    let value = this.balance;
    for (const book of this.books.values()) if (book.qty !== 0) value += book.qty * book.lastClose;
    return value;
  }

  /** A bar of one symbol: fill its pending order at the open, then mark it at the close. */
  processBar(book: Book, time: number, open: number, high: number, low: number, close: number): void {
    book.bars += 1;
    const pending = book.pending;
    if (pending) {
      book.pending = null;
      const slip = this.settings.slippage;
      const price =
        slip === 0
          ? open
          : pending.qty > 0
            ? Math.min(open * (1 + slip), high)
            : Math.max(open * (1 - slip), low);
      this.execute(book, pending, price, time);
    }
    book.lastClose = close;
  }

  /** Before a step's decisions: the submission check starts from the cash after its fills. */
  beginDecisions(): void {
    this.pseudoCash = this.balance;
  }

  /**
   * Sends (target − held) for a proposal; returns false when backtrader's submission check
   * refuses it (cash below 0 once pseudo-executed at the signal close).
   */
  submit(book: Book, order: Pending, close: number, time: number): boolean {
    const { closed, opened } = split(book.qty, order.qty);
    const rate = this.settings.commission;
    const before = this.pseudoCash;
    this.pseudoCash -= order.qty * close + (Math.abs(closed) + Math.abs(opened)) * close * rate;
    if (this.pseudoCash < 0) {
      this.reject(
        order,
        time,
        `cash ${before.toFixed(2)} cannot pay ${order.qty} ${book.symbol} at ${close} with commission`,
      );
      return false;
    }
    book.pending = order;
    return true;
  }

  private reject(order: Pending, time: number, reason: string): void {
    this.rejectedCount += 1;
    this.sink.emit({
      fromAgent: 'broker',
      toAgent: 'executor',
      topic: topics.rejected,
      cycleId: order.cycleId,
      causedBy: order.orderRef,
      time,
      payload: { clientOrderId: order.clientOrderId, symbol: order.symbol, leg: order.leg, reason },
    });
  }

  private execute(book: Book, order: Pending, price: number, time: number): void {
    const rate = this.settings.commission;
    const { closed } = split(book.qty, order.qty);
    let opened = order.qty - closed;
    const openCost = opened * price + Math.abs(opened) * price * rate;
    const closeCost = closed * price + Math.abs(closed) * price * rate;
    if (opened !== 0 && this.balance - closeCost - openCost < 0) {
      this.reject(order, time, `cash cannot pay the opening ${opened} ${book.symbol} at ${price}`);
      opened = 0;
    }
    const filled = closed + opened;
    if (filled === 0) return;
    const fee = Math.abs(filled) * price * rate;
    this.balance -= filled * price + fee;
    this.fillCount += 1;
    let trade: ClosedTrade | null = null;
    if (closed !== 0) {
      const share = Math.abs(closed) / Math.abs(book.qty);
      const entryFee = book.entryCommission * share;
      const exitFee = Math.abs(closed) * price * rate;
      const qty = -closed;
      const gross = (price - book.avgPrice) * qty;
      trade = {
        symbol: book.symbol,
        entryTime: book.openedAt,
        exitTime: time,
        entryPrice: book.avgPrice,
        exitPrice: price,
        qty,
        grossPnl: gross,
        commission: entryFee + exitFee,
        pnl: gross - entryFee - exitFee,
        bars: book.bars - book.openedBar,
        exitLeg: 'exit',
        entryClientOrderId: book.entryClientOrderId,
        exitClientOrderId: order.clientOrderId,
      };
      book.entryCommission -= entryFee;
      book.qty += closed;
    }
    if (opened !== 0) {
      const before = book.qty;
      const now = before + opened;
      book.avgPrice = before === 0 ? price : (book.avgPrice * before + price * opened) / now;
      if (before === 0) {
        book.openedAt = time;
        book.openedBar = book.bars;
        book.entryClientOrderId = order.clientOrderId;
        book.entryCommission = 0;
      }
      book.entryCommission += Math.abs(opened) * price * rate;
      book.qty = now;
    }
    const { payload } = fillMessage(
      {
        fill: {
          clientOrderId: order.clientOrderId,
          symbol: book.symbol,
          side: filled > 0 ? 'buy' : 'sell',
          qty: Math.abs(filled),
          price,
          commission: fee,
          time,
        },
        leg: order.leg,
        cashAfter: this.balance,
        positionAfter: book.qty,
      },
      { cycleId: order.cycleId, causationId: order.orderRef },
    );
    const fillRef = this.sink.emit({
      fromAgent: 'broker',
      toAgent: 'executor',
      topic: topics.fill,
      cycleId: order.cycleId,
      causedBy: order.orderRef,
      time,
      payload: withFields(payload as object, { at: isoTime(time) }),
    });
    if (trade) {
      this.closed.push(trade);
      this.sink.emit({
        fromAgent: 'monitor',
        toAgent: 'journal',
        topic: topics.exit,
        cycleId: cycleIdFor(this.runId, trade.symbol, trade.exitTime),
        causedBy: fillRef,
        time,
        // qty < 0: a short round trip, grossPnl = (entry − exit) × |qty|.
        payload: withFields(closedTradePayload(trade), {
          entryAt: isoTime(trade.entryTime),
          exitAt: isoTime(trade.exitTime),
        }),
      });
    }
  }
}

/** The part of an order that closes the held position (signed like the order) and the rest. */
function split(held: number, qty: number): { closed: number; opened: number } {
  const closed =
    held !== 0 && Math.sign(qty) !== Math.sign(held)
      ? Math.sign(qty) * Math.min(Math.abs(qty), Math.abs(held))
      : 0;
  return { closed, opened: qty - closed };
}

/** The position a proposal asks for at a fixed size: ±size to enter or reverse, 0 to exit. */
export function targetOf(proposal: Proposal, size: number): number {
  const direction = proposal.side === 'buy' ? 1 : -1;
  if (proposal.intent === 'enter' || proposal.reverse === true) return direction * size;
  return 0;
}

/** One bar's decision for one symbol: proposal → order of (target − held), logged. */
export function fixedSizeStep(input: {
  account: FixedSizeAccount;
  strategy: Strategy;
  series: BarSeries;
  index: number;
  runId: string;
  size: number;
  sink: MemorySink;
  time: number;
}): void {
  const { account, series, index, sink, time } = input;
  const book = account.book(series.symbol);
  const held = book.qty;
  const proposal = input.strategy.decide(series, index, held);
  if (proposal === null) return;
  const symbol = series.symbol;
  const cycleId = cycleIdFor(input.runId, symbol, proposal.time);
  const proposalRef = sink.emit({
    fromAgent: 'strategist',
    toAgent: 'executor',
    topic: topics.proposal,
    cycleId,
    causedBy: null,
    time,
    payload: {
      symbol,
      side: proposal.side,
      intent: proposal.intent,
      ...(proposal.reverse ? { reverse: true } : {}),
      referencePrice: proposal.referencePrice,
      reason: proposal.reason,
      strategy: proposal.strategy,
      decidedBy: 'fallback',
      barTime: isoTime(proposal.time),
    },
  });
  const target = targetOf(proposal, input.size);
  const qty = target - held;
  if (qty === 0 || book.pending) {
    sink.emit({
      fromAgent: 'executor',
      toAgent: 'strategist',
      topic: topics.skipped,
      cycleId,
      causedBy: proposalRef,
      time,
      payload: {
        symbol,
        reason: book.pending ? 'an order is already pending' : `already holding the target ${target}`,
      },
    });
    return;
  }
  const leg: OrderLeg = held === 0 ? 'entry' : 'exit';
  const clientOrderId = `${input.runId}.${symbol}.${cycleId.slice(cycleId.lastIndexOf('/') + 1)}.${proposal.reverse ? 'reverse' : proposal.intent}`;
  const orderRef = sink.emit({
    fromAgent: 'executor',
    toAgent: 'broker',
    topic: topics.order,
    cycleId,
    causedBy: proposalRef,
    time,
    payload: {
      clientOrderId,
      symbol,
      side: qty > 0 ? 'buy' : 'sell',
      type: 'market',
      qty: Math.abs(qty),
      leg,
      target,
      referencePrice: proposal.referencePrice,
      cycleId,
    },
  });
  account.submit(book, { symbol, clientOrderId, qty, leg, cycleId, orderRef }, proposal.referencePrice, time);
}
