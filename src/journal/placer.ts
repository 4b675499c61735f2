import { Worker } from 'node:worker_threads';
import { JournalWriteError } from './errors.ts';

const maxCollisions = 1_000;

/**
 * The worker's program, plain JavaScript run with `eval` (CommonJS): a worker file would be
 * missing from the compiled CLI (one bundle) and untranslated under vitest and tsx. It places
 * each file as `writeNewFileAtomic` does without fsync: a temp file in the same folder ('wx'),
 * then a hard link under the first free name (`base.md`, `base-2.md`, ...; a link fails with
 * EEXIST instead of replacing), the temp unlinked; an existence check and rename where links are
 * unsupported. A reader sees no file or the whole file. Files are placed one at a time in the
 * order posted, so collision suffixes follow the order written. Folders made are remembered
 * (one `mkdir -p` a day); a folder removed meanwhile shows as ENOENT and is made again.
 * Files come in batches (one message, one wake-up of the worker, per batch); the reply is
 * `{ names }` (each placed file's name, in order), with `failed` beside them when a file could
 * not be placed (its name null, the rest of that batch not placed: the run fails anyway).
 */
const placerProgram = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');

const maxCollisions = workerData.maxCollisions;
const linkUnsupported = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV']);
const madeFolders = new Set();

function candidateName(base, attempt) {
  return attempt <= 1 ? base + '.md' : base + '-' + attempt + '.md';
}

function writeTemp(dir, base, content) {
  const temp = path.join(dir, '.' + base + '.md.' + process.pid + '.' + randomBytes(4).toString('hex') + '.tmp');
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, content, 'utf8');
  } catch (error) {
    fs.closeSync(fd);
    fs.unlinkSync(temp);
    throw error;
  }
  fs.closeSync(fd);
  return temp;
}

function writeTempInFolder(dir, base, content) {
  if (madeFolders.has(dir)) {
    try {
      return writeTemp(dir, base, content);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      madeFolders.delete(dir);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  madeFolders.add(dir);
  return writeTemp(dir, base, content);
}

function place(dir, base, content) {
  const temp = writeTempInFolder(dir, base, content);
  let linked = true;
  try {
    for (let attempt = 1; attempt <= maxCollisions; attempt += 1) {
      const name = candidateName(base, attempt);
      const target = path.join(dir, name);
      if (linked) {
        try {
          fs.linkSync(temp, target);
          fs.unlinkSync(temp);
          return name;
        } catch (error) {
          if (error.code === 'EEXIST') continue;
          if (!linkUnsupported.has(error.code)) throw error;
          linked = false;
        }
      }
      if (fs.existsSync(target)) continue;
      fs.renameSync(temp, target);
      return name;
    }
    throw Object.assign(new Error('more than ' + maxCollisions + ' entries named ' + base), { code: 'EEXIST' });
  } catch (error) {
    try {
      fs.unlinkSync(temp);
    } catch {}
    throw error;
  }
}

// A batch: [dir, base, content, dir, base, content, ...], placed in order; one reply a batch.
parentPort.on('message', (batch) => {
  const names = [];
  for (let at = 0; at < batch.length; at += 3) {
    const dir = batch[at];
    const base = batch[at + 1];
    try {
      names.push(place(dir, base, batch[at + 2]));
    } catch (error) {
      names.push(null);
      const failed = { target: path.join(dir, base + '.md'), message: String(error && error.message), code: error && error.code };
      parentPort.postMessage({ names, failed });
      return;
    }
  }
  parentPort.postMessage({ names });
});
`;

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
