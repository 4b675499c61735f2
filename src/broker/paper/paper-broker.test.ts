import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BarSeries, parseCsvBars } from '../../market/index.ts';
import type { BrokerEvent, OrderRequest } from '../broker.ts';
import { PaperBroker } from './paper-broker.ts';

// Real ORCL daily bars; each case below uses bars that show the rule, worked by hand.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
let orcl: BarSeries;

beforeAll(() => {
  orcl = parseCsvBars(readFileSync(orclFile, 'utf8'), { source: orclFile, symbol: 'ORCL' }).series;
});

function indexOf(date: string): number {
  const time = Date.parse(`${date}T00:00:00Z`);
  const at = orcl.time.indexOf(time);
  if (at < 0) throw new Error(`no ORCL bar on ${date}`);
  return at;
}

/**
 * Feeds bars first..last to a fresh broker; after each bar closes, runs that date's actions
 * (so an order placed "on" a date is placed at its close and can fill from the next bar).
 */
function simulate(options: {
  first: string;
  last: string;
  cash?: number;
  commission?: number;
  actions: Record<string, (broker: PaperBroker) => void>;
}) {
  const clock = { time: 0, now: () => clock.time };
  const events: BrokerEvent[] = [];
  const broker = new PaperBroker({
    cash: options.cash ?? 100_000,
    commission: options.commission ?? 0,
    clock,
    onEvent: (event) => events.push(event),
  });
  const book = broker.book('ORCL');
  for (let at = indexOf(options.first); at <= indexOf(options.last); at += 1) {
    clock.time = orcl.time[at]!;
    broker.processBar(book, orcl.time[at]!, orcl.open[at]!, orcl.high[at]!, orcl.low[at]!, orcl.close[at]!);
    options.actions[new Date(orcl.time[at]!).toISOString().slice(0, 10)]?.(broker);
  }
  const fills = events.flatMap((event) => (event.kind === 'fill' ? [event.fill] : []));
  return { broker, events, fills };
}

const buy = (id: string, qty: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: id,
  symbol: 'ORCL',
  side: 'buy',
  type: 'market',
  qty,
  ...extra,
});

