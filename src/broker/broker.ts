/**
 * The broker contract (paper, alpaca, mt5). Dependency-free on purpose. Methods may answer
 * synchronously (the paper broker, so a backtest's hot loop never awaits) or with a promise
 * (brokers over a network); callers handle both with `MaybePromise`.
 */
export type MaybePromise<T> = T | Promise<T>;

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop';
/** Matches the `orders.leg` column. */
export type OrderLeg = 'entry' | 'stop_loss' | 'take_profit' | 'exit' | 'flatten';
/**
 * `waiting`: a bracket child whose entry has not filled yet. `open`: working at the broker.
 * Final states: `filled`, `cancelled`, `rejected`.
 */
export type OrderStatus = 'waiting' | 'open' | 'filled' | 'cancelled' | 'rejected';

/** Protective children of an entry; give one or both. */
export interface BracketRequest {
  /** Stop-loss trigger price (below the entry for a buy, above it for a sell entry). */
  stopLoss?: number;
  /** Take-profit limit price (above the entry for a buy, below it for a sell entry). */
  takeProfit?: number;
}

export interface OrderRequest {
  /** Deterministic id chosen by the caller: submitting the same id twice returns the first order. */
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  qty: number;
  limitPrice?: number;
  stopPrice?: number;
  leg?: OrderLeg;
  /** Entry with a stop-loss and a take-profit child (one cancels the other). */
  bracket?: BracketRequest;
  /** Price for the cash check at submission (the signal bar's close); default: last close. */
  referencePrice?: number;
  cycleId?: string;
}

export interface Order {
  clientOrderId: string;
  /** The broker's own id for the order, where the adapter reports it (the paper broker's is ours). */
  brokerOrderId?: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  qty: number;
  limitPrice: number | null;
  stopPrice: number | null;
  leg: OrderLeg;
  parentClientOrderId: string | null;
  /** The bracket children of an entry (stop-loss first), or the other child of a child. */
  linkedClientOrderIds: string[];
  status: OrderStatus;
  /** Epoch ms. */
  submittedAt: number;
  filledAt: number | null;
  fillPrice: number | null;
  commission: number;
  /** Why the order was rejected or cancelled. */
  reason: string | null;
  cycleId: string | null;
}

export interface Fill {
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  commission: number;
  /** Epoch ms of the bar (or moment) it filled in. */
  time: number;
}

export interface Position {
  symbol: string;
  /**
   * Units held: positive for a long position, negative for a short (as Alpaca reports one).
   * Shorts are opened only when strategist.allowShort is true (the Risk Gate vetoes them otherwise).
   */
  qty: number;
  avgPrice: number;
  stopClientOrderId: string | null;
  takeProfitClientOrderId: string | null;
  /**
   * A stop-loss the broker keeps on the position itself rather than as an order (MT5's SL);
   * absent or null where stops are orders (paper, Alpaca).
   */
  stopPriceOnPosition?: number | null;
  openedAt: number;
}

export interface Account {
  cash: number;
  /** Cash plus positions at their last price. */
  equity: number;
  /**
   * The broker's name for the account (Alpaca's account number, MT5's login@server); the account
   * snapshot is stored under it. Absent where the broker has no accounts of its own (paper).
   */
  id?: string;
}

export interface Broker {
  readonly name: string;
  account(): MaybePromise<Account>;
  positions(): MaybePromise<Position[]>;
  /**
   * Places an order (idempotent by clientOrderId). An order whose leg is `exit` or `flatten`
   * replaces the position's protective orders: the broker cancels them when it accepts it.
   */
  submit(request: OrderRequest): MaybePromise<Order>;
  cancel(clientOrderId: string, reason?: string): MaybePromise<Order | undefined>;
  getOrder(clientOrderId: string): MaybePromise<Order | undefined>;
  /** Cancels every working order and sends a market order closing each position. */
  closeAll(idPrefix: string): MaybePromise<Order[]>;
  /**
   * Every working order (open or waiting) at the broker, whoever placed it, our bracket legs
   * included. Absent where stops live on the position instead of as orders (MT5).
   */
  workingOrders?(): MaybePromise<Order[]>;
  /**
   * Moves a working stop-loss to `stopPrice`; the caller (the monitor's stop management) has
   * checked that it only tightens. Answers the stop working after the move: the same order moved
   * in place (paper), Alpaca's replacement (a bracket leg keeps our leg id, a stop of ours becomes
   * `newClientOrderId`), or MT5's SL modify queued for the EA under `newClientOrderId` (`stop.clientOrderId`
   * is null there: the SL is on the position). Throws when the broker refuses the move.
   */
  replaceStop?(
    stop: { symbol: string; clientOrderId: string | null },
    stopPrice: number,
    newClientOrderId: string,
  ): MaybePromise<Order>;
}

