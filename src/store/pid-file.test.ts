import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordedPid, serverReady } from './pid-file.ts';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A data folder whose postmaster.pid has PostgreSQL's layout (lines: pid, dir, start, port, socket dir, listen, shmem, status). */
function folderWith(pid: number, port: number, status: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-pid-file-'));
  folders.push(dir);
  writeFileSync(
    path.join(dir, 'postmaster.pid'),
    [pid, dir, '1796333991', port, '/tmp', '127.0.0.1', '  1234   5678', status.padEnd(8), ''].join('\n'),
  );
  return dir;
}

describe("the embedded server's pid file", () => {
  it('says ready only for a live server on our port whose status is ready', () => {
    expect(serverReady(folderWith(process.pid, 5432, 'ready'), 5432, null)).toBe(true);
    expect(serverReady(folderWith(process.pid, 5432, 'starting'), 5432, null)).toBe(false);
    expect(serverReady(folderWith(process.pid, 5433, 'ready'), 5432, null)).toBe(false);
    // A pid no process has (above Linux's pid_max): a dead server's file.
    expect(serverReady(folderWith(4_194_305, 5432, 'ready'), 5432, null)).toBe(false);
  });

  it("does not take a crashed server's file, left from before the start, for the new server", () => {
    const dir = folderWith(process.pid, 5432, 'ready');
    const stale = recordedPid(dir);
    expect(stale).toBe(process.pid);
    expect(serverReady(dir, 5432, stale)).toBe(false);
    expect(recordedPid(path.join(dir, 'nothing-here'))).toBeNull();
  });
});
