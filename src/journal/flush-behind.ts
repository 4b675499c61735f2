import path from 'node:path';
import type { GroupWriter, Queryable } from '../store/index.ts';
import { journalFiles } from './file-worker.ts';
import type { JournalEntryInput } from './schema.ts';
import { journalSql } from './sql.ts';
import {
  journalRowValues,
  journalRowWriter,
  manyRowsJson,
  type PreparedJournalEntry,
  placeJournalFile,
  prepareJournalEntry,
  rowMarkdownColumn,
  rowPathColumn,
  type WrittenJournalEntry,
} from './writer.ts';

/**
 * A file is flushed once it is this old: Linux writes a dirty page back by itself after
 * `vm.dirty_expire_centisecs` (30 s by default) at its next wake-up (`dirty_writeback_centisecs`,
 * 5 s), so by then the fsync finds the file's data clean (ext4 still writes the folder's block
 * and the inode's for a file new in its folder: see timedFlushPauseMs). Flushed sooner, in
 * batches, the data's writes came in bursts the slowest cycles queued behind (the thirty-fourth
 * pass: p99 twice as high).
 */
const flushOlderThanMs = 40_000;
/** How often the files old enough are looked for while some wait. */
const flushCheckMs = 10_000;
/**
 * The worker's rest after each few files of a timed flush: a busy brain's 10 s of decisions
 * (thousands of files) flushed at once were a burst of thousands of writes the cycle under way
 * queued its commits behind (the thirty-fifth pass: cycles of 70–115 ms in minute-long runs). Rested,
 * the flush takes a second or two and the disk sees a trickle; a stop's flush does not rest.
 */
export const timedFlushPauseMs = 4;

/** When a folder's files are flushed behind (tests shorten both). */
export interface FlushTiming {
  olderThanMs: number;
  checkEveryMs: number;
}

const defaultTiming: FlushTiming = { olderThanMs: flushOlderThanMs, checkEveryMs: flushCheckMs };

/**
 * A decision whose file waits for its flush: as little as will do, since a fast sim holds tens of
 * thousands (≈ 500 decisions a second for 40–50 s): the file's name, its folder shared.
 */
interface Unflushed {
  id: number;
  name: string;
  /** The folder's one string (see #folder). */
  dir: string;
  /** When the file was placed (`performance.now()`). */
  placedAt: number;
}

/**
 * A context folder's live decision entries whose files are flushed behind. Why: a flushed file
 * cost each entry two fsyncs (the file and its folder) on the cycle's path, and the cycle's
 * commits queued behind them on the same disk (the thirty-third pass of issue 23: ≈ 10 % of the
 * cycle's p99). Each entry's file is placed atomically as before, but not flushed; its row
 * carries the entry's markdown and this folder, so the row (committed durably) holds the whole
 * entry. A file is flushed once the kernel has written it back (flushOlderThanMs), at the latest
 * at a clean stop (flushJournalFiles); then the folder's mark (`journal_file_mark`) moves to its
 * row. At start the rows after the mark get their files back where a crash lost or tore them
 * (repair.ts). Rows go through one group writer a folder, one statement at a time, so ids grow
 * in the order the rows reach `#unflushed`: every row up to the mark was in a batch flushed.
 * One brain writes a folder's decisions (leadership).
 */
class FolderJournal {
  readonly #root: string;
  readonly #db: Queryable;
  readonly #rows: GroupWriter<unknown[], number>;
  /** In id order (see above). */
  #unflushed: Unflushed[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The flushes started so far, one after another (the mark only moves forward anyway). */
  #flushing: Promise<void> = Promise.resolve();
  readonly #timing: FlushTiming;
  /** Each day folder's path once, not once a decision. */
  readonly #folders = new Map<string, string>();

