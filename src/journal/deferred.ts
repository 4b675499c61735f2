import type { Queryable } from '../store/index.ts';
import type { JournalEntryInput } from './schema.ts';
import { journalSql } from './sql.ts';
import { journalRowValues, placeJournalFileSync, prepareJournalEntry } from './writer.ts';

const rowColumns = 10;

/**
 * A backtest's own journal (a rerun rebuilds it). Each entry is validated, rendered and its
 * file placed atomically when it is written, exactly as `writeJournalEntry` does (same text,
 * same name, collision suffixes in the order written; an invalid entry or a file that cannot be
 * placed fails the write there and then), but without fsync and synchronously (a few syscalls on
 * the page cache). Its row waits for `flush()`, which inserts every row written since in one
 * statement, ids in the order written, committed without waiting for the WAL flush: the run's
 * next synchronous commit (at the latest `backtest.completed`) makes them durable.
 */
export class DeferredJournal {
  readonly #db: Queryable;
  readonly #root: string;
  #rows: unknown[][] = [];

  constructor(options: { db: Queryable; root: string }) {
    this.#db = options.db;
    this.#root = options.root;
  }

  async write(input: JournalEntryInput): Promise<void> {
    const prepared = prepareJournalEntry(input, this.#root);
    const relative = placeJournalFileSync(prepared);
    this.#rows.push(journalRowValues(prepared.entry, relative));
  }

  /** Entries written and not yet flushed. */
  get pending(): number {
    return this.#rows.length;
  }

  /** Inserts the rows written so far in one statement. */
  async flush(): Promise<void> {
    const rows = this.#rows;
    if (rows.length === 0) return;
    this.#rows = [];
    const columns = Array.from({ length: rowColumns }, (_, column) => rows.map((values) => values[column]));
    await this.#db.query(journalSql.insertManyDeferred(), columns);
  }
}
