import { describe, expect, it } from 'vitest';
import { buildPlacements, closingPlacement, idsNeeded } from './order-build.ts';

const spec = { exchange: 'SMART', currency: 'USD', account: 'DU123' };

describe('IB order construction', () => {
  it('sends a bracket as parent + take-profit + stop, only the last child transmitting', () => {
    const request = {
      clientOrderId: 'c1',
      symbol: 'AAPL',
      side: 'buy' as const,
      type: 'limit' as const,
      qty: 10,
      limitPrice: 100.004,
      bracket: { stopLoss: 95.001, takeProfit: 110.009 },
    };
    expect(idsNeeded(request)).toBe(3);
    const [parent, target, stop] = buildPlacements(request, 41, spec);
    expect(parent?.order).toMatchObject({
      orderId: 41,
      action: 'BUY',
      orderType: 'LMT',
      lmtPrice: 100,
      orderRef: 'c1',
      transmit: false,
      account: 'DU123',
    });
    expect(target?.order).toMatchObject({
      orderId: 42,
      action: 'SELL',
      orderType: 'LMT',
      lmtPrice: 110,
      parentId: 41,
      orderRef: 'c1.tp',
      transmit: false,
    });
    expect(stop?.order).toMatchObject({
      orderId: 43,
      action: 'SELL',
      orderType: 'STP',
      auxPrice: 95.01,
      parentId: 41,
      orderRef: 'c1.sl',
      transmit: true,
    });
    expect(parent?.contract).toEqual({ symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' });
  });

  it('a short entry’s children buy, rounded toward the entry', () => {
    const placements = buildPlacements(
      {
        clientOrderId: 's1',
        symbol: 'X',
        side: 'sell',
        type: 'market',
        qty: 5,
        bracket: { stopLoss: 20.004 },
      },
      7,
      spec,
    );
    expect(placements).toHaveLength(2);
    expect(placements[0]?.order).toMatchObject({ orderType: 'MKT', action: 'SELL', transmit: false });
    expect(placements[1]?.order).toMatchObject({ action: 'BUY', auxPrice: 20, transmit: true, parentId: 7 });
  });

  it('a plain order transmits at once; a flatten closes the signed position at market', () => {
    const [only] = buildPlacements(
      { clientOrderId: 'e', symbol: 'X', side: 'sell', type: 'stop', qty: 3, stopPrice: 9.999 },
      1,
      spec,
    );
    expect(only?.order).toMatchObject({ transmit: true, orderType: 'STP', auxPrice: 10 });
    expect(only?.order.parentId).toBeUndefined();
    expect(closingPlacement(9, 'X', -4, 'wd.X', spec).order).toMatchObject({
      action: 'BUY',
      totalQuantity: 4,
      orderType: 'MKT',
      orderRef: 'wd.X',
    });
  });
});
