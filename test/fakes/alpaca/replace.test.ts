import { describe, expect, it } from 'vitest';
import { FakeBook, type TradeUpdateData } from './book.ts';
import { validateReplace } from './orders.ts';

const stop = { status: 'new', type: 'stop' };

describe('the strict Alpaca fake refuses a replace the way Alpaca does (PATCH /v2/orders/{id})', () => {
  it.each([
    ['sub-penny stop_price', stop, { stop_price: '99.995' }, 422, /^invalid stop_price 99\.995\. sub-penny/],
    [
      'sub-penny limit_price below one dollar',
      { status: 'new', type: 'limit' },
      { limit_price: '0.12345' },
      422,
      /sub-penny/,
    ],
    ['a filled order', { status: 'filled', type: 'stop' }, { stop_price: '99' }, 422, /status is filled/],
    [
      'a canceled order',
      { status: 'canceled', type: 'stop' },
      { stop_price: '99' },
      422,
      /status is canceled/,
    ],
    [
      'an order already replaced',
      { status: 'replaced', type: 'stop' },
      { stop_price: '99' },
      422,
      /status is replaced/,
    ],
    [
      'an order pending_replace',
      { status: 'pending_replace', type: 'stop' },
      { stop_price: '99' },
      422,
      /pending_replace/,
    ],
    [
      'an order accepted (not routed)',
      { status: 'accepted', type: 'stop' },
      { stop_price: '99' },
      422,
      /accepted/,
    ],
    [
      'an order pending_cancel',
      { status: 'pending_cancel', type: 'stop' },
      { stop_price: '99' },
      422,
      /pending_cancel/,
    ],
    [
      'a stop_price on a limit order',
      { status: 'new', type: 'limit' },
      { stop_price: '99' },
      422,
      /not applicable/,
    ],
    ['a field that cannot be replaced', stop, { side: 'buy' }, 422, /side is not replaceable/],
    ['a non-positive stop_price', stop, { stop_price: '0' }, 422, /invalid stop_price/],
  ])('refuses %s', (_name, order, body, status, message) => {
    const answer = validateReplace(body, order);
    expect(answer).toMatchObject({ status, body: { message: expect.stringMatching(message) as unknown } });
  });

  it('accepts a stop_price on the tick for a working stop', () => {
    expect(validateReplace({ stop_price: '99.99' }, stop)).toEqual({
      changes: { stop_price: 99.99, qty: undefined, limit_price: undefined, client_order_id: undefined },
    });
  });
});

describe('the strict Alpaca fake replaces asynchronously', () => {
  const events = (book: (emit: (update: TradeUpdateData) => void) => FakeBook) => {
    const seen: TradeUpdateData[] = [];
    return { seen, book: book((update) => seen.push(update)) };
  };

  it('old order pending_replace → replaced (replaced_by), the new one new (replaces); a leg keeps its place', async () => {
    const { seen, book } = events((emit) => new FakeBook(emit));
    book.prices.set('SPY', 100);
    const entry = book.submit({
      symbol: 'SPY',
      qty: 5,
      side: 'buy',
      type: 'market',
      time_in_force: 'gtc',
      order_class: 'bracket',
      take_profit: 110,
      stop_loss: 95,
    });
    book.match();
    const leg = entry.legs!.find((each) => each.type === 'stop')!;
    book.replaceDelayMs = 1;
    const replacement = book.requestReplace(leg, { stop_price: 99 });
    expect(replacement.id).not.toBe(leg.id);
    expect(leg.status).toBe('pending_replace');
    expect(entry.legs).toContain(leg);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(leg).toMatchObject({ status: 'replaced', replaced_by: replacement.id });
    expect(replacement).toMatchObject({
      status: 'new',
      stop_price: 99,
      replaces: leg.id,
      parentId: entry.id,
    });
    expect(entry.legs).toContain(replacement);
    expect(entry.legs).not.toContain(leg);
    expect(seen.slice(-3).map((each) => each.event)).toEqual(['pending_replace', 'replaced', 'new']);
  });

  it('rejects the replacement when the old order fills first', async () => {
    const { seen, book } = events((emit) => new FakeBook(emit));
    book.prices.set('SPY', 100);
    book.positions.set('SPY', { symbol: 'SPY', qty: 5, avgPrice: 100 });
    const order = book.submit({
      symbol: 'SPY',
      qty: 5,
      side: 'sell',
      type: 'stop',
      time_in_force: 'gtc',
      stop_price: 95,
    });
    book.replaceDelayMs = 5;
    const replacement = book.requestReplace(order, { stop_price: 97 });
    book.prices.set('SPY', 94);
    book.match();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(order.status).toBe('filled');
    expect(replacement.status).toBe('rejected');
    expect(seen.map((each) => each.event)).toEqual(['new', 'pending_replace', 'fill', 'rejected']);
  });

  it('holds orders as accepted outside the session and expires day orders at its end', () => {
    const { seen, book } = events((emit) => new FakeBook(emit));
    book.routing = false;
    const order = book.submit({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      pending: true,
    });
    book.accept(order);
    book.match();
    expect(order.status).toBe('accepted');
    book.openSession();
    expect(order.status).toBe('filled');
    const limit = book.submit({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'limit',
      time_in_force: 'day',
      limit_price: 50,
    });
    const gtc = book.submit({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'limit',
      time_in_force: 'gtc',
      limit_price: 50,
    });
    book.endSession();
    expect(limit.status).toBe('expired');
    expect(gtc.status).toBe('new');
    expect(seen.map((each) => each.event)).toEqual([
      'pending_new',
      'accepted',
      'new',
      'fill',
      'new',
      'new',
      'expired',
    ]);
  });
});
