import { describe, expect, it } from 'vitest';
import { SimulatedEa } from './support/simulated-ea.ts';

/** The simulated EA is not permissive: each MT5 trade-server rule refuses its violation. */
describe('simulated EA: the MT5 trade server rules', () => {
  const ea = () => {
    const simulated = new SimulatedEa('http://127.0.0.1:1', 'token');
    simulated.quotes.EURUSD = { bid: 1.1, ask: 1.10006 };
    simulated.quotes.USDJPY = { bid: 151.234, ask: 151.244 };
    simulated.symbolRules.USDJPY = { digits: 3, stopsLevelPoints: 20, filling: ['IOC'] };
    return simulated;
  };
  const open = (fields: Record<string, unknown>) => ({
    action: 'open',
    symbol: 'EURUSD',
    side: 'buy',
    order_type: 'market',
    price: 0,
    ...fields,
  });

  it('accepts a well-formed order and modify', () => {
    const simulated = ea();
    expect(simulated.verdict(open({ sl: 1.09, tp: 1.12 }))).toBeNull();
    expect(simulated.verdict(open({ symbol: 'USDJPY', side: 'sell', sl: 152.1, tp: 150.5 }))).toBeNull();
    simulated.positionSides.set(7, 'sell');
    expect(
      simulated.verdict({ action: 'modify', symbol: 'EURUSD', position_ticket: 7, sl: 1.105, tp: 0 }),
    ).toBeNull();
  });

  it('refuses stops on the wrong side or inside the stops level: 10016 INVALID_STOPS', () => {
    const simulated = ea();
    const stops = { retcode: 10016, retcode_name: 'TRADE_RETCODE_INVALID_STOPS' };
    expect(simulated.verdict(open({ sl: 1.101 }))).toEqual(stops);
    expect(simulated.verdict(open({ tp: 1.099 }))).toEqual(stops);
    // 10 points of stops level on a 5-digit symbol: 0.0001 from the bid is the closest allowed.
    expect(simulated.verdict(open({ sl: 1.09995 }))).toEqual(stops);
    expect(simulated.verdict(open({ sl: 1.0999 }))).toBeNull();
    simulated.positionSides.set(7, 'sell');
    expect(simulated.verdict({ action: 'modify', symbol: 'EURUSD', position_ticket: 7, sl: 1.095 })).toEqual(
      stops,
    );
    // A sell (a short) is mirrored: its SL above the ask, its TP below.
    expect(simulated.verdict(open({ side: 'sell', sl: 1.099 }))).toEqual(stops);
    expect(simulated.verdict(open({ side: 'sell', tp: 1.101 }))).toEqual(stops);
    expect(simulated.verdict(open({ side: 'sell', sl: 1.102, tp: 1.098 }))).toBeNull();
    // Off the symbol's grid (3 digits).
    expect(simulated.verdict(open({ symbol: 'USDJPY', side: 'sell', sl: 152.1234 }))).toEqual(stops);
  });

  it('refuses a pending price off the tick: 10015 INVALID_PRICE', () => {
    expect(ea().verdict(open({ symbol: 'USDJPY', order_type: 'limit', price: 150.0005 }))).toEqual({
      retcode: 10015,
      retcode_name: 'TRADE_RETCODE_INVALID_PRICE',
    });
  });

  it('refuses a filling mode the symbol does not allow: 10030 INVALID_FILL; by symbol it passes', () => {
    const simulated = ea();
    simulated.filling = 'FOK';
    expect(simulated.verdict(open({ symbol: 'USDJPY', side: 'sell' }))).toEqual({
      retcode: 10030,
      retcode_name: 'TRADE_RETCODE_INVALID_FILL',
    });
    simulated.filling = 'symbol';
    expect(simulated.verdict(open({ symbol: 'USDJPY', side: 'sell' }))).toBeNull();
  });
});
