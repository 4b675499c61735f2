import { describe, expect, it } from 'vitest';
import { FakeBook } from './book.ts';
import { validateOrder } from './orders.ts';

const book = () => {
  const fake = new FakeBook(() => {});
  fake.prices.set('SPY', 42);
  return fake;
};
const bracket = {
  symbol: 'SPY',
  qty: '1',
  side: 'buy',
  type: 'market',
  time_in_force: 'gtc',
  order_class: 'bracket',
};

describe("the strict Alpaca fake refuses sub-penny prices (422, Alpaca's body)", () => {
  it.each([
    ['limit_price', { symbol: 'SPY', qty: '1', side: 'buy', type: 'limit', limit_price: '41.995' }],
    ['stop_price', { symbol: 'SPY', qty: '1', side: 'sell', type: 'stop', stop_price: '40.001' }],
    [
      'take_profit.limit_price',
      { ...bracket, take_profit: { limit_price: '42.9707' }, stop_loss: { stop_price: '41' } },
    ],
    [
      'stop_loss.stop_price',
      { ...bracket, take_profit: { limit_price: '43' }, stop_loss: { stop_price: '41.00001' } },
    ],
    [
      'stop_loss.limit_price',
      {
        ...bracket,
        take_profit: { limit_price: '43' },
        stop_loss: { stop_price: '41', limit_price: '40.999' },
      },
    ],
    ['limit_price', { symbol: 'SPY', qty: '1', side: 'buy', type: 'limit', limit_price: '0.12345' }],
  ])('%s off the tick', (field, body) => {
    const answer = validateOrder(body, book());
    expect(answer).toEqual({
      status: 422,
      body: {
        code: 42210000,
        message: expect.stringMatching(
          new RegExp(
            `^invalid ${field.replace('.', '\\.')} \\S+\\. sub-penny increment does not fulfill minimum pricing criteria$`,
          ),
        ) as unknown,
      },
    });
  });

  it('accepts cents at or above $1.00 and four decimals below', () => {
    expect(
      validateOrder({ symbol: 'SPY', qty: '1', side: 'buy', type: 'limit', limit_price: '41.99' }, book()),
    ).toHaveProperty('request');
    expect(
      validateOrder({ symbol: 'SPY', qty: '1', side: 'buy', type: 'limit', limit_price: '0.1234' }, book()),
    ).toHaveProperty('request');
    expect(
      validateOrder(
        { ...bracket, take_profit: { limit_price: '42.97' }, stop_loss: { stop_price: '41.5' } },
        book(),
      ),
    ).toHaveProperty('request');
  });
});

describe('the strict Alpaca fake refuses a potential wash trade (422)', () => {
  const washed = {
    status: 422,
    body: { code: 42210000, message: 'potential wash trade detected. use complex orders' },
  };
  const market = { symbol: 'SPY', qty: '1', type: 'market', time_in_force: 'day' };

  it('a buy while a sell stop of the account is live', () => {
    const fake = book();
    fake.submit({ symbol: 'SPY', qty: 1, side: 'sell', type: 'stop', time_in_force: 'gtc', stop_price: 40 });
    expect(validateOrder({ ...market, side: 'buy' }, fake)).toEqual(washed);
    // Same side is no wash trade.
    expect(validateOrder({ ...market, side: 'sell' }, fake)).toHaveProperty('request');
  });

  it('crossing limits clash, limits that do not cross do not, and held bracket legs never do', () => {
    const fake = book();
    fake.autoFill = false;
    fake.submit({
      symbol: 'SPY',
      qty: 1,
      side: 'sell',
      type: 'limit',
      time_in_force: 'gtc',
      limit_price: 45,
    });
    const limit = { symbol: 'SPY', qty: '1', side: 'buy', type: 'limit', time_in_force: 'day' };
    expect(validateOrder({ ...limit, limit_price: '45' }, fake)).toEqual(washed);
    expect(validateOrder({ ...limit, limit_price: '41' }, fake)).toHaveProperty('request');
    const held = book();
    held.autoFill = false;
    held.submit({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'limit',
      time_in_force: 'gtc',
      limit_price: 30,
      order_class: 'bracket',
      take_profit: 50,
      stop_loss: 25,
    });
    expect(validateOrder({ ...limit, limit_price: '31' }, held)).toHaveProperty('request');
  });
});

describe('the strict Alpaca fake books an order pending before it is live', () => {
  it('pending_new (event pending_new), then new (event new); a pending market order does not fill', () => {
    const events: string[] = [];
    const fake = new FakeBook((update) => events.push(update.event));
    const order = fake.submit({
      symbol: 'SPY',
      qty: 1,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      pending: true,
    });
    expect(order.status).toBe('pending_new');
    fake.match();
    expect(order.status).toBe('pending_new');
    fake.accept(order);
    expect(order.status).toBe('new');
    fake.match();
    expect(order.status).toBe('filled');
    expect(events).toEqual(['pending_new', 'new', 'fill']);
  });
});
