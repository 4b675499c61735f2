import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../config/index.ts';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time: both sides are hashed to one length, so neither length nor content leaks. */
export function bearerMatches(expected: Secret, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Bearer ([^\s]+)$/.exec(header.trim());
  const given = match?.[1];
  if (!given) return false;
  return timingSafeEqual(digest(expected.reveal()), digest(given));
}

/**
 * Failed authentications per client address in a sliding minute. Once an address reaches the
 * limit, every request from it is answered 429 until its oldest failure is a minute old, so a
 * token cannot be guessed at network speed.
 */
export class AuthFailureLimiter {
  readonly #failures = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  #recent(ip: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.#failures.get(ip) ?? []).filter((at) => at > cutoff);
    if (kept.length === 0) this.#failures.delete(ip);
    else this.#failures.set(ip, kept);
    return kept;
  }

  /** Seconds until the address may try again; 0 when it is not limited. */
  blockedFor(ip: string): number {
    const recent = this.#recent(ip);
    if (recent.length < this.limit) return 0;
    const oldest = recent[0] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  fail(ip: string): void {
    const recent = this.#recent(ip);
    recent.push(this.now());
    this.#failures.set(ip, recent);
    if (this.#failures.size > 10_000) {
      // Bounded memory under a spray of addresses: forget the oldest.
      const first = this.#failures.keys().next().value;
      if (first !== undefined) this.#failures.delete(first);
    }
  }
}
