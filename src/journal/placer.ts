import { Worker } from 'node:worker_threads';
import { type ThreadModule, threadModule } from '../platform/index.ts';
import { JournalWriteError } from './errors.ts';
import { maxCollisions, placerProgram } from './placer-program.ts';
import type { JournalEntry } from './schema.ts';

interface PlacerReply {
  names?: Array<string | null>;
  failed?: { target: string; message: string; code?: string };
}

/**
 * The renderer's module for the placer's thread: the compiled CLI's `journal-render.js`, or from
 * the sources `journal-render.ts` with tsx's loader, which takes the thread ≈ 0.6 s and ≈ 0.9 s
 * of CPU to load here (a compiled one, a few tens of ms).
 */
export function journalRenderer(): ThreadModule {
  return threadModule(import.meta.url, './journal-render.ts', './journal-render.js');
}

/** Files posted to the worker together: one wake-up of it (and one reply) per batch. */
const filesPerBatch = 16;

/**
 * Places a backtest journal's files on a worker thread, off the run's critical path: on this
 * machine's file system a new day folder and each new file cost more CPU than rendering the
 * entry. The thread also renders the entries (`place` given an entry, not its text): in a cold
 * full-pipeline run rendering on the main thread was 0.33 ms of its 0.86 ms of CPU a bar (ORCL
 * 2012–2014, docs/benchmarks.md, thirty-sixth pass), run as baseline code under the batch
 * tiering (compiler-tiering.ts); an entry is a structured clone away (≈ 5 µs), and the thread
 * has a core that PostgreSQL shares. `place` queues a file (posted with the next batch) and
 * returns its index; `placed` posts what is queued, waits for every file so far and gives their
 * names in order. A file that could not be placed (or rendered) fails `placed` (and every later
 * `place`) with its JournalWriteError: the run that waits for its rows fails with it.
 */
export class JournalPlacer {
  readonly #worker: Worker;
  readonly #names: Array<string | null> = [];
  #batch: unknown[] = [];
  #queued = 0;
  #failure: Error | null = null;
  #closed = false;
  #waiters: Array<() => void> = [];

  /** Whether the thread renders entries (given one: see `place`). */
  readonly renders: boolean;

  /**
   * `renderer`: the module the thread renders entries with (journalRenderer(); a test names one
   * that cannot load), or none: the thread places text only.
   */
  constructor(options: { renderer?: ThreadModule | null } = {}) {
    // Plain JavaScript: no loader flags of the parent (tsx) to boot in the worker; the renderer is
    // imported there (compiled, or the sources through tsx's loader).
    const renderer = options.renderer ?? null;
    this.renders = renderer !== null;
    this.#worker = new Worker(placerProgram, {
      eval: true,
      execArgv: [],
      workerData: { maxCollisions, renderer },
    });
    // Holds the process open only while files are on their way (see #post and #settle).
    this.#worker.unref();
    this.#worker.on('message', (reply: PlacerReply) => {
      if (reply.names) for (const name of reply.names) this.#names.push(name);
      if (reply.failed) {
        const { target, message, code } = reply.failed;
        this.#fail(new JournalWriteError(target, Object.assign(new Error(message), code ? { code } : {})));
      }
      this.#settle();
    });
    this.#worker.on('error', (error) => this.#fail(new JournalWriteError('(journal placer)', error)));
    this.#worker.on('exit', (code) => {
      if (!this.#closed)
        this.#fail(new JournalWriteError('(journal placer)', new Error(`the placer stopped (exit ${code})`)));
    });
  }

  /**
   * Queues a file to place, given its text or the entry to render; its index in the run's order.
   * Throws a failure already seen.
   */
  place(absoluteDir: string, base: string, content: string | JournalEntry): number {
    if (this.#failure) throw this.#failure;
    if (typeof content !== 'string' && !this.renders) throw new Error('this journal placer renders no entry');
    if (this.#closed) throw new Error('journal placer closed');
    this.#batch.push(absoluteDir, base, content);
    this.#queued += 1;
    if (this.#batch.length >= filesPerBatch * 3) this.#post();
    return this.#queued - 1;
  }

  /**
   * Every file queued so far placed: their names by index (relative to their folder). Files
   * queued while it waits (the run goes on during a flush behind) are not waited for: they may
   * sit in a batch not yet posted.
   */
  async placed(): Promise<readonly string[]> {
    const upTo = this.#queued;
    if (this.#batch.length > 0 && !this.#failure && !this.#closed) this.#post();
    while (!this.#failure && this.#names.length < upTo)
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#failure) throw this.#failure;
    return this.#names as readonly string[];
  }

  /** Stops the worker (files queued and not yet placed may not be). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker.terminate();
    this.#fail(new Error('journal placer closed'));
  }

  #post(): void {
    this.#worker.ref();
    this.#worker.postMessage(this.#batch);
    this.#batch = [];
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#settle();
  }

  #settle(): void {
    if (this.#failure || this.#names.length >= this.#queued - this.#batch.length / 3) this.#worker.unref();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
