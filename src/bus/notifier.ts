import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { busSql } from './sql.ts';

/**
 * How long after one notification the next may go out. Consumers in this process are woken
 * directly (Bus#wakeMatching); a notification only wakes other processes (the watchdog, a
 * console, Telegram, `signet bus tail`), which also poll. A decision cycle publishes every few
 * milliseconds, and on this kind of machine each NOTIFY is a round trip of ≈ 0.3 ms: one per
 * window instead of one per message. At 10 ms a five-candidate cycle still sent about one a
 * candidate; at 50 ms (a delay no person watching a console or a chat can see) about one a
 * cycle.
 */
export const notifyWindowMs = 50;

/**
 * Sends the wake-up notifications of standalone publishes after they committed, coalesced:
 * the first after a quiet spell goes out on the next event-loop turn, later ones gather until
 * the window since the last has passed, then go out as one short NOTIFY. A notification is
 * only a hint (consumers read committed rows and also poll), so one that fails is logged, not
 * retried.
 */
export class Notifier {
  readonly #pending = new Set<string>();
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastSent = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly queryable: Queryable,
    private readonly logger: Logger,
    private readonly windowMs = notifyWindowMs,
  ) {}

  notify(topic: string): void {
    this.#pending.add(topic);
    if (this.#immediate || this.#timer) return;
    const wait = this.#lastSent + this.windowMs - performance.now();
    if (wait <= 0) this.#immediate = setImmediate(() => void this.#send());
    // Unreferenced: a pending hint never keeps a process alive (Bus#stop sends it).
    else this.#timer = setTimeout(() => void this.#send(), wait).unref();
  }

  /** Sends what is pending now (Bus#stop, before the store closes); resolves once it is sent or failed. */
  flush(): Promise<void> {
    return this.#send();
  }

  async #send(): Promise<void> {
    clearImmediate(this.#immediate);
    clearTimeout(this.#timer);
    this.#immediate = undefined;
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const topics = [...this.#pending];
    this.#pending.clear();
    this.#lastSent = performance.now();
    await this.queryable.query(busSql.notify(), [topics]).catch((error: Error) => {
      this.logger.debug({ err: error.message }, 'bus notification not sent; consumers will poll');
    });
  }
}
