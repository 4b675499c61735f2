import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './breaker.ts';

const failed = { code: 'llm_server_error', message: '500', opensRoute: false, retryAfterMs: undefined };

describe("a route's breaker as a challenger in shadow uses it", () => {
  it('counts nothing the challenger reports, and admits it only while closed', () => {
    const breaker = new CircuitBreaker('anthropic', { failures: 2, cooldownMs: 1_000 });
    expect(breaker.shadow.admit(0)).toMatchObject({ allowed: true, trial: false });
    for (let call = 0; call < 5; call += 1) expect(breaker.shadow.failure(failed, 0)).toBeUndefined();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    breaker.failure(failed, 0);
    breaker.failure(failed, 0);
    expect(breaker.state).toBe('open');
    expect(breaker.shadow.admit(500)).toMatchObject({ allowed: false, code: 'breaker_open' });
    // After the cooldown the trial is a live call's, never the challenger's.
    expect(breaker.shadow.admit(1_001)).toMatchObject({ allowed: false, code: 'breaker_open' });
    expect(breaker.shadow.success()).toBeUndefined();
    expect(breaker.state).toBe('open');
  });

  it("never gives back a live call's trial when its own call ends unreported", () => {
    const breaker = new CircuitBreaker('anthropic', { failures: 1, cooldownMs: 1_000 });
    // Admitted while closed; the route opens under it, and a live call takes the trial.
    expect(breaker.shadow.admit(0)).toMatchObject({ allowed: true });
    breaker.failure(failed, 0);
    expect(breaker.admit(1_001)).toMatchObject({ allowed: true, trial: true });
    // The challenger's call throws: its release leaves the live trial in flight.
    expect(breaker.shadow.release()).toBeUndefined();
    expect(breaker.state).toBe('half_open');
    expect(breaker.admit(1_002)).toMatchObject({ allowed: false, code: 'trial_in_flight' });
    expect(breaker.shadow.admit(1_002)).toMatchObject({ allowed: false, code: 'trial_in_flight' });
  });
});