describe('paper broker fill rules on real ORCL bars', () => {
  it('fills a market order at the next bar open', () => {
    // 2005-09-20 C=13.40; next bar 2005-09-21 O=13.42.
    const { fills, broker } = simulate({
      first: '2005-09-20',
      last: '2005-09-21',
      actions: { '2005-09-20': (b) => b.submit(buy('m1', 100)) },
    });
    expect(fills).toEqual([expect.objectContaining({ clientOrderId: 'm1', price: 13.42, qty: 100 })]);
    // 100 000 − 100 × 13.42 = 98 658.00
    expect(broker.cash()).toBeCloseTo(98_658, 9);
  });

  it('fills a stop at the open when the bar gaps through it', () => {
    // Bought 100 at 2005-09-22 O=13.32 (order placed at 2005-09-21 close 13.29) with a stop
    // at 13.00. 2005-09-23 opens at 12.54, below the stop: the stop fills at the open 12.54.
    const { fills, broker } = simulate({
      first: '2005-09-21',
      last: '2005-09-23',
      commission: 0.001,
      actions: { '2005-09-21': (b) => b.submit(buy('g1', 100, { bracket: { stopLoss: 13 } })) },
    });
    expect(fills.map((fill) => [fill.clientOrderId, fill.price])).toEqual([
      ['g1', 13.32],
      ['g1.sl', 12.54],
    ]);
    const [trade] = broker.trades;
    // gross (12.54 − 13.32) × 100 = −78.00; commission 0.001 × (1332 + 1254) = 2.586; net −80.586
    expect(trade!.grossPnl).toBeCloseTo(-78, 9);
    expect(trade!.commission).toBeCloseTo(2.586, 9);
    expect(trade!.pnl).toBeCloseTo(-80.586, 9);
    // cash 100 000 − 1332 − 1.332 + 1254 − 1.254 = 99 919.414
    expect(broker.cash()).toBeCloseTo(99_919.414, 9);
  });

  it('fills a stop at the stop price when the range touches it', () => {
    // Bought 100 at 2005-09-21 O=13.42. Sell stop 13.25 placed at the 2005-09-21 close.
    // 2005-09-22: O=13.32 is above 13.25 and L=13.21 reaches it: fill at 13.25.
    const { fills, broker } = simulate({
      first: '2005-09-20',
      last: '2005-09-22',
      actions: {
        '2005-09-20': (b) => b.submit(buy('t1', 100)),
        '2005-09-21': (b) =>
          b.submit({
            clientOrderId: 't1.stop',
            symbol: 'ORCL',
            side: 'sell',
            type: 'stop',
            stopPrice: 13.25,
            qty: 100,
          }),
      },
    });
    expect(fills.map((fill) => [fill.clientOrderId, fill.price])).toEqual([
      ['t1', 13.42],
      ['t1.stop', 13.25],
    ]);
    // (13.25 − 13.42) × 100 = −17.00
    expect(broker.trades[0]!.pnl).toBeCloseTo(-17, 9);
  });

  it('fills a limit at the open when the bar gaps through it favourably, else at the limit', () => {
    // Buy limit 13.00 placed at 2005-09-22 close (13.52): 2005-09-23 opens at 12.54 ≤ 13.00,
    // so it fills at the better open price 12.54.
    const gapped = simulate({
      first: '2005-09-22',
      last: '2005-09-23',
      actions: { '2005-09-22': (b) => b.submit(buy('l1', 10, { type: 'limit', limitPrice: 13 })) },
    });
    expect(gapped.fills.map((fill) => fill.price)).toEqual([12.54]);
    // Buy limit 13.25 placed at 2005-09-21 close: 2005-09-22 O=13.32 is above the limit,
    // L=13.21 reaches it: fills at the limit 13.25.
    const touched = simulate({
      first: '2005-09-21',
      last: '2005-09-22',
      actions: { '2005-09-21': (b) => b.submit(buy('l2', 10, { type: 'limit', limitPrice: 13.25 })) },
    });
    expect(touched.fills.map((fill) => fill.price)).toEqual([13.25]);
    // A sell limit mirrors it: long 100 from 2004-12-10 (O=13.16); sell limit 14.00 placed at
    // 2004-12-10 close; 2004-12-13 gaps up to O=14.21 ≥ 14.00: fills at the open 14.21.
    const up = simulate({
      first: '2004-12-09',
      last: '2004-12-13',
      actions: {
        '2004-12-09': (b) => b.submit(buy('s1', 100)),
        '2004-12-10': (b) =>
          b.submit({
            clientOrderId: 's1.tp',
            symbol: 'ORCL',
            side: 'sell',
            type: 'limit',
            limitPrice: 14,
            qty: 100,
          }),
      },
    });
    expect(up.fills.map((fill) => [fill.clientOrderId, fill.price])).toEqual([
      ['s1', 13.16],
      ['s1.tp', 14.21],
    ]);
    // (14.21 − 13.16) × 100 = 105.00
    expect(up.broker.trades[0]!.pnl).toBeCloseTo(105, 9);
    expect(up.broker.trades[0]!.exitLeg).toBe('exit');
  });

  it('activates bracket children on the bar after the entry fill', () => {
    // Entry placed at 2008-09-18 close 18.75; stop 5 % below = 17.8125, target 20 % above = 22.5.
    // 2008-09-19: entry fills at O=20.99; that bar's L=15 is below the stop, but the children
    // are not active yet, so nothing else fills. 2008-09-22 (L=19.60, H=20.76) touches neither.
    const { fills, broker } = simulate({
      first: '2008-09-18',
      last: '2008-09-22',
      actions: {
        '2008-09-18': (b) =>
          b.submit(buy('b1', 100, { bracket: { stopLoss: 18.75 * 0.95, takeProfit: 18.75 * 1.2 } })),
      },
    });
    expect(fills.map((fill) => [fill.clientOrderId, fill.price])).toEqual([['b1', 20.99]]);
    expect(broker.getOrder('b1.sl')?.status).toBe('open');
    expect(broker.getOrder('b1.tp')?.status).toBe('open');
    expect(broker.positionQty('ORCL')).toBe(100);
    expect(broker.isProtected('ORCL')).toBe(true);
  });

  it('lets the stop win when stop and target could both fill on one bar, and cancels the other', () => {
    // Entry placed at 2008-09-25 close; fills 2008-09-26 at O=19.99 (that bar's H=20.85 would
    // reach the 20.50 target, but the children start the bar after). 2008-09-29: O=20.34,
    // H=20.530001 ≥ 20.50 and L=18 ≤ 19.00: both could fill; the stop wins at 19.00.
    const { fills, broker, events } = simulate({
      first: '2008-09-25',
      last: '2008-09-30',
      commission: 0.001,
      actions: {
        '2008-09-25': (b) => b.submit(buy('sv', 100, { bracket: { stopLoss: 19, takeProfit: 20.5 } })),
      },
    });
    expect(fills.map((fill) => [fill.clientOrderId, fill.price])).toEqual([
      ['sv', 19.99],
      ['sv.sl', 19],
    ]);
    expect(broker.getOrder('sv.tp')?.status).toBe('cancelled');
    expect(events.some((event) => event.kind === 'cancelled' && event.order.clientOrderId === 'sv.tp')).toBe(
      true,
    );
    const trade = broker.trades[0]!;
    // gross (19 − 19.99) × 100 = −99.00; commission 0.001 × (1999 + 1900) = 3.899; net −102.899
    expect(trade.grossPnl).toBeCloseTo(-99, 9);
    expect(trade.commission).toBeCloseTo(3.899, 9);
    expect(trade.pnl).toBeCloseTo(-102.899, 9);
    expect(broker.positionQty('ORCL')).toBe(0);
  });

  it('rejects (does not resize) a buy whose cost exceeds cash at the fill', () => {
    // Cash 10 000. Signal at 2004-12-10 close 13.28: floor(10 000 / 13.28) = 753 shares,
    // 753 × 13.28 = 9 999.84 ≤ 10 000, accepted. 2004-12-13 gaps up to O=14.21:
    // 753 × 14.21 = 10 700.13 > 10 000 → rejected at the fill; nothing bought, cash unchanged.
    const { fills, broker, events } = simulate({
      first: '2004-12-10',
      last: '2004-12-13',
      cash: 10_000,
      actions: { '2004-12-10': (b) => b.submit(buy('r1', 753, { referencePrice: 13.28 })) },
    });
    expect(fills).toEqual([]);
    const order = broker.getOrder('r1')!;
    expect(order.status).toBe('rejected');
    expect(order.reason).toContain('needs 10700.13, has 10000.00');
    expect(events.map((event) => event.kind)).toEqual(['rejected']);
    expect(broker.cash()).toBe(10_000);
    expect(broker.positionQty('ORCL')).toBe(0);
  });

  it('rejects a buy at submission when the signal close says it cannot be paid, commission included', () => {
    // 754 × 13.28 = 10 013.12 > 10 000 → rejected at once.
    // 753 × 13.28 × 1.001 = 10 009.84 > 10 000 with 0.1 % commission → rejected too.
    const { broker } = simulate({
      first: '2004-12-10',
      last: '2004-12-10',
      cash: 10_000,
      actions: {
        '2004-12-10': (b) => {
          expect(b.submit(buy('r2', 754)).status).toBe('rejected');
        },
      },
    });
    expect(broker.getOrder('r2')?.reason).toContain('at submission');
    const withCommission = simulate({
      first: '2004-12-10',
      last: '2004-12-10',
      cash: 10_000,
      commission: 0.001,
      actions: { '2004-12-10': (b) => b.submit(buy('r3', 753)) },
    });
    expect(withCommission.broker.getOrder('r3')?.status).toBe('rejected');
  });

  it('never creates a second order for the same client order id', () => {
    const { broker, fills } = simulate({
      first: '2005-09-20',
      last: '2005-09-22',
      actions: {
        '2005-09-20': (b) => {
          const first = b.submit(buy('same', 100));
          const second = b.submit(buy('same', 999));
          expect(second).toEqual(first);
        },
      },
    });
    expect(fills).toHaveLength(1);
    expect(broker.positionQty('ORCL')).toBe(100);
  });

  it('an exit order replaces the bracket; close-all flattens at the next open', () => {
    const { broker, fills } = simulate({
      first: '2005-09-19',
      last: '2005-09-22',
      actions: {
        '2005-09-19': (b) => b.submit(buy('e1', 100, { bracket: { stopLoss: 10, takeProfit: 20 } })),
        '2005-09-21': (b) => {
          expect(b.closeAll('run').map((order) => order.leg)).toEqual(['flatten']);
          expect(b.getOrder('e1.sl')?.status).toBe('cancelled');
        },
      },
    });
    // e1 fills 2005-09-20 at O=13.32; flatten fills 2005-09-22 at O=13.32: pnl 0.
    expect(fills.map((fill) => [fill.clientOrderId, fill.price])).toEqual([
      ['e1', 13.32],
      ['run.flatten.ORCL', 13.32],
    ]);
    expect(broker.positionQty('ORCL')).toBe(0);
    expect(broker.cash()).toBeCloseTo(100_000, 9);
  });

  it('moves fills against the trader by the slippage, inside the bar', () => {
    const clock = { now: () => 0 };
    const broker = new PaperBroker({ cash: 1_000, slippage: 0.01, clock });
    const book = broker.book('X');
    broker.processBar(book, 1, 10, 10.5, 9.5, 10);
    broker.submit(buy('x', 10, { symbol: 'X' }));
    broker.processBar(book, 2, 10, 10.05, 9.9, 10);
    // 10 × 1.01 = 10.10 is above the high 10.05: capped at the high.
    expect(broker.getOrder('x')?.fillPrice).toBe(10.05);
  });
});
