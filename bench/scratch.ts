import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { walkableTempDir } from '../test/support/temp.ts';

const folders = new Set<string>();
let armed = false;

/**
 * A scratch folder under the temp folder, removed when the process exits, not when its suite
 * ends. On ext4 without a journal (the machine of docs/benchmarks.md) the inode allocator passes
 * over every inode freed in the last minute, five while its table block is dirty
 * (`recently_deleted` in fs/ext4/ialloc.c): a suite that removed its cluster and journals (a few
 * thousand files) made every file of the next suite cost several times more, and the full
 * pipeline's baseline pair ran right after the in-process rounds removed theirs. Readable by the
 * postgres user (`0755`): an embedded cluster runs as that user when the benchmarks run as root.
 */
export function scratchFolder(prefix: string): string {
  const folder = walkableTempDir(path.join(tmpdir(), prefix));
  folders.add(folder);
  if (!armed) {
    armed = true;
    process.once('exit', removeScratchFolders);
  }
  return folder;
}

/** Removes every scratch folder made so far (at exit; an embedded cluster in one has stopped by then). */
function removeScratchFolders(): void {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}