  constructor(root: string, db: Queryable, timing: FlushTiming) {
    this.#root = root;
    this.#db = db;
    this.#timing = timing;
    this.#rows = journalRowWriter(
      db,
      (row) => [journalSql.insertRepairable(), [...row, root]],
      (rows) => [journalSql.insertManyRepairable(), [manyRowsJson(rows), root]],
    );
  }

  async write(prepared: PreparedJournalEntry, rowAfter?: Promise<unknown>): Promise<WrittenJournalEntry> {
    const values = journalRowValues(prepared.entry, '');
    values[rowMarkdownColumn] = prepared.markdown;
    const name = await placeJournalFile(prepared, false);
    await rowAfter;
    const relative = `${prepared.dir}/${name}`;
    values[rowPathColumn] = relative;
    const id = await this.#rows.submit(values);
    const dir = this.#folder(prepared.absoluteDir);
    this.#unflushed.push({ id, name, dir, placedAt: performance.now() });
    this.#timer ??= setTimeout(() => this.#flushOld(), this.#timing.checkEveryMs).unref();
    return { id, path: relative, file: path.join(dir, name) };
  }

  #folder(absoluteDir: string): string {
    let dir = this.#folders.get(absoluteDir);
    if (dir === undefined) {
      if (this.#folders.size > 1_000) this.#folders.clear();
      dir = absoluteDir;
      this.#folders.set(dir, dir);
    }
    return dir;
  }

  /** Flushes the files old enough (a failure leaves them to the next look), and looks again later. */
  #flushOld(): void {
    this.#timer = undefined;
    const before = performance.now() - this.#timing.olderThanMs;
    let count = 0;
    while (count < this.#unflushed.length && this.#unflushed[count]!.placedAt <= before) count += 1;
    if (count > 0) this.#flush(count, timedFlushPauseMs).catch(() => {});
    if (this.#unflushed.length > 0)
      this.#timer = setTimeout(() => this.#flushOld(), this.#timing.checkEveryMs).unref();
  }

  /** Flushes every file written so far, then moves the mark past their rows. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#flush(this.#unflushed.length);
  }

  /**
   * Flushes the first `count` files waiting, then moves the mark to the last one's row. The files
   * are taken when the flush runs, not when it is asked for: a flush that failed put its files
   * back in front, and the next one takes them with its own, so the mark never passes a file that
   * was not flushed.
   */
  #flush(count: number, pauseMs = 0): Promise<void> {
    const through = count > 0 ? this.#unflushed[count - 1]!.id : 0;
    const run = this.#flushing.then(async () => {
      let taken = 0;
      while (taken < this.#unflushed.length && this.#unflushed[taken]!.id <= through) taken += 1;
      if (taken === 0) return;
      const batch = this.#unflushed.slice(0, taken);
      this.#unflushed = this.#unflushed.slice(taken);
      try {
        const dirs = [...new Set(batch.map((each) => each.dir))];
        await journalFiles.flush(
          batch.map((each) => path.join(each.dir, each.name)),
          dirs,
          pauseMs,
        );
        await this.#db.query(journalSql.markFlushed(), [this.#root, batch[batch.length - 1]!.id]);
      } catch (error) {
        // Flushed with the next batch; until then the repair at start covers them.
        this.#unflushed = batch.concat(this.#unflushed);
        this.#timer ??= setTimeout(() => this.#flushOld(), this.#timing.checkEveryMs).unref();
        throw error;
      }
    });
    this.#flushing = run.catch(() => {});
    return run;
  }
}

/** Keyed by the pool, as the group writers are (writer.ts): a closed store's folders go with it. */
const folders = new WeakMap<Queryable, Map<string, FolderJournal>>();

function folderJournal(root: string, db: Queryable, timing: FlushTiming): FolderJournal {
  let byRoot = folders.get(db);
  if (!byRoot) {
    byRoot = new Map();
    folders.set(db, byRoot);
  }
  let folder = byRoot.get(root);
  if (!folder) {
    folder = new FolderJournal(root, db, timing);
    byRoot.set(root, folder);
  }
  return folder;
}

/**
 * Journals one decision as writeJournalEntry does (validated, rendered, an atomic file under a
 * free name, then its row once `rowAfter` committed), with the file flushed behind (see
 * FolderJournal). `db` must be a pool, not a caller's transaction: the first one given for a
 * folder writes all its rows and its mark.
 */
export async function writeJournalEntryFlushedBehind(
  input: JournalEntryInput,
  options: {
    db: Queryable;
    root: string;
    rowAfter?: Promise<unknown>;
    /** Read when the folder's first entry is written through `db`. */
    flushTiming?: FlushTiming;
  },
): Promise<WrittenJournalEntry> {
  options.rowAfter?.catch(() => {});
  const root = path.resolve(options.root);
  const prepared = prepareJournalEntry(input, root);
  return folderJournal(root, options.db, options.flushTiming ?? defaultTiming).write(
    prepared,
    options.rowAfter,
  );
}

/**
 * Flushes every file written behind so far through `db`, and moves their folders' marks. A clean
 * stop calls it before its store closes; a stop without it leaves those files to the repair at
 * the next start.
 */
export async function flushJournalFiles(db: Queryable): Promise<void> {
  await Promise.all([...(folders.get(db)?.values() ?? [])].map((folder) => folder.flush()));
}
