import { describe, expect, it } from 'vitest';
import { orderFilledPayload, positionClosedPayload } from '../bus/index.ts';
import type { ClosedTrade } from './broker.ts';
import { closedTradeMessage, fillMessage, roundTrip, withRunningPosition } from './trade-messages.ts';

const fill = (
  clientOrderId: string,
  leg: string,
  side: 'buy' | 'sell',
  qty: number,
  price: number,
  time: number,
) => ({ clientOrderId, leg, side, qty, price, commission: 0.5, time });

describe('round trips from the ledger fills', () => {
  it('closes a long entered in two fills and exited in two, at the average prices', () => {
    const fills = withRunningPosition([
      fill('e1', 'entry', 'buy', 10, 100, 1_000),
      fill('e1', 'entry', 'buy', 10, 102, 2_000),
      fill('e1.tp', 'take_profit', 'sell', 5, 110, 3_000),
      fill('e1.exit', 'exit', 'sell', 15, 108, 4_000),
    ]);
    expect(fills.map((each) => each.net)).toEqual([10, 20, 15, 0]);
    expect(roundTrip(fills.slice(0, 3), undefined)).toBeNull();
    const trade = roundTrip(fills, 1_000)!;
    expect(trade).toMatchObject({
      entryTime: 1_000,
      exitTime: 4_000,
      entryPrice: 101,
      exitPrice: 108.5,
      qty: 20,
      exitLeg: 'exit',
      entryClientOrderId: 'e1',
      exitClientOrderId: 'e1.exit',
      bars: 3,
    });
    expect(trade.grossPnl).toBeCloseTo(150, 9);
    expect(trade.commission).toBeCloseTo(2, 9);
    expect(trade.pnl).toBeCloseTo(148, 9);
  });

  it('closes a short (an entry that sells), with the P&L of a short', () => {
    const trade = roundTrip(
      withRunningPosition([
        fill('s1', 'entry', 'sell', 4, 50, 0),
        fill('s1.sl', 'stop_loss', 'buy', 4, 55, 10),
      ]),
      undefined,
    )!;
    expect(trade).toMatchObject({ qty: 4, entryPrice: 50, exitPrice: 55, exitLeg: 'stop_loss', bars: 0 });
    expect(trade.grossPnl).toBeCloseTo(-20, 9);
  });

  it('ignores a closing fill on a position Signet never held, so later round trips stay right', () => {
    const fills = withRunningPosition([
      fill('mt5-deal-1', 'exit', 'sell', 20_000, 1.1, 0),
      fill('e2', 'entry', 'buy', 20_000, 1.1, 10),
      fill('e2.exit', 'exit', 'sell', 20_000, 1.105, 20),
    ]);
    expect(fills.map((each) => each.net)).toEqual([0, 20_000, 0]);
    expect(roundTrip(fills.slice(0, 1), undefined)).toBeNull();
    expect(roundTrip(fills, undefined)).toMatchObject({ entryClientOrderId: 'e2', qty: 20_000 });
  });

  it('never starts a round trip on anything but an entry, and never lets an exit flip the position', () => {
    const fills = withRunningPosition([
      fill('e3', 'entry', 'buy', 10, 100, 0),
      fill('e3.exit', 'exit', 'sell', 15, 101, 10),
    ]);
    expect(fills.map((each) => each.net)).toEqual([10, 0]);
    expect(roundTrip(fills, undefined)).toMatchObject({ entryClientOrderId: 'e3', exitPrice: 101 });
  });
});

describe('the messages', () => {
  it('fit the catalog schemas of order.filled and position.closed', () => {
    const filled = fillMessage(
      {
        fill: {
          clientOrderId: 'e1',
          symbol: 'AAA',
          side: 'buy',
          qty: 10,
          price: 100,
          commission: 0,
          time: 1_000,
        },
        leg: 'entry',
        cashAfter: null,
        positionAfter: 10,
        broker: 'alpaca',
      },
      { cycleId: 'c-1', causationId: 7 },
    );
    expect(filled).toMatchObject({ topic: 'order.filled', cycleId: 'c-1', causationId: 7 });
    expect(orderFilledPayload.parse(filled.payload)).toMatchObject({ broker: 'alpaca', positionAfter: 10 });
    const trade: ClosedTrade = {
      symbol: 'AAA',
      entryTime: 1_000,
      exitTime: 5_000,
      entryPrice: 100,
      exitPrice: 104,
      qty: 10,
      grossPnl: 40,
      commission: 0,
      pnl: 40,
      bars: 4,
      exitLeg: 'take_profit',
      entryClientOrderId: 'e1',
      exitClientOrderId: 'e1.tp',
    };
    const closed = closedTradeMessage(trade, { cycleId: 'c-1', causationId: null }, 'mt5');
    expect(closed.ts).toEqual(new Date(5_000));
    expect(positionClosedPayload.parse(closed.payload)).toEqual({ ...trade, broker: 'mt5' });
  });
});
