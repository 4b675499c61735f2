import { describe, expect, it } from 'vitest';
import { eaIsOutdated, shippedEaVersion } from './ea-version.ts';

describe('EA version', () => {
  it('calls an EA older than the one shipped outdated, numerically (1.10 is newer than 1.9)', () => {
    expect(eaIsOutdated('1.1.0')).toBe(true);
    expect(eaIsOutdated(shippedEaVersion)).toBe(false);
    expect(eaIsOutdated('1.10.0', '1.9.0')).toBe(false);
    expect(eaIsOutdated('1.9', '1.10.0')).toBe(true);
    expect(eaIsOutdated('2.0.0')).toBe(false);
  });
});
