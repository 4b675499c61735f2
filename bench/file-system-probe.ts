import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { scratchFolder } from './scratch.ts';
import type { BenchResult } from './types.ts';

/**
 * What making one small file under the temp folder costs now: the state of the file system that
 * the benchmarks' journals and embedded clusters write into. On ext4 without a journal (the
 * machine of docs/benchmarks.md) the inode allocator passes over every inode freed in the last
 * minute, five while its table block is dirty (`recently_deleted` in fs/ext4/ialloc.c), so
 * after a test run or anything else removed thousands of files, a new file costs 7–13 times more
 * and every figure that writes files reads high. The probe's own files, like every suite's
 * folder, are removed when the process exits (scratch.ts), for the same reason.
 */
export function fileCreationProbe(moment: string, files = 500): BenchResult {
  const dir = scratchFolder('signet-bench-fs-');
  const started = process.hrtime.bigint();
  for (let index = 0; index < files; index += 1) writeFileSync(path.join(dir, `f${index}`), 'x');
  const micros = Number(process.hrtime.bigint() - started) / 1000 / files;
  return {
    name: `making a small file, ${moment}`,
    value: Math.round(micros),
    unit: 'µs',
    notes:
      'the file system as the figures met it: ≈ 35–70 µs when quiet on the documented machine, several hundred in the minutes after many files were removed (figures that write files then read high)',
  };
}

/**
 * What placing one durable file costs now, the way a journal entry's file is placed before its
 * row is written by every writer but the live decisions (src/journal/placer-program.ts): a temp
 * file written and fsynced, linked under its name, the temp unlinked, the folder fsynced: two
 * device flushes, which a tmpfs answers in microseconds and a virtual disk in tenths of a
 * millisecond. Until the thirty-fourth pass every live decision's file was placed so, and a cycle
 * ended only once its last entry's file was on disk; now the decisions' files are flushed behind
 * (src/journal/flush-behind.ts). The median of `files`; removed at exit, as above.
 */
export function durableFileProbe(moment: string, files = 40): BenchResult {
  const dir = scratchFolder('signet-bench-fsync-');
  const text = 'x'.repeat(2_000); // about a vetoed candidate's entry
  const micros: number[] = [];
  for (let index = 0; index < files; index += 1) {
    const started = process.hrtime.bigint();
    const temp = path.join(dir, `.f${index}.tmp`);
    const file = openSync(temp, 'wx');
    writeSync(file, text);
    fsyncSync(file);
    closeSync(file);
    linkSync(temp, path.join(dir, `f${index}.md`));
    unlinkSync(temp);
    const folder = openSync(dir, 'r');
    fsyncSync(folder);
    closeSync(folder);
    micros.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  micros.sort((a, b) => a - b);
  return {
    name: `placing a durable file, ${moment}`,
    value: Math.round(micros[Math.floor(files / 2)]!),
    unit: 'µs',
    notes:
      "file fsynced, linked, folder fsynced (an operator's or the watchdog's journal entry; a live decision's until the 34th pass): ≈ 450–650 µs on the disk of the 20th pass, ≈ 20 µs on tmpfs (TMPDIR=/dev/shm)",
  };
}
