import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchResult } from './types.ts';

/**
 * What making one small file under the temp folder costs now: the state of the file system that
 * the benchmarks' journals and embedded clusters write into. On ext4 without a journal (the
 * machine of docs/benchmarks.md) the inode allocator passes over every inode freed in the last
 * seconds, minutes while its table block is dirty (`recently_deleted` in fs/ext4/ialloc.c), so
 * after a test run or anything else removed thousands of files, a new file costs 7–13 times more
 * and every figure that writes files reads high. The probe's own files are removed when the
 * process exits, not now, for the same reason.
 */
export function fileCreationProbe(moment: string, files = 500): BenchResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-bench-fs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
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
