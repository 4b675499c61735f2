import { describe, expect, it } from 'vitest';
import { AccountBook, portfolioOf } from './portfolio.ts';

const account = { equity: 100_500, cash: 90_000, dayStartEquity: 100_000 };

describe('portfolioOf', () => {
  it('prices each position at its last close and counts its open P&L today', () => {
    const closes: Record<string, number> = { AAA: 110, BBB: 48 };
    const portfolio = portfolioOf(
      [
        { symbol: 'AAA', qty: 10, avgPrice: 100 },
        { symbol: 'BBB', qty: -20, avgPrice: 50 },
      ],
      account,
      (symbol) => closes[symbol],
    );
    expect(portfolio).toEqual({
      ...account,
      positions: [
        { symbol: 'AAA', qty: 10, price: 110 },
        { symbol: 'BBB', qty: -20, price: 48 },
      ],
      // A short gains as the price falls.
      symbolPnlToday: { AAA: 100, BBB: 40 },
    });
  });

  it('falls back to the average price while the venue has shown no bar of the symbol', () => {
    const portfolio = portfolioOf([{ symbol: 'NEW', qty: 5, avgPrice: 20 }], account, () => undefined);
    expect(portfolio.positions).toEqual([{ symbol: 'NEW', qty: 5, price: 20 }]);
    expect(portfolio.symbolPnlToday).toEqual({ NEW: 0 });
  });

  it('adds what closed today to what is open, and keeps symbols closed flat', () => {
    const realised = new Map([
      ['AAA', -30],
      ['CCC', 12.5],
    ]);
    const portfolio = portfolioOf([{ symbol: 'AAA', qty: 10, avgPrice: 100 }], account, () => 101, realised);
    expect(portfolio.symbolPnlToday).toEqual({ AAA: -20, CCC: 12.5 });
    // The caller's map is not changed.
    expect(realised.get('AAA')).toBe(-30);
  });

  it('is empty without positions', () => {
    expect(portfolioOf([], account, () => 1)).toEqual({ ...account, positions: [], symbolPnlToday: {} });
  });
});

describe('AccountBook', () => {
  it('opens a day per call without a day key (one daily bar, one day) and forgets what closed', () => {
    const book = new AccountBook(100_000);
    expect([book.dayStartEquity, book.highWaterMark]).toEqual([100_000, 100_000]);
    book.recordClosed('AAA', 50);
    book.recordClosed('AAA', -20);
    expect(book.realisedToday.get('AAA')).toBe(30);
    book.startDay(101_000);
    expect(book.dayStartEquity).toBe(101_000);
    expect(book.realisedToday.size).toBe(0);
  });

  it('with an exchange date, only the first call of the day opens it', () => {
    const book = new AccountBook(0);
    book.startDay(10_000, 20261201);
    book.startDay(9_000, 20261201);
    expect(book.dayStartEquity).toBe(10_000);
    book.startDay(9_500, 20261202);
    expect(book.dayStartEquity).toBe(9_500);
  });

  it('keeps the highest equity it was shown', () => {
    const book = new AccountBook(0);
    expect(book.markEquity(10_000)).toBe(10_000);
    expect(book.markEquity(9_000)).toBe(10_000);
    expect(book.highWaterMark).toBe(10_000);
  });
});
