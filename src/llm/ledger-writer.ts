import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { LlmLedgerError } from './errors.ts';
import { type LedgerEntry, recordAttempt } from './ledger.ts';

/**
 * Writes the ledger rows of answered calls behind the call: the answer goes back to the agent
 * while the row's INSERT (and its commit's WAL flush, the slowest part of a call's bookkeeping)
 * is under way. `settle` is the barrier: the executor settles before any order leaves, the
 * decision cycle at its end and the brain before it stops, so no order goes out, and no run
 * ends, without the cost rows of the calls behind it. A row that cannot be written is not
 * retried (a retry after a commit whose answer was lost would count the call twice); it
 * makes the next `settle` fail, which blocks the order (fail closed).
 */
export class LedgerWriter {
  /** The rows go in one after another, in call order: `ORDER BY id` stays the order of the calls. */
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #failures: Array<{ entry: LedgerEntry; error: unknown }> = [];

  constructor(
    private readonly store: Queryable,
    private readonly logger: Logger,
  ) {}

  /** Queues the row; the promise (which never rejects) is that row in the table, or recorded as lost. */
  write(entry: LedgerEntry): Promise<void> {
    this.#pending += 1;
    this.#tail = this.#tail
      .then(() => recordAttempt(this.store, entry))
      .catch((error: unknown) => {
        this.#failures.push({ entry, error });
        this.logger.error(
          { err: error, route: entry.route, agent: entry.agent, cycleId: entry.cycleId },
          'LLM cost ledger row not written; the next order waits on it and is blocked',
        );
      })
      .finally(() => {
        this.#pending -= 1;
      });
    return this.#tail;
  }

  /** Rows not yet in the table. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Resolves once every row written so far is in the table; rejects with `LlmLedgerError` when
   * any row since the last settle could not be written (then forgets them: one blocked order per loss).
   */
  async settle(): Promise<void> {
    await this.#tail;
    if (this.#failures.length === 0) return;
    const lost = this.#failures.splice(0);
    const first = lost[0]!;
    throw new LlmLedgerError(
      `${lost.length} LLM cost ledger row(s) could not be written (first: ${first.entry.route} for ${first.entry.agent}, cycle ${first.entry.cycleId ?? 'none'})`,
      { route: first.entry.route, cause: first.error },
    );
  }
}
