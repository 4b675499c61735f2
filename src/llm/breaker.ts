/**
 * A circuit breaker per route. Closed: calls go through, consecutive failures are counted;
 * at N the route opens. Open: calls skip the route until the cooldown ends; then exactly one
 * trial call goes (half_open) and its outcome closes or re-opens the route. Errors that do not
 * fix themselves (bad key, bad request) open at once; a vendor's retry-after is honoured in
 * every state (no call before it passes).
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failures: number;
  cooldownMs: number;
}

export interface BreakerSnapshot {
  route: string;
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: number | undefined;
  /** Open: earliest trial; closed: end of a retry-after. */
  retryAt: number | undefined;
  lastErrorCode: string | undefined;
  lastError: string | undefined;
}

export interface BreakerTransition {
  route: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  snapshot: BreakerSnapshot;
}

export interface FailureInfo {
  code: string;
  message: string;
  opensRoute: boolean;
  retryAfterMs: number | undefined;
}

export type Admission =
  | { allowed: true; trial: boolean; transition: BreakerTransition | undefined }
  | { allowed: false; code: 'breaker_open' | 'trial_in_flight' | 'retry_after'; until: number | undefined };

/** A route's breaker as one call uses it: asked first, then told how the call went. */
export interface BreakerGate {
  /** May the call use the route now? A granted trial must end in success, failure or release. */
  admit(now: number): Admission;
  success(): BreakerTransition | undefined;
  failure(info: FailureInfo, now: number): BreakerTransition | undefined;
  /** The call ended without reporting (it threw): a trial it held is given back. */
  release(): BreakerTransition | undefined;
}

export class CircuitBreaker implements BreakerGate {
  readonly route: string;
  readonly #settings: BreakerSettings;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt: number | undefined;
  #retryAt: number | undefined;
  #lastErrorCode: string | undefined;
  #lastError: string | undefined;
  #trialInFlight = false;

  constructor(route: string, settings: BreakerSettings, restored?: BreakerSnapshot) {
    this.route = route;
    this.#settings = settings;
    if (restored) {
      // A trial that was in flight when the process died never reported: treat it as still open.
      this.#state = restored.state === 'half_open' ? 'open' : restored.state;
      this.#failures = restored.consecutiveFailures;
      this.#openedAt = restored.openedAt;
      this.#retryAt = restored.retryAt;
      this.#lastErrorCode = restored.lastErrorCode;
      this.#lastError = restored.lastError;
    }
  }

  get state(): BreakerState {
    return this.#state;
  }

  snapshot(): BreakerSnapshot {
    return {
      route: this.route,
      state: this.#state,
      consecutiveFailures: this.#failures,
      openedAt: this.#openedAt,
      retryAt: this.#retryAt,
      lastErrorCode: this.#lastErrorCode,
      lastError: this.#lastError,
    };
  }

  #move(to: BreakerState, reason: string): BreakerTransition | undefined {
    const from = this.#state;
    this.#state = to;
    if (from === to) return undefined;
    return { route: this.route, from, to, reason, snapshot: this.snapshot() };
  }

  /** May a call use this route now? A granted trial must end in success, failure or release. */
  admit(now: number): Admission {
    if (this.#state === 'closed') {
      if (this.#retryAt !== undefined && now < this.#retryAt)
        return { allowed: false, code: 'retry_after', until: this.#retryAt };
      return { allowed: true, trial: false, transition: undefined };
    }
    if (this.#state === 'half_open' || this.#trialInFlight)
      return { allowed: false, code: 'trial_in_flight', until: undefined };
    if (this.#retryAt !== undefined && now < this.#retryAt)
      return { allowed: false, code: 'breaker_open', until: this.#retryAt };
    this.#trialInFlight = true;
    return {
      allowed: true,
      trial: true,
      transition: this.#move('half_open', 'cooldown over: one trial call'),
    };
  }

  /**
   * The breaker as a challenger's call (run in shadow) uses it: the route only while it is
   * closed, never the one trial of a half-open route, and nothing the call reports is counted or
   * given back, so a challenger's answers, good or bad, can neither open the route to the live
   * agents nor close it for them, nor release a live call's trial.
   */
  readonly shadow: BreakerGate = {
    // Closed, admit takes nothing (no trial): it only honours a retry-after.
    admit: (now) => {
      if (this.#state === 'closed') return this.admit(now);
      return this.#state === 'open'
        ? { allowed: false, code: 'breaker_open', until: this.#retryAt }
        : { allowed: false, code: 'trial_in_flight', until: undefined };
    },
    success: () => undefined,
    failure: () => undefined,
    release: () => undefined,
  };

  success(): BreakerTransition | undefined {
    this.#trialInFlight = false;
    const changed = this.#failures !== 0 || this.#retryAt !== undefined;
    this.#failures = 0;
    this.#retryAt = undefined;
    this.#openedAt = undefined;
    const transition = this.#move(
      'closed',
      this.#state === 'half_open' ? 'trial call succeeded' : 'call succeeded',
    );
    return (
      transition ??
      (changed
        ? {
            route: this.route,
            from: 'closed',
            to: 'closed',
            reason: 'failures reset',
            snapshot: this.snapshot(),
          }
        : undefined)
    );
  }

  failure(info: FailureInfo, now: number): BreakerTransition {
    this.#trialInFlight = false;
    this.#failures += 1;
    this.#lastErrorCode = info.code;
    this.#lastError = info.message.slice(0, 500);
    const retryAfter = info.retryAfterMs;
    const wasTrial = this.#state === 'half_open';
    if (wasTrial || info.opensRoute || this.#failures >= this.#settings.failures || this.#state === 'open') {
      this.#openedAt = now;
      this.#retryAt = now + Math.max(this.#settings.cooldownMs, retryAfter ?? 0);
      const reason = wasTrial
        ? `trial call failed: ${info.code}`
        : info.opensRoute
          ? `${info.code}: does not fix itself, opened at once`
          : `${this.#failures} consecutive failures (last: ${info.code})`;
      return (
        this.#move('open', reason) ?? {
          route: this.route,
          from: 'open',
          to: 'open',
          reason,
          snapshot: this.snapshot(),
        }
      );
    }
    this.#retryAt = retryAfter !== undefined ? now + retryAfter : undefined;
    return {
      route: this.route,
      from: 'closed',
      to: 'closed',
      reason: `failure ${this.#failures}: ${info.code}`,
      snapshot: this.snapshot(),
    };
  }

  /** A granted trial that never reached the route (e.g. the call was cancelled): back to open. */
  release(): BreakerTransition | undefined {
    if (!this.#trialInFlight) return undefined;
    this.#trialInFlight = false;
    return this.#move('open', 'trial not used');
  }
}
