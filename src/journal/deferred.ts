import type { Queryable } from '../store/index.ts';
import type { JournalEntryInput } from './schema.ts';
import { journalSql } from './sql.ts';
import { journalRowValues, placeJournalFile, prepareJournalEntry } from './writer.ts';

const rowColumns = 10;

/**
 * A backtest's own journal (a rerun rebuilds it): each entry is validated and rendered when it
 * is written, exactly as `writeJournalEntry` does (an invalid entry is refused there and then);
 * its file is placed atomically behind the previous one (names, collision suffixes included, in
 * the order written), without fsync; its row waits for `flush()`, which inserts every row
 * written since in one statement, after their files, ids in the order written. The row is
 * committed without waiting for the WAL flush: the run's next synchronous commit (at the latest
 * `backtest.completed`) makes it durable. A file that could not be placed fails the `flush()`.
 */
export class DeferredJournal {
  readonly #db: Queryable;
  readonly #root: string;
  /** The last file placement: the next one starts after it (deterministic names). */
  #placing: Promise<unknown> = Promise.resolve();
  #rows: Array<Promise<unknown[]>> = [];

  constructor(options: { db: Queryable; root: string }) {
    this.#db = options.db;
    this.#root = options.root;
  }

  /** Resolves once the entry is validated and rendered; its file and row follow (see flush). */
  async write(input: JournalEntryInput): Promise<void> {
    const prepared = prepareJournalEntry(input, this.#root);
    const placed = this.#placing.then(() => placeJournalFile(prepared, false));
    this.#placing = placed.catch(() => {});
    const row = placed.then((relative) => journalRowValues(prepared.entry, relative));
    row.catch(() => {}); // seen by flush(), never reported as unhandled meanwhile
    this.#rows.push(row);
  }

  /** Entries written and not yet flushed. */
  get pending(): number {
    return this.#rows.length;
  }

  /** Waits for the files written so far and inserts their rows in one statement. */
  async flush(): Promise<void> {
    const pending = this.#rows;
    if (pending.length === 0) return;
    this.#rows = [];
    const rows = await Promise.all(pending);
    const columns = Array.from({ length: rowColumns }, (_, column) => rows.map((values) => values[column]));
    await this.#db.query(journalSql.insertManyDeferred(), columns);
  }
}