/**
 * What the decision step must know synchronously each bar. The paper broker answers from its
 * own books; a live runtime answers from its reconciled local view of the broker.
 */
export interface PortfolioView {
  cash(): number;
  positionQty(symbol: string): number;
  /** True when the symbol's position has a working stop-loss or take-profit. */
  isProtected(symbol: string): boolean;
}

export type BrokerEvent =
  | {
      kind: 'fill';
      fill: Fill;
      order: Order;
      cashAfter: number;
      positionAfter: number;
      /** An entry's bracket legs as its fill left them (working): recorded with the fill. */
      legs?: Order[];
    }
  | { kind: 'cancelled'; order: Order }
  | { kind: 'rejected'; order: Order }
  | { kind: 'trade-closed'; trade: ClosedTrade };

/** A round trip: a position from flat back to flat. Money in full precision. */
export interface ClosedTrade {
  symbol: string;
  entryTime: number;
  exitTime: number;
  /** Average entry and exit prices. */
  entryPrice: number;
  exitPrice: number;
  qty: number;
  /** (exit − entry) × qty for a long, (entry − exit) × qty for a short, before costs. */
  grossPnl: number;
  /** Entry and exit commission together. */
  commission: number;
  /** Borrow fee paid while a short was held (paper broker); absent or 0 for a long. */
  borrowFee?: number;
  /** grossPnl − commission − borrowFee. */
  pnl: number;
  /** Bars held (entry bar to exit bar). */
  bars: number;
  exitLeg: OrderLeg;
  entryClientOrderId: string;
  exitClientOrderId: string;
}

/** Which way a position points: the sign of its quantity. */
export function positionSide(position: Pick<Position, 'qty'>): 'long' | 'short' {
  return position.qty < 0 ? 'short' : 'long';
}

/**
 * A stop-loss for a whole position: what the monitor and the watchdog send when one is missing.
 * It closes the position, so its side is the position's opposite: a long gets a sell stop, a
 * short a buy stop, for the whole quantity.
 */
export function protectiveStop(
  clientOrderId: string,
  position: Pick<Position, 'symbol' | 'qty'>,
  stopPrice: number,
): OrderRequest {
  return {
    clientOrderId,
    symbol: position.symbol,
    side: positionSide(position) === 'short' ? 'buy' : 'sell',
    type: 'stop',
    stopPrice,
    qty: Math.abs(position.qty),
    leg: 'stop_loss',
  };
}

/**
 * Whether a position is protected by a live stop at the broker: a stop-loss price held on the
 * position (MT5), or a working stop order (the position's own, else `knownStopId`, e.g. the one
 * our tables remember). The monitor and the watchdog both ask this, so they never disagree.
 */
export async function liveStopOf(
  broker: Pick<Broker, 'getOrder'>,
  position: Position,
  knownStopId: string | null = null,
): Promise<{ clientOrderId: string | null; price: number | null } | undefined> {
  const onPosition = position.stopPriceOnPosition;
  if (onPosition !== undefined && onPosition !== null && onPosition > 0)
    return { clientOrderId: position.stopClientOrderId, price: onPosition };
  for (const id of [position.stopClientOrderId, knownStopId]) {
    if (!id) continue;
    const order = await broker.getOrder(id);
    if (order && (order.status === 'open' || order.status === 'waiting'))
      return { clientOrderId: order.clientOrderId, price: order.stopPrice };
  }
  return undefined;
}
