import { type Queryable, WriteChain } from '../store/index.ts';
import { JournalPlacer } from './placer.ts';
import type { JournalEntryInput } from './schema.ts';
import { journalSql } from './sql.ts';
import { journalRowValues, manyRowValues, prepareJournalEntry, rowPathColumn } from './writer.ts';

interface HeldRow {
  values: unknown[];
  /** Relative folder (`journal/<day>`). */
  dir: string;
  /** The file's index in the placer's order. */
  index: number;
}

/**
 * A backtest's own journal (a rerun rebuilds it). Each entry is validated and rendered when it
 * is written, exactly as `writeJournalEntry` does (an invalid entry fails the write there and
 * then); its file is placed atomically without fsync by a worker thread (JournalPlacer: same
 * text, same name, collision suffixes in the order written). Its row waits for a flush, which
 * waits for the files, then inserts every row written since in one statement, ids in the order
 * written, committed without waiting for the WAL flush: the run's next synchronous commit (at
 * the latest `backtest.completed`) makes them durable. A row never points to a missing file: a
 * file that could not be placed fails `flush()` (and any later `write`) and no row is inserted.
 * `close()` stops the worker; the run calls it whether it succeeded or not.
 */
export class DeferredJournal {
  readonly #db: Queryable;
  readonly #root: string;
  readonly #placer = new JournalPlacer();
  #rows: HeldRow[] = [];
  /** The inserts started so far, one after another. */
  readonly #inserts = new WriteChain();

  constructor(options: { db: Queryable; root: string }) {
    this.#db = options.db;
    this.#root = options.root;
  }

  async write(input: JournalEntryInput): Promise<void> {
    const prepared = prepareJournalEntry(input, this.#root);
    const index = this.#placer.place(prepared.absoluteDir, prepared.base, prepared.markdown);
    this.#rows.push({ values: journalRowValues(prepared.entry, ''), dir: prepared.dir, index });
  }

  /** Entries written and not yet flushed. */
  get pending(): number {
    return this.#rows.length;
  }

  /**
   * Starts flushing the entries written so far and returns at once: their rows go in once their
   * files are placed, while the run goes on. The next `flush()` waits for it and throws its
   * failure.
   */
  flushBehind(): void {
    const rows = this.#rows;
    if (rows.length === 0) return;
    this.#rows = [];
    this.#inserts.start(() => this.#insert(rows));
  }

  /** Waits for the files written so far, then inserts their rows (and any flush started behind). */
  flush(): Promise<void> {
    this.flushBehind();
    return this.#inserts.settled();
  }

  async #insert(rows: HeldRow[]): Promise<void> {
    const names = await this.#placer.placed();
    for (const row of rows) row.values[rowPathColumn] = `${row.dir}/${names[row.index]}`;
    await this.#db.query(journalSql.insertManyDeferred(), manyRowValues(rows.map((row) => row.values)));
  }

  /** Stops the placer's worker (after the last flush, or when the run failed). */
  close(): Promise<void> {
    return this.#placer.close();
  }
}
