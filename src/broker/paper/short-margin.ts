import type { PaperBook } from './book.ts';

/**
 * The paper broker's margin model for short positions (Reg-T style, documented in
 * docs/architecture.md and src/broker/README):
 *
 * - a short sale credits its proceeds (less commission) to cash;
 * - every open short holds collateral of `initialMargin` × its value at the last price
 *   (1.5 = Reg-T's 150 %: the proceeds plus half as much again of the trader's own cash);
 *   a short is accepted only when cash after the sale still covers the collateral of every
 *   short, and a buy may spend only the cash beyond that collateral;
 * - a borrow fee of `borrowFeeRate` a year, on the short's value at the previous close, is
 *   charged to cash per calendar day held (rate / 360 a day, as brokers quote stock borrow).
 */
export interface ShortMargin {
  /** Collateral held per unit of short value, ≥ 1 (1.5 = 150 %). */
  initialMargin: number;
  /** Annual borrow fee, fraction of the short's value (0.03 = 3 % a year). */
  borrowFeeRate: number;
}

const dayMs = 86_400_000;

/** Collateral held against the open shorts, each at its last price (`except` left out). */
export function shortCollateral(
  holding: readonly PaperBook[],
  margin: ShortMargin,
  except?: PaperBook,
): number {
  let total = 0;
  for (const book of holding) {
    if (book.qty >= 0 || book === except) continue;
    total += -book.qty * book.lastClose * margin.initialMargin;
  }
  return total;
}

/**
 * Why a short of `qty` more at `price` is unaffordable, or null when it is: cash after the
 * sale (the proceeds credited, the commission paid) must cover the collateral of every short.
 */
export function shortRefusal(
  options: {
    cash: number;
    holding: readonly PaperBook[];
    book: PaperBook;
    qty: number;
    price: number;
    commissionRate: number;
    when: 'submission' | 'fill';
  },
  margin: ShortMargin,
): string | null {
  const { book, qty, price } = options;
  const value = qty * price;
  const cashAfter = options.cash + value - value * options.commissionRate;
  const shortAfter = (-Math.min(0, book.qty) + qty) * price;
  const needed = shortCollateral(options.holding, margin, book) + shortAfter * margin.initialMargin;
  if (cashAfter + 1e-9 >= needed) return null;
  return `insufficient margin for a short at ${options.when}: ${margin.initialMargin * 100}% of short value needs ${needed.toFixed(2)}, cash after the sale would be ${cashAfter.toFixed(2)}`;
}

/** The borrow fee a short owes for the time from the previous bar to this one, at the previous close. */
export function borrowFee(book: PaperBook, time: number, margin: ShortMargin): number {
  if (book.qty >= 0 || margin.borrowFeeRate === 0 || !Number.isFinite(book.lastTime)) return 0;
  const days = Math.max(0, time - Math.max(book.lastTime, book.openedAt)) / dayMs;
  return -book.qty * book.lastClose * (margin.borrowFeeRate / 360) * days;
}
