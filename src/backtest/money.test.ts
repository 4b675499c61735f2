import { describe, expect, it } from 'vitest';
import { roundCents, roundPrice } from './money.ts';

describe('money rounding at the reporting boundary', () => {
  it('rounds half away from zero as the decimal reads, despite binary noise', () => {
    // 1.005 is 1.00499999999999989… as a double; naive Math.round(x * 100) / 100 gives 1.00.
    expect(roundCents(1.005)).toBe(1.01);
    expect(roundCents(-1.005)).toBe(-1.01);
    expect(roundCents(2.675)).toBe(2.68);
    expect(roundCents(0.1 + 0.2)).toBe(0.3);
    expect(roundCents(-0.001)).toBe(0);
    expect(Object.is(roundCents(-0.001), -0)).toBe(false);
    expect(roundPrice(19.990000000000002)).toBe(19.99);
  });

  it('sums kept in full precision round to the exact decimal total', () => {
    // Ten thousand fills of 0.1 commission: the float sum drifts (999.9999999998…), the report does not.
    let total = 0;
    for (let at = 0; at < 10_000; at += 1) total += 0.1;
    expect(total).not.toBe(1000);
    expect(roundCents(total)).toBe(1000);
  });
});
