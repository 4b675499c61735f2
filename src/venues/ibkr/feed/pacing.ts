import type { IbkrPacing } from '../config-section.ts';

export interface PacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * IB's historical-data pacing (https://interactivebrokers.github.io/tws-api/historical_limitations.html):
 * no identical request within 15 seconds, no six or more requests for one contract within 2 seconds,
 * no more than 60 requests in any 10 minutes. A request waits here until all three allow it; after a
 * pacing violation (error 162) every request waits out a backoff that doubles until one succeeds.
 */
export class HistoricalPacer {
  readonly #settings: IbkrPacing;
  readonly #clock: PacingClock;
  readonly #sent: { at: number; contract: string; request: string }[] = [];
  #blockedUntil = 0;
  #violations = 0;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(settings: IbkrPacing, clock: PacingClock = realClock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** How long a request must wait at `now` (0: it may go). Pure over the requests recorded. */
  delayFor(contract: string, request: string, now: number): number {
    const s = this.#settings;
    let until = this.#blockedUntil;
    const inWindow = this.#sent.filter((each) => each.at > now - s.windowMs);
    if (inWindow.length >= s.maxRequests)
      until = Math.max(until, inWindow[inWindow.length - s.maxRequests]!.at + s.windowMs);
    const same = inWindow.filter((each) => each.request === request).at(-1);
    if (same) until = Math.max(until, same.at + s.identicalGapMs);
    const contractRecent = inWindow.filter(
      (each) => each.contract === contract && each.at > now - s.perContractWindowMs,
    );
    if (contractRecent.length >= s.perContractMax)
      until = Math.max(
        until,
        contractRecent[contractRecent.length - s.perContractMax]!.at + s.perContractWindowMs,
      );
    return Math.max(0, until - now);
  }

  /** Waits its turn (requests go one at a time, in order), then records the request as sent. */
  acquire(contract: string, request: string): Promise<void> {
    const turn = this.#chain.then(async () => {
      for (;;) {
        const wait = this.delayFor(contract, request, this.#clock.now());
        if (wait <= 0) break;
        await this.#clock.sleep(wait);
      }
      const now = this.#clock.now();
      this.#sent.push({ at: now, contract, request });
      while (this.#sent.length > 0 && this.#sent[0]!.at <= now - this.#settings.windowMs) this.#sent.shift();
    });
    this.#chain = turn.catch(() => {});
    return turn;
  }

  /** A pacing violation (162): nothing goes before the backoff; returns it (ms). */
  violated(): number {
    const backoff = this.#settings.violationBackoffMs * 2 ** this.#violations;
    this.#violations += 1;
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock.now() + backoff);
    return backoff;
  }

  /** A request answered: the backoff starts over. */
  succeeded(): void {
    this.#violations = 0;
  }
}

const shared = new Map<string, HistoricalPacer>();

/** One pacer per Gateway (host:port) in this process: IB counts the session's requests, not ours. */
export function pacerFor(host: string, port: number, settings: IbkrPacing): HistoricalPacer {
  const key = `${host}:${port}`;
  let pacer = shared.get(key);
  if (!pacer) {
    pacer = new HistoricalPacer(settings);
    shared.set(key, pacer);
  }
  return pacer;
}
