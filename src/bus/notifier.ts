import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { busSql } from './sql.ts';

/**
 * Sends the wake-up notifications of standalone publishes after they committed, coalesced per
 * event-loop turn: many concurrent publishes cost one short NOTIFY. A notification is only a
 * hint (consumers read committed rows and also poll), so one that fails is logged, not retried.
 */
export class Notifier {
  readonly #pending = new Set<string>();
  #scheduled = false;

  constructor(
    private readonly queryable: Queryable,
    private readonly logger: Logger,
  ) {}

  notify(topic: string): void {
    this.#pending.add(topic);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    const topics = [...this.#pending];
    this.#pending.clear();
    this.#scheduled = false;
    this.queryable.query(busSql.notify(), [topics]).catch((error: Error) => {
      this.logger.debug({ err: error.message }, 'bus notification not sent; consumers will poll');
    });
  }
}
