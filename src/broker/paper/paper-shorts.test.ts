import { describe, expect, it } from 'vitest';
import type { BrokerEvent } from '../broker.ts';
import { PaperBroker, type PaperBrokerSettings } from './paper-broker.ts';

const day = 86_400_000;

/** A broker and a bar feeder for one symbol, bars one calendar day apart; the clock is the bar's time. */
function setup(settings: Partial<PaperBrokerSettings> = {}) {
  const clock = { time: 0, now: () => clock.time };
  const events: BrokerEvent[] = [];
  const broker = new PaperBroker({
    cash: 10_000,
    commission: 0,
    shorting: true,
    shortMarginRequirement: 1.5,
    borrowFeeRate: 0,
    ...settings,
    clock,
    onEvent: (event) => events.push(event),
  });
  const book = broker.book('XYZ');
  let bar = 0;
  const feed = (open: number, high: number, low: number, close: number) => {
    bar += 1;
    clock.time = bar * day;
    broker.processBar(book, clock.time, open, high, low, close);
  };
  return { broker, events, feed };
}

const shortEntry = (qty: number, bracket?: { stopLoss?: number; takeProfit?: number }) => ({
  clientOrderId: `short-${qty}`,
  symbol: 'XYZ',
  side: 'sell' as const,
  type: 'market' as const,
  qty,
  leg: 'entry' as const,
  ...(bracket ? { bracket } : {}),
});

