import { describe, expect, it } from 'vitest';
import { lotsFor } from './lots.ts';

const fx = { contractSize: 100_000, volumeMin: 0.01, volumeStep: 0.01, volumeMax: 50 };

describe('units to MT5 lots', () => {
  it('rounds down to the volume step: the risk budget is a ceiling', () => {
    expect(lotsFor(18_999, fx)).toEqual({ lots: 0.18 });
    expect(lotsFor(10_000, fx)).toEqual({ lots: 0.1 });
    // Floating point must not turn an exact 0.29 lots into 0.28.
    expect(lotsFor(29_000, fx)).toEqual({ lots: 0.29 });
    expect(lotsFor(7, { contractSize: 1, volumeMin: 1, volumeStep: 1, volumeMax: null })).toEqual({
      lots: 7,
    });
    expect(lotsFor(250, { contractSize: 100, volumeMin: 0.1, volumeStep: 0.1, volumeMax: null })).toEqual({
      lots: 2.5,
    });
  });

  it('refuses below the minimum volume and above the maximum, saying which', () => {
    const small = lotsFor(900, fx);
    expect('refusal' in small && small.refusal).toMatch(/below the minimum volume 0.01/);
    const large = lotsFor(6_000_000, fx);
    expect('refusal' in large && large.refusal).toMatch(/exceed the maximum volume 50/);
    expect('refusal' in lotsFor(0, fx)).toBe(true);
  });
});
