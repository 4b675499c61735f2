import { describe, expect, it } from 'vitest';
import { alpacaPriceTick } from '../venues/alpaca/price-tick.ts';
import { venueNamed } from '../venues/index.ts';
import { decimalsOf, exact, paperPriceTick, rewardToRisk, roundToTick } from './ticks.ts';

describe('price ticks', () => {
  it('puts prices on the grid, up, down or to the nearest tick; a price on a tick stays', () => {
    expect(roundToTick(22.56573, 0.0001)).toBe(22.5657);
    expect(roundToTick(25.42631, 0.0001, 'up')).toBe(25.4264);
    expect(roundToTick(25.42639, 0.0001, 'down')).toBe(25.4263);
    // 25.4263 / 0.0001 is 254262.99999999997 in binary: still the tick 254263, in every mode.
    expect(roundToTick(25.4263, 0.0001, 'down')).toBe(25.4263);
    expect(roundToTick(25.4263, 0.0001, 'up')).toBe(25.4263);
    expect(roundToTick(11.055, 0.01, 'up')).toBe(11.06);
    expect(() => roundToTick(1, 0)).toThrow(/positive/);
  });

  it('follows the sub-penny rule at Alpaca: cents from $1.00, hundredths of a cent below', () => {
    expect(alpacaPriceTick(11.055)).toBe(0.01);
    expect(alpacaPriceTick(1)).toBe(0.01);
    expect(alpacaPriceTick(0.6013)).toBe(0.0001);
    // Each venue's tick is its adapter's (the registry replaced priceTickFor).
    expect(venueNamed('alpaca').priceTick).toBe(alpacaPriceTick);
    expect(venueNamed('paper').priceTick).toBe(paperPriceTick);
    expect(venueNamed('mt5').priceTick(1.08123)).toBe(0.00001);
  });

  it('computes reward:risk exactly on the prices given: no tolerance needed', () => {
    // In binary, (25.4263 − 23.71) / (23.71 − 22.5658) is 1.4999999999999998.
    expect((25.4263 - 23.71) / (23.71 - 22.5658)).toBeLessThan(1.5);
    expect(rewardToRisk({ entry: 23.71, stop: 22.5658, target: 25.4263 })).toEqual({
      reward: 1.7163,
      risk: 1.1442,
      ratio: 1.5,
    });
    // The old fallback's 4-decimal rounding of 2×/3× ATR: really below 1.5.
    expect(rewardToRisk({ entry: 23.71, stop: 22.5657, target: 25.4264 }).ratio).toBeLessThan(1.5);
    expect(rewardToRisk({ entry: 100, stop: 100, target: 110 }).ratio).toBe(0);
    expect(rewardToRisk({ entry: 50, stop: 52, target: 47 }).ratio).toBe(1.5);
  });

  it('prints a number with every digit compared', () => {
    expect(decimalsOf(37.32)).toBe(2);
    expect(decimalsOf(37)).toBe(0);
    expect(decimalsOf(1e-7)).toBe(7);
    expect(exact(1.7163 / 1.1442)).toBe('1.5');
    expect(exact(27.700001)).toBe('27.700001');
    expect(exact(0.1 + 0.2)).toBe('0.3');
  });
});