describe('paper broker: short positions (issue 21)', () => {
  it('without shorting a sell entry is refused: no short selling', () => {
    const { broker, feed } = setup({ shorting: false });
    feed(100, 101, 99, 100);
    const order = broker.submit(shortEntry(10));
    expect(order).toMatchObject({
      status: 'rejected',
      reason: 'sell of 10 exceeds the position of 0 (no short selling)',
    });
  });

  it('a short credits its proceeds; its bracket is a buy stop above and a buy limit below; the stop fills when high reaches it', () => {
    const { broker, events, feed } = setup({ commission: 0.001 });
    feed(100, 101, 99, 100);
    const entry = broker.submit(shortEntry(10, { stopLoss: 105, takeProfit: 90 }));
    expect(entry.status).toBe('open');
    const legs = entry.linkedClientOrderIds.map((id) => broker.getOrder(id)!);
    expect(legs.map((leg) => [leg.side, leg.type, leg.stopPrice ?? leg.limitPrice, leg.status])).toEqual([
      ['buy', 'stop', 105, 'waiting'],
      ['buy', 'limit', 90, 'waiting'],
    ]);
    // Fills at the next open, 102: cash + 1,020 − 1.02 commission; the position is −10.
    feed(102, 103, 101, 102);
    expect(broker.cash()).toBeCloseTo(10_000 + 1_020 - 1.02, 9);
    expect(broker.positions()).toMatchObject([{ symbol: 'XYZ', qty: -10, avgPrice: 102 }]);
    expect(broker.equity()).toBeCloseTo(10_000 - 1.02, 9);
    // High 105.5 ≥ stop 105 (open 104 below it): the buy stop fills at 105, the target is cancelled.
    feed(104, 105.5, 103, 105);
    expect(broker.positions()).toEqual([]);
    expect(broker.getOrder(legs[0]!.clientOrderId)).toMatchObject({ status: 'filled', fillPrice: 105 });
    expect(broker.getOrder(legs[1]!.clientOrderId)).toMatchObject({ status: 'cancelled' });
    const trade = broker.trades[0]!;
    // Short: (entry − exit) × qty = (102 − 105) × 10 = −30, less 1.02 + 1.05 commission.
    expect(trade).toMatchObject({ qty: 10, entryPrice: 102, exitPrice: 105, exitLeg: 'stop_loss' });
    expect(trade.grossPnl).toBeCloseTo(-30, 9);
    expect(trade.pnl).toBeCloseTo(-30 - 1.02 - 1.05, 9);
    expect(broker.cash()).toBeCloseTo(10_000 - 30 - 2.07, 9);
    expect(events.filter((event) => event.kind === 'trade-closed')).toHaveLength(1);
  });

  it('gaps fill at the open, mirrored: a buy stop at an open above it, a buy limit at an open below it', () => {
    const gapUp = setup();
    gapUp.feed(100, 101, 99, 100);
    gapUp.broker.submit(shortEntry(10, { stopLoss: 105, takeProfit: 90 }));
    gapUp.feed(100, 101, 99, 100);
    gapUp.feed(100, 101, 99, 100);
    gapUp.feed(107, 108, 106, 107);
    expect(gapUp.broker.trades[0]).toMatchObject({ exitPrice: 107, exitLeg: 'stop_loss' });
    const gapDown = setup();
    gapDown.feed(100, 101, 99, 100);
    gapDown.broker.submit(shortEntry(10, { stopLoss: 105, takeProfit: 90 }));
    gapDown.feed(100, 101, 99, 100);
    gapDown.feed(88, 89, 87, 88);
    expect(gapDown.broker.trades[0]).toMatchObject({ exitPrice: 88, exitLeg: 'take_profit' });
    expect(gapDown.broker.trades[0]!.pnl).toBeCloseTo(120, 9);
  });

  it('margin: a short is refused when cash after the sale would not cover 150 % of the shorts; buys spend only cash beyond it', () => {
    const { broker, feed } = setup();
    feed(100, 101, 99, 100);
    // 10,000 cash: a short of 200 at 100 needs 30,000 collateral, cash after would be 30,000: accepted.
    expect(broker.submit(shortEntry(200)).status).toBe('open');
    // 201 would need 30,150 against 30,100.
    const { broker: other, feed: otherFeed } = setup();
    otherFeed(100, 101, 99, 100);
    expect(other.submit(shortEntry(201))).toMatchObject({
      status: 'rejected',
      reason:
        'insufficient margin for a short at submission: 150% of short value needs 30150.00, cash after the sale would be 30100.00',
    });
    feed(100, 101, 99, 100);
    expect(broker.positions()).toMatchObject([{ qty: -200 }]);
    expect(broker.cash()).toBe(30_000);
    // All 30,000 is collateral: a buy of anything else is refused with the reason.
    const buy = broker.submit({
      clientOrderId: 'b1',
      symbol: 'ABC',
      side: 'buy',
      type: 'market',
      qty: 1,
      referencePrice: 10,
    });
    expect(buy).toMatchObject({ status: 'rejected' });
    expect(buy.reason).toMatch(/has 0\.00 beyond the collateral of open shorts/);
    // The price rises before a second short fills: it is measured again at the fill, and refused.
    const { broker: third, feed: thirdFeed } = setup();
    thirdFeed(100, 101, 99, 100);
    expect(third.submit(shortEntry(200)).status).toBe('open');
    thirdFeed(120, 121, 119, 120);
    expect(third.getOrder('short-200')!.reason).toBe(
      'insufficient margin for a short at fill: 150% of short value needs 36000.00, cash after the sale would be 34000.00',
    );
    expect(third.positions()).toEqual([]);
  });

  it('borrow fee: the annual rate / 360 per calendar day on the short value at the previous close', () => {
    const { broker, feed } = setup({ borrowFeeRate: 0.036 });
    feed(100, 101, 99, 100);
    broker.submit(shortEntry(10));
    feed(100, 101, 99, 100); // short 10 at 100 from this bar
    feed(100, 101, 99, 110); // one day on 1,000: 0.1
    feed(110, 111, 109, 110); // one day on 1,100: 0.11
    expect(broker.cash()).toBeCloseTo(11_000 - 0.1 - 0.11, 9);
    broker.submit({
      clientOrderId: 'cover',
      symbol: 'XYZ',
      side: 'buy',
      type: 'market',
      qty: 10,
      leg: 'exit',
    });
    feed(110, 111, 109, 110); // another day on 1,100 before the cover fills at 110
    const trade = broker.trades[0]!;
    expect(trade.borrowFee).toBeCloseTo(0.32, 9);
    expect(trade.pnl).toBeCloseTo(-100 - 0.32, 9);
    expect(broker.cash()).toBeCloseTo(10_000 - 100.32, 9);
  });

  it('closing orders only close: no flip in one order, a buy stop never opens a long, closeAll buys a short back', () => {
    const { broker, feed } = setup();
    feed(100, 101, 99, 100);
    broker.submit(shortEntry(10));
    feed(100, 101, 99, 100);
    const flip = broker.submit({
      clientOrderId: 'flip',
      symbol: 'XYZ',
      side: 'buy',
      type: 'market',
      qty: 20,
      leg: 'exit',
    });
    expect(flip).toMatchObject({
      status: 'rejected',
      reason: 'buy of 20 exceeds the short position of 10 (no flip in one order)',
    });
    const stray = broker.submit({
      clientOrderId: 's1',
      symbol: 'XYZ',
      side: 'buy',
      type: 'stop',
      stopPrice: 150,
      qty: 10,
      leg: 'stop_loss',
    });
    expect(stray.status).toBe('open');
    const [flatten] = broker.closeAll('halt');
    expect(flatten).toMatchObject({ side: 'buy', qty: 10, leg: 'flatten', status: 'open' });
    feed(101, 102, 100, 101);
    expect(broker.positions()).toEqual([]);
    // The stray stop was cancelled by closeAll; sent again on a flat book it cannot open a long.
    const late = broker.submit({
      clientOrderId: 's2',
      symbol: 'XYZ',
      side: 'buy',
      type: 'stop',
      stopPrice: 101,
      qty: 10,
      leg: 'stop_loss',
    });
    expect(late.status).toBe('open');
    feed(102, 103, 101, 102);
    expect(broker.getOrder('s2')).toMatchObject({
      status: 'rejected',
      reason: 'buy of 10 has no short position to cover (a stop_loss order only closes a short)',
    });
    expect(broker.positions()).toEqual([]);
    // A sell bracket's stop must be above its target.
    expect(() => broker.submit(shortEntry(5, { stopLoss: 90, takeProfit: 105 }))).toThrow(
      /stopLoss must be above takeProfit for a sell entry/,
    );
  });
});
