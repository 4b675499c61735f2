import { Worker } from 'node:worker_threads';
import { JournalWriteError } from './errors.ts';
import { maxCollisions, placerProgram } from './placer-program.ts';

interface PlacerReply {
  names?: Array<string | null>;
  failed?: { target: string; message: string; code?: string };
}

/** Files posted to the worker together: one wake-up of it (and one reply) per batch. */
const filesPerBatch = 16;

/**
 * Places a backtest journal's files on a worker thread, off the run's critical path: on this
 * machine's file system a new day folder and each new file cost more CPU than rendering the
 * entry. `place` queues a file (posted with the next batch) and returns its index; `placed`
 * posts what is queued, waits for every file so far and gives their names in order. A file that
 * could not be placed fails `placed` (and every later `place`) with its JournalWriteError: the
 * run that waits for its rows fails with it.
 */
export class JournalPlacer {
  readonly #worker: Worker;
  readonly #names: Array<string | null> = [];
  #batch: string[] = [];
  #queued = 0;
  #failure: Error | null = null;
  #closed = false;
  #waiters: Array<() => void> = [];

  constructor() {
    // Plain JavaScript: no loader flags of the parent (tsx) to boot in the worker.
    this.#worker = new Worker(placerProgram, { eval: true, execArgv: [], workerData: { maxCollisions } });
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

  /** Queues a file to place; its index in the run's order. Throws a failure already seen. */
  place(absoluteDir: string, base: string, markdown: string): number {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new Error('journal placer closed');
    this.#batch.push(absoluteDir, base, markdown);
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
