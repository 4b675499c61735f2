import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { threadBootstrap, threadModule } from '../platform/index.ts';
import { type BarColumns, columnsIn } from './columns.ts';
import {
  type CsvWorkerData,
  type CsvWorkerReply,
  claimedCount,
  claimNext,
  newClaims,
  stopClaims,
} from './csv-claims.ts';

/**
 * Parses many CSV files on two threads: the main thread and one worker (csv-worker.ts) take
 * files from a shared counter, so the worker, which needs ≈ 50 ms to start here, joins in when
 * it is ready and a short job is done before it is (issue 23: the 100-file backtest's load was
 * 0.29 s of a 0.98 s run on one thread). The outcome is the one thread's: one result per file,
 * in file order, each a value or the error that file gave; the worker's clean files come back
 * as columns, anything else is parsed again on the main thread with every check.
 */

export type FileOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface ParallelParse<T> {
  files: readonly string[];
  adjusted: boolean;
  /** Use the worker: true, false, or undefined to decide by the files' total size. */
  parallel: boolean | undefined;
  /** The main thread's full parse of one file (reading it too); throws what the file is wrong with. */
  parseOnMain(at: number): T;
  /** A worker's clean file, as a value. */
  fromColumns(at: number, columns: BarColumns, count: number): T;
}

/** Below this many bytes in all, the files parse before a worker would have started. */
const parallelFromBytes = 8 * 1024 * 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `claims` is the shared counter (a test passes its own to watch the worker take files). */
export async function parseFiles<T>(
  job: ParallelParse<T>,
  claims: SharedArrayBuffer = newClaims(job.files.length),
): Promise<Array<FileOutcome<T>>> {
  const outcomes: Array<FileOutcome<T> | undefined> = new Array(job.files.length);
  const worker = (job.parallel ?? worthAWorker(job.files)) ? startWorker(job, claims) : null;
  try {
    let first = true;
    for (let at = claimNext(claims); at >= 0; at = claimNext(claims)) {
      // Between files, pending I/O runs: a database connection opened before the load (the
      // backtest's log) completes its round trips, and the worker's files arrive.
      if (!first) await nextTurn();
      first = false;
      outcomes[at] = attempt(() => job.parseOnMain(at));
      // The first error in file order is the one reported: no file after this one is needed.
      if (!outcomes[at]!.ok) stopClaims(claims);
    }
    if (worker) {
      // The files the counter passed that the main thread has no outcome for are the worker's.
      const taken: number[] = [];
      for (let at = 0; at < claimedCount(claims); at += 1) if (outcomes[at] === undefined) taken.push(at);
      const received = await worker.results(taken);
      for (const [at, reply] of received) {
        outcomes[at] = attempt(() =>
          job.fromColumns(at, columnsIn(reply.buffer, reply.capacity), reply.count),
        );
      }
    }
  } finally {
    void worker?.stop();
  }
  // Files the worker sent back, or never finished, and files after a stop: the main thread's.
  const stoppedAt = outcomes.findIndex((outcome) => outcome !== undefined && !outcome.ok);
  const last = stoppedAt < 0 ? job.files.length : stoppedAt;
  for (let at = 0; at < last; at += 1) {
    if (outcomes[at] !== undefined) continue;
    outcomes[at] = attempt(() => job.parseOnMain(at));
    if (!outcomes[at]!.ok) break;
  }
  const end = outcomes.findIndex((outcome) => outcome === undefined || !outcome.ok);
  return outcomes.slice(0, end < 0 ? outcomes.length : end + 1) as Array<FileOutcome<T>>;
}

function attempt<T>(work: () => T): FileOutcome<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    return { ok: false, error };
  }
}

function worthAWorker(files: readonly string[]): boolean {
  let bytes = 0;
  for (const file of files) {
    try {
      bytes += statSync(file).size;
    } catch {
      // A file that cannot be read fails on the main thread, with its own error.
    }
    if (bytes >= parallelFromBytes) return true;
  }
  return false;
}

type Parsed = Extract<CsvWorkerReply, { kind: 'parsed' }>;

interface RunningWorker {
  /** The worker's clean files among `taken`, once each has come back (or the worker ended). */
  results(taken: number[]): Promise<Map<number, Parsed>>;
  stop(): Promise<number>;
}

function startWorker(job: ParallelParse<unknown>, claims: SharedArrayBuffer): RunningWorker {
  const workerData: CsvWorkerData = { files: [...job.files], adjusted: job.adjusted, claims };
  const worker = csvWorker(workerData);
  const parsed = new Map<number, Parsed>();
  const answered = new Set<number>();
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = () => wake?.();
  worker.on('message', (reply: CsvWorkerReply) => {
    if (reply.kind === 'parsed') parsed.set(reply.at, reply);
    if (reply.kind !== 'done') answered.add(reply.at);
    notify();
  });
  // A worker that fails or exits leaves its files to the main thread, which reports any error.
  const end = () => {
    ended = true;
    notify();
  };
  worker.on('error', end);
  worker.on('exit', end);
  return {
    async results(taken) {
      while (!ended && !taken.every((at) => answered.has(at))) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
      return parsed;
    },
    stop: () => worker.terminate(),
  };
}

/**
 * The compiled CLI runs dist/cli/csv-worker.js beside its chunks; from the sources (tests, tsx)
 * the worker registers the TypeScript loader first (see threadModule).
 */
export function csvWorker(workerData: CsvWorkerData): Worker {
  const thread = threadModule(import.meta.url, './csv-worker.ts', './csv-worker.js');
  if (!thread.loader) return new Worker(new URL(thread.module), { workerData });
  return new Worker(threadBootstrap(thread), { eval: true, workerData });
}
