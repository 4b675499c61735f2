import { Worker } from 'node:worker_threads';
import { JournalWriteError } from './errors.ts';
import { maxCollisions, placerProgram } from './placer-program.ts';

interface FileReply {
  request: number;
  name?: string;
  failed?: { target: string; message: string; code?: string };
}

interface Waiting {
  target: string;
  resolve(name: string): void;
  reject(error: Error): void;
}

/**
 * Places live journal entries' files durably on a worker thread: a temp file written and
 * fsynced, linked under the first free name, the folder fsynced (placer-program.ts), each in
 * one message to the worker and one reply. Why: through `fs/promises` an entry's nine file
 * operations each went to libuv's pool and back, 0.30 ms of the main thread's CPU an entry
 * (`.prof` loop of 500 entries), a tenth of a live candidate's; on the worker they block only
 * it. A file that could not be placed fails only its own entry (JournalWriteError, with the
 * system's code). The worker starts with the first file, holds the process open only while files
 * are on their way, and is started again after it stopped.
 */
export class JournalFileWorker {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #requests = 0;

  /**
   * Resolves with the file's name in its folder once the file and the folder are on disk, or,
   * with `sync: false`, once the file is in its folder (its flush left to `flush`).
   */
  place(absoluteDir: string, base: string, markdown: string, sync = true): Promise<string> {
    const message = sync
      ? { dir: absoluteDir, base, content: markdown }
      : { dir: absoluteDir, base, content: markdown, sync: false };
    return this.#request(`${absoluteDir}/${base}.md`, message);
  }

  /**
   * Resolves once every file named, then every folder, is flushed to disk. The worker flushes a
   * few files at a time and places the files posted meanwhile between two slices; with `pauseMs`
   * it rests that long after each slice, spreading the flush's writes (placer-program.ts).
   */
  async flush(files: readonly string[], dirs: readonly string[], pauseMs = 0): Promise<void> {
    await this.#request(dirs[0] ?? '(journal)', pauseMs > 0 ? { files, dirs, pauseMs } : { files, dirs });
  }

  #request(target: string, message: Record<string, unknown>): Promise<string> {
    const worker = this.#started();
    this.#requests += 1;
    const request = this.#requests;
    return new Promise<string>((resolve, reject) => {
      this.#waiting.set(request, { target, resolve, reject });
      if (this.#waiting.size === 1) worker.ref();
      worker.postMessage({ request, ...message });
    });
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    // Plain JavaScript: no loader flags of the parent (tsx) to boot in the worker.
    const worker = new Worker(placerProgram, { eval: true, execArgv: [], workerData: { maxCollisions } });
    worker.unref();
    worker.on('message', (reply: FileReply) => {
      const waiting = this.#waiting.get(reply.request);
      if (!waiting) return;
      this.#waiting.delete(reply.request);
      if (this.#waiting.size === 0) worker.unref();
      if (reply.name !== undefined) waiting.resolve(reply.name);
      else {
        const { target, message, code } = reply.failed ?? { target: waiting.target, message: 'no reply' };
        waiting.reject(
          new JournalWriteError(target, Object.assign(new Error(message), code ? { code } : {})),
        );
      }
    });
    const stopped = (error: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      // Whether these files were placed is unknown: their entries fail (the next file starts a new worker).
      for (const [request, waiting] of this.#waiting) {
        this.#waiting.delete(request);
        waiting.reject(new JournalWriteError(waiting.target, error));
      }
    };
    worker.on('error', stopped);
    worker.on('exit', (code) => stopped(new Error(`the journal file worker stopped (exit ${code})`)));
    this.#worker = worker;
    return worker;
  }
}

/** The process's one file worker for live entries (a thread, started with the first entry). */
export const journalFiles = new JournalFileWorker();
