import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Secret } from '../config/index.ts';

// A key of this process only: what is compared are two MACs of equal length, so the time taken
// says nothing about the token's length or content, and nothing precomputed applies.
const comparisonKey = randomBytes(32);
const mac = (value: string) => createHmac('sha256', comparisonKey).update(value, 'utf8').digest();

/** Constant time over MACs of equal length: neither length nor content leaks. */
export function secretMatches(expected: Secret, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(mac(expected.reveal()), mac(given));
}

export function bearerMatches(expected: Secret, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Bearer ([^\s]+)$/.exec(header.trim());
  return secretMatches(expected, match?.[1]);
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether a host is this machine only: `localhost`, 127.0.0.0/8, ::1 and ::ffff:127.x.y.z, parsed
 * as addresses (a name like `127.example.com` is not loopback).
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const version = isIP(bare);
  if (version === 4) return loopback.check(bare, 'ipv4');
  if (version !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped) return isIP(mapped) === 4 && loopback.check(mapped, 'ipv4');
  return loopback.check(bare, 'ipv6');
}

/**
 * Failed authentications per credential kind (operator, ea) and client address in a sliding
 * minute. It is consulted only after a credential failed to verify: a valid token always passes,
 * so a flood of wrong tokens locks out guessing, never the operator, the EA or a halt.
 */
export class AuthFailureLimiter {
  readonly #failures = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  #recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.#failures.get(key) ?? []).filter((at) => at > cutoff);
    if (kept.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, kept);
    return kept;
  }

  blockedFor(kind: string, source: string): number {
    const recent = this.#recent(`${kind} ${source}`);
    if (recent.length < this.limit) return 0;
    const oldest = recent[0] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  fail(kind: string, source: string): void {
    const key = `${kind} ${source}`;
    const recent = this.#recent(key);
    recent.push(this.now());
    this.#failures.set(key, recent);
    if (this.#failures.size > 10_000) {
      // Bounded memory under a spray of addresses: forget the oldest.
      const first = this.#failures.keys().next().value;
      if (first !== undefined) this.#failures.delete(first);
    }
  }
}
