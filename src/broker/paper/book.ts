import type { Order } from '../broker.ts';

/** An order as the paper broker keeps it: the public record plus when it may first fill. */
export interface WorkingOrder {
  order: Order;
  /** Number (1-based, per symbol) of the first bar on which this order may fill. */
  activeFromBar: number;
}

/** One symbol's state in the paper broker. Mutable on purpose: the hot loop allocates nothing. */
export interface PaperBook {
  readonly symbol: string;
  /** Working and waiting orders in submission order (stop-loss children before take-profits). */
  orders: WorkingOrder[];
  /** Bars seen so far for this symbol. */
  bars: number;
  lastClose: number;
  lastTime: number;
  qty: number;
  stopClientOrderId: string | null;
  takeProfitClientOrderId: string | null;
  // The current round trip, for the trade record when the position returns to flat.
  openedAt: number;
  openedBar: number;
  entryClientOrderId: string;
  entryQty: number;
  entryValue: number;
  entryCommission: number;
  exitQty: number;
  exitValue: number;
  exitCommission: number;
  /** Borrow fee charged while the round trip was short (0 for a long). */
  borrowFee: number;
  /** +1 while the round trip is long, −1 while short (0 when flat and never traded). */
  direction: number;
}

export function createBook(symbol: string): PaperBook {
  return {
    symbol,
    orders: [],
    bars: 0,
    lastClose: Number.NaN,
    lastTime: Number.NaN,
    qty: 0,
    stopClientOrderId: null,
    takeProfitClientOrderId: null,
    openedAt: 0,
    openedBar: 0,
    entryClientOrderId: '',
    entryQty: 0,
    entryValue: 0,
    entryCommission: 0,
    exitQty: 0,
    exitValue: 0,
    exitCommission: 0,
    borrowFee: 0,
    direction: 0,
  };
}

/**
 * The price at which an order fills on a bar, or NaN when it does not (backtrader's rules):
 * market at the open; a stop at the open when the bar gaps through it, else at the stop when
 * the range reaches it; a limit likewise in the favourable direction.
 */
export function matchPrice(order: Order, open: number, high: number, low: number): number {
  switch (order.type) {
    case 'market':
      return open;
    case 'stop': {
      const stop = order.stopPrice!;
      if (order.side === 'buy') return open >= stop ? open : high >= stop ? stop : Number.NaN;
      return open <= stop ? open : low <= stop ? stop : Number.NaN;
    }
    case 'limit': {
      const limit = order.limitPrice!;
      if (order.side === 'buy') return open <= limit ? open : low <= limit ? limit : Number.NaN;
      return open >= limit ? open : high >= limit ? limit : Number.NaN;
    }
  }
}

/** Slippage moves the price against the trader, never outside the bar, never past a limit. */
export function slipPrice(order: Order, price: number, slippage: number, high: number, low: number): number {
  if (slippage === 0) return price;
  let slipped = order.side === 'buy' ? price * (1 + slippage) : price * (1 - slippage);
  if (order.type === 'limit') {
    const limit = order.limitPrice!;
    slipped =
      order.side === 'buy'
        ? Math.min(slipped, Math.max(limit, price))
        : Math.max(slipped, Math.min(limit, price));
  }
  return Math.min(Math.max(slipped, low), high);
}
