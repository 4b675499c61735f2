import { describe, expect, it } from 'vitest';
import { heartbeatStaleAfterMs, isHeartbeatStale } from './index.ts';

describe('the one heartbeat staleness rule', () => {
  it('is stale only once older than twice the promised interval', () => {
    expect(heartbeatStaleAfterMs(30_000)).toBe(60_000);
    expect(isHeartbeatStale(59_999, 30_000)).toBe(false);
    expect(isHeartbeatStale(60_000, 30_000)).toBe(false);
    expect(isHeartbeatStale(60_001, 30_000)).toBe(true);
    // The console and the doctor once said 3×: a beat between 2× and 3× is stale.
    expect(isHeartbeatStale(75_000, 30_000)).toBe(true);
  });
});
