import { describe, expect, it } from 'vitest';
import { mt5Tick, onMt5Grid } from './price-grid.ts';

describe('MT5 price grid', () => {
  it('takes the tick from the digits, 5 decimals when none were reported', () => {
    expect(mt5Tick(3)).toBe(0.001);
    expect(mt5Tick(1)).toBe(0.1);
    expect(mt5Tick(null)).toBe(0.00001);
    expect(mt5Tick(2, 0.25)).toBe(0.25);
    expect(mt5Tick(5, 10 ** -5)).toBe(0.00001);
    // A long on an index moving in 0.25s: the stop rounds up to the grid, toward the entry.
    expect(onMt5Grid(5_010.1, 'stop_loss', 'buy', 2, 0.25)).toBe(5_010.25);
  });

  it('rounds stops and targets toward the entry, entries toward the stop: risk never widens', () => {
    // A long on USDJPY (3 digits): entry 151.2346, stop 150.9871, target 151.7779.
    const entry = onMt5Grid(151.2346, 'entry', 'buy', 3);
    const stop = onMt5Grid(150.9871, 'stop_loss', 'buy', 3);
    const target = onMt5Grid(151.7779, 'take_profit', 'buy', 3);
    expect([entry, stop, target]).toEqual([151.234, 150.988, 151.777]);
    expect(entry - stop).toBeLessThanOrEqual(151.2346 - 150.9871);
    // A short on an index CFD (1 digit).
    expect(onMt5Grid(18_250.37, 'entry', 'sell', 1)).toBe(18_250.4);
    expect(onMt5Grid(18_300.37, 'stop_loss', 'sell', 1)).toBe(18_300.3);
    expect(onMt5Grid(18_100.33, 'take_profit', 'sell', 1)).toBe(18_100.4);
  });

  it('keeps a price already on the grid and leaves an absent SL/TP at zero', () => {
    expect(onMt5Grid(1.08123, 'stop_loss', 'buy', 5)).toBe(1.08123);
    expect(onMt5Grid(0, 'take_profit', 'sell', 5)).toBe(0);
  });
});
