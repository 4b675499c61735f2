import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { LlmLedgerError } from './errors.ts';
import { type LedgerEntry, recordAttempts } from './ledger.ts';

/** Most rows in one INSERT (16 parameters a row, PostgreSQL takes 65,535). */
const maxRows = 1_000;

/** How long a queued row waits for the next ones before its statement goes. */
export const ledgerWindowMs = 20;

/**
 * Writes the ledger rows of answered calls behind the call: the answer goes back to the agent
 * while the row's INSERT (and its commit's WAL flush, the slowest part of a call's bookkeeping)
 * is under way. `settle` is the barrier: the executor settles before any order leaves, the
 * decision cycle at its end and the brain before it stops, so no order goes out, and no run
 * ends, without the cost rows of the calls behind it. A row that cannot be written is not
 * retried (a retry after a commit whose answer was lost would count the call twice); it
 * makes the next `settle` fail, which blocks the order (fail closed). A row waits up to
 * `windowMs` for others (and rows queued while a statement is in flight go with the next), so
 * one round trip and one commit carry them all: a candidate's calls (Regime, Strategist, both
 * signers) come milliseconds apart when answered at once (replays, local models), and each
 * took a statement of its own. `settle` writes what waits at once; with answers seconds
 * apart, a row is in the table `windowMs` after its call.
 */
export class LedgerWriter {
  /** The rows go in one after another, in call order: `ORDER BY id` stays the order of the calls. */
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #failures: Array<{ entry: LedgerEntry; error: unknown }> = [];

  constructor(
    private readonly store: Queryable,
    private readonly logger: Logger,
    private readonly windowMs = ledgerWindowMs,
  ) {}

  /** Rows queued behind the statement in flight; the next statement writes them (up to maxRows). */
  #queued: Array<{ entry: LedgerEntry; done: () => void }> = [];
  #scheduled = false;
  /** The window a queued row waits in, when no statement is scheduled yet. */
  #window: NodeJS.Timeout | undefined;

  /** Queues the row; the promise (which never rejects) is that row in the table, or recorded as lost. */
  write(entry: LedgerEntry): Promise<void> {
    this.#pending += 1;
    const written = new Promise<void>((resolve) => {
      this.#queued.push({ entry, done: resolve });
    });
    this.#schedule();
    return written;
  }

  /** The queued rows' statement goes when the window ends (or at once, `now`), after the one in flight. */
  #schedule(now = false): void {
    if (this.#scheduled || this.#queued.length === 0) return;
    if (!now && this.windowMs > 0) {
      this.#window ??= setTimeout(() => this.#schedule(true), this.windowMs);
      return;
    }
    clearTimeout(this.#window);
    this.#window = undefined;
    this.#scheduled = true;
    this.#tail = this.#tail.then(() => this.#writeQueued());
  }

  async #writeQueued(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#queued.splice(0, maxRows);
    this.#schedule();
    const entries = batch.map((each) => each.entry);
    try {
      await recordAttempts(this.store, entries);
    } catch (error: unknown) {
      for (const entry of entries) {
        this.#failures.push({ entry, error });
        this.logger.error(
          { err: error, route: entry.route, agent: entry.agent, cycleId: entry.cycleId },
          'LLM cost ledger row not written; the next order waits on it and is blocked',
        );
      }
    } finally {
      this.#pending -= entries.length;
      for (const each of batch) each.done();
    }
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
    // A batch may schedule the next (more than maxRows queued), and rows may come meanwhile:
    // write what waits at once, until the tail stays put with nothing queued.
    for (;;) {
      this.#schedule(true);
      const tail = this.#tail;
      await tail;
      if (tail === this.#tail && this.#queued.length === 0) break;
    }
    if (this.#failures.length === 0) return;
    const lost = this.#failures.splice(0);
    const first = lost[0]!;
    throw new LlmLedgerError(
      `${lost.length} LLM cost ledger row(s) could not be written (first: ${first.entry.route} for ${first.entry.agent}, cycle ${first.entry.cycleId ?? 'none'})`,
      { route: first.entry.route, cause: first.error },
    );
  }
}
