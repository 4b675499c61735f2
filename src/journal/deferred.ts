import { type Queryable, WriteChain } from '../store/index.ts';
import { JournalPlacer, journalRenderer } from './placer.ts';
import { renderJournalMarkdown } from './render.ts';
import type { JournalEntryInput } from './schema.ts';
import { journalSql } from './sql.ts';
import { journalRowValues, locateJournalEntry, manyRowsJson, rowPathColumn } from './writer.ts';

interface HeldRow {
  values: unknown[];
  /** Relative folder (`journal/<day>`). */
  dir: string;
  /** The file's index in the placer's order. */
  index: number;
}

/**
 * A backtest's own journal (a rerun rebuilds it). Each entry is validated when it is written,
 * exactly as `writeJournalEntry` does (an invalid entry fails the write there and then); a worker
 * thread renders it with the same renderer (in the compiled CLI, see the constructor) and places
 * its file atomically without fsync (JournalPlacer: same text, same name, collision suffixes in
 * the order written). Its row waits for a flush, which waits for the files, then inserts every
 * row written since in one statement, ids in the order written, committed without waiting for
 * the WAL flush: the run's next synchronous commit (at the latest `backtest.completed`) makes
 * them durable. A row never points to a missing file: a file that could not be placed (or
 * rendered) fails `flush()` (and any later `write`) and no row is inserted. `close()` stops the
 * worker; the run calls it whether it succeeded or not.
 */
export class DeferredJournal {
  readonly #db: Queryable;
  readonly #root: string;
  readonly #placer: JournalPlacer;
  #rows: HeldRow[] = [];
  /** The inserts started so far, one after another. */
  readonly #inserts = new WriteChain();

  /**
   * `renderOnThread`: whether the placer's thread renders the entries; by default when the
   * renderer is compiled (the CLI), not from the sources, where the thread would first load
   * tsx's loader and the renderer's sources (see journalRenderer): a backtest in a test or run
   * through tsx renders on the main thread, as `writeJournalEntry` does, the same text.
   */
  constructor(options: { db: Queryable; root: string; renderOnThread?: boolean }) {
    this.#db = options.db;
    this.#root = options.root;
    const renderer = journalRenderer();
    const renderOnThread = options.renderOnThread ?? renderer.loader === null;
    this.#placer = new JournalPlacer({ renderer: renderOnThread ? renderer : null });
  }

  async write(input: JournalEntryInput): Promise<void> {
    const located = locateJournalEntry(input, this.#root);
    const content = this.#placer.renders ? located.entry : renderJournalMarkdown(located.entry);
    const index = this.#placer.place(located.absoluteDir, located.base, content);
    this.#rows.push({ values: journalRowValues(located.entry, ''), dir: located.dir, index });
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
    await this.#db.query(journalSql.insertManyDeferred(), [manyRowsJson(rows.map((row) => row.values))]);
  }

  /** Stops the placer's worker (after the last flush, or when the run failed). */
  close(): Promise<void> {
    return this.#placer.close();
  }
}
