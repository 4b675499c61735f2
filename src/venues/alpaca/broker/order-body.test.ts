import { describe, expect, it } from 'vitest';
import { toOrderBody } from './alpaca-broker.ts';

const base = { clientOrderId: 'sig-1', symbol: 'SPY', qty: 3 } as const;

describe("order prices on Alpaca's tick, rounded the way that never widens risk", () => {
  it('a buy limit rounds down and a sell limit up', () => {
    expect(toOrderBody({ ...base, side: 'buy', type: 'limit', limitPrice: 42.9799 }).limit_price).toBe(
      '42.97',
    );
    expect(toOrderBody({ ...base, side: 'sell', type: 'limit', limitPrice: 42.9701 }).limit_price).toBe(
      '42.98',
    );
  });

  it('a protective stop rounds toward the price it protects (a sell stop up, a buy stop down)', () => {
    expect(toOrderBody({ ...base, side: 'sell', type: 'stop', stopPrice: 40.0001 }).stop_price).toBe('40.01');
    expect(toOrderBody({ ...base, side: 'buy', type: 'stop', stopPrice: 45.0099 }).stop_price).toBe('45');
  });

  it("a long bracket's stop rounds up and its take-profit down; a short's the reverse", () => {
    const long = toOrderBody({
      ...base,
      side: 'buy',
      type: 'market',
      bracket: { stopLoss: 41.0001, takeProfit: 42.9707 },
    });
    expect(long.stop_loss).toEqual({ stop_price: '41.01' });
    expect(long.take_profit).toEqual({ limit_price: '42.97' });
    const short = toOrderBody({
      ...base,
      side: 'sell',
      type: 'market',
      bracket: { stopLoss: 44.9999, takeProfit: 40.0101 },
    });
    expect(short.stop_loss).toEqual({ stop_price: '44.99' });
    expect(short.take_profit).toEqual({ limit_price: '40.02' });
  });

  it('uses $0.0001 below $1.00 and leaves prices already on the tick unchanged', () => {
    expect(toOrderBody({ ...base, side: 'buy', type: 'limit', limitPrice: 0.123456 }).limit_price).toBe(
      '0.1234',
    );
    expect(toOrderBody({ ...base, side: 'buy', type: 'limit', limitPrice: 25.43 }).limit_price).toBe('25.43');
    expect(toOrderBody({ ...base, side: 'sell', type: 'stop', stopPrice: 0.29 }).stop_price).toBe('0.29');
  });
});
