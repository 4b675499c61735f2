import type { Position } from '../broker/index.ts';
import type { PortfolioSnapshot } from '../pipeline/index.ts';

/** The account's own figures the Risk Gate sizes against. */
export interface AccountFigures {
  equity: number;
  cash: number;
  dayStartEquity: number;
}

/**
 * The portfolio the decision cycle sees, the same arithmetic for every venue: each position at
 * the last close its venue has shown (its average price while there is none), and each
 * symbol's P&L today as what closed today plus what is open now.
 */
export function portfolioOf(
  positions: ReadonlyArray<Pick<Position, 'symbol' | 'qty' | 'avgPrice'>>,
  account: AccountFigures,
  lastClose: (symbol: string) => number | undefined,
  realisedToday: ReadonlyMap<string, number> = new Map(),
): PortfolioSnapshot {
  const symbolPnlToday: Record<string, number> = Object.fromEntries(realisedToday);
  const priced = positions.map((position) => {
    const price = lastClose(position.symbol) ?? position.avgPrice;
    const open = (price - position.avgPrice) * position.qty;
    symbolPnlToday[position.symbol] = (symbolPnlToday[position.symbol] ?? 0) + open;
    return { symbol: position.symbol, qty: position.qty, price };
  });
  return {
    equity: account.equity,
    cash: account.cash,
    dayStartEquity: account.dayStartEquity,
    positions: priced,
    symbolPnlToday,
  };
}

/**
 * What a driver keeps of its account between cycles: the equity the trading day opened with,
 * the high-water mark, and the P&L of round trips closed today.
 */
export class AccountBook {
  #dayStartEquity: number;
  #day: number | undefined;
  #highWaterMark: number;
  readonly #realisedToday = new Map<string, number>();

  /** `openingEquity` is both the first day's start and the first high-water mark. */
  constructor(openingEquity: number) {
    this.#dayStartEquity = openingEquity;
    this.#highWaterMark = openingEquity;
  }

  get dayStartEquity(): number {
    return this.#dayStartEquity;
  }

  get highWaterMark(): number {
    return this.#highWaterMark;
  }

  get realisedToday(): ReadonlyMap<string, number> {
    return this.#realisedToday;
  }

  /**
   * A new trading day opens at `equity`. With `day` (a venue's exchange date), only the first
   * call of that day counts; without it every call opens a day (one daily bar is one day).
   */
  startDay(equity: number, day?: number): void {
    if (day !== undefined && day === this.#day) return;
    this.#day = day;
    this.#dayStartEquity = equity;
    this.#realisedToday.clear();
  }

  recordClosed(symbol: string, pnl: number): void {
    this.#realisedToday.set(symbol, (this.#realisedToday.get(symbol) ?? 0) + pnl);
  }

  /** Raises the high-water mark to `equity` when above it; returns the mark. */
  markEquity(equity: number): number {
    this.#highWaterMark = Math.max(this.#highWaterMark, equity);
    return this.#highWaterMark;
  }
}
