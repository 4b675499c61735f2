import { describe, expect, it } from 'vitest';
import { positionSide, protectiveStop } from './broker.ts';

describe('protectiveStop takes its side from the position', () => {
  it('a long position gets a sell stop for its whole quantity', () => {
    expect(protectiveStop('sg-1.sl', { symbol: 'AAPL', qty: 10 }, 95)).toEqual({
      clientOrderId: 'sg-1.sl',
      symbol: 'AAPL',
      side: 'sell',
      type: 'stop',
      stopPrice: 95,
      qty: 10,
      leg: 'stop_loss',
    });
  });

  it('a short position (negative quantity) gets a buy stop for the quantity it owes', () => {
    const stop = protectiveStop('sg-2.sl', { symbol: 'EURUSD', qty: -0.5 }, 1.1);
    expect([stop.side, stop.qty, stop.stopPrice]).toEqual(['buy', 0.5, 1.1]);
    expect(positionSide({ qty: -0.5 })).toBe('short');
    expect(positionSide({ qty: 3 })).toBe('long');
  });
});
