import path from 'node:path';
import { JournalFileWorker } from '../src/journal/file-worker.ts';
import { timedFlushPauseMs } from '../src/journal/flush-behind.ts';
import { scratchFolder } from './scratch.ts';
import type { BenchResult } from './types.ts';

/** As the journal flushes a live decision's file behind (src/journal/flush-behind.ts). */
const writtenBackAfterMs = 40_000;
const files = 1_000;

const text = 'x'.repeat(2_000); // about a vetoed candidate's entry

async function placed(worker: JournalFileWorker, dir: string, prefix: string): Promise<string[]> {
  const names = await Promise.all(
    Array.from({ length: files }, (_, index) => worker.place(dir, `${prefix}-${index}`, text, false)),
  );
  return names.map((name) => path.join(dir, name));
}

async function flushMicros(worker: JournalFileWorker, dir: string, paths: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await worker.flush(paths, [dir]);
  return Number(process.hrtime.bigint() - started) / 1000 / paths.length;
}

/**
 * A decision placed every 2 ms while the journal's timed flush of `paths` runs (its rests
 * included, as flush-behind.ts asks for it): the slowest placement's wait, and the flush's wall
 * time. A placement waited for the whole flush until the thirty-fifth pass.
 */
async function placementDuringFlush(
  worker: JournalFileWorker,
  dir: string,
  paths: string[],
): Promise<{ slowestMs: number; placements: number; flushMs: number }> {
  const waits: number[] = [];
  const started = performance.now();
  let flushMs = 0;
  const flushed = worker.flush(paths, [dir], timedFlushPauseMs).then(() => {
    flushMs = performance.now() - started;
  });
  for (let index = 0; flushMs === 0; index += 1) {
    const placedAt = performance.now();
    await worker.place(dir, `during-${index}`, text, false);
    waits.push(performance.now() - placedAt);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await flushed;
  return { slowestMs: Math.max(...waits), placements: waits.length, flushMs };
}

/**
 * What a live decision's file costs to flush, off the cycle's path: the journal places it
 * without fsync and flushes it once it is 40 s old, when the kernel has written its data back by
 * itself (with nothing placed in the folder meanwhile, as here, the fsync then writes nothing
 * more; while decisions are placed beside it, it still writes the folder's block and the
 * inode's: the third row). Against it, the same files flushed as soon as placed,
 * the batch a flush every 256 files would have made. Both on the journal's own worker thread,
 * `files` files of 2 kB in one folder; the wall time a file. Then how long a decision placed
 * meanwhile waits for a timed flush of as many aged files. ≈ 45 s, most of it the wait.
 */
export async function runJournalFlushBench(): Promise<BenchResult[]> {
  const dir = scratchFolder('signet-bench-journal-flush-');
  const worker = new JournalFileWorker();
  const fresh = await placed(worker, dir, 'fresh');
  const freshMicros = await flushMicros(worker, dir, fresh);
  const aged = await placed(worker, dir, 'aged');
  const agedBesides = await placed(worker, dir, 'aged-besides');
  await new Promise((resolve) => setTimeout(resolve, writtenBackAfterMs));
  const agedMicros = await flushMicros(worker, dir, aged);
  const during = await placementDuringFlush(worker, dir, agedBesides);
  return [
    {
      name: "flushing a decision's file behind, 40 s after it was placed",
      value: Number(agedMicros.toFixed(1)),
      unit: 'µs a file',
      notes: `the journal's worker thread, ${files} files of 2 kB in one batch and their folder: what each live decision costs off the cycle's path once the kernel wrote the file back (vm.dirty_expire_centisecs), nothing placed in the folder meanwhile`,
    },
    {
      name: "flushing a decision's file at once, in a batch",
      value: Number(freshMicros.toFixed(1)),
      unit: 'µs a file',
      notes: `the same ${files} files flushed as soon as placed: the writes a batch flush would have made while cycles ran (the thirty-fourth pass measured such batches doubling the cycle's p99)`,
    },
    {
      name: "a decision's file placed during a timed flush: the slowest wait",
      value: Number(during.slowestMs.toFixed(2)),
      unit: 'ms',
      notes: `${during.placements} files placed, one every 2 ms, while ${files} aged files were flushed eight at a time with ${timedFlushPauseMs} ms rests (${during.flushMs.toFixed(0)} ms in all); until the thirty-fifth pass a file posted during a flush waited for all of it`,
    },
  ];
}
