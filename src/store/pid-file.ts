import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What an embedded server's postmaster.pid says: PostgreSQL writes it at start and updates its
 * status line; the postmaster removes it at a clean stop. Lines (1-based): 1 pid, 4 port,
 * 5 socket folder, 8 status ("starting", "ready", "stopping").
 */

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** postmaster.pid's lines, or null when there is none. */
function pidFileLines(dir: string): string[] | null {
  try {
    return readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
}

/** A running server on this data folder (started by another Signet process) is reused, not restarted. */
export function runningServer(
  dir: string,
): { pid: number; port: number; socketDir: string | null } | undefined {
  const lines = pidFileLines(dir);
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !processAlive(pid)) return undefined;
  return { pid, port, socketDir: usableSocketDir(lines[4]?.trim() ?? '', port) };
}

/**
 * The folder of the server's Unix socket (postmaster.pid's fifth line), when a client here can
 * use it. Over the socket a statement costs this process about a third less CPU than over
 * loopback TCP (whose delivery the sender's write pays for); the password is asked either way
 * (initdb --auth=scram-sha-256 covers local connections too). Windows, or a path longer than
 * a socket address holds: TCP.
 */
function usableSocketDir(socketDir: string, port: number): string | null {
  if (process.platform === 'win32' || !path.isAbsolute(socketDir)) return null;
  const socket = path.join(socketDir, `.s.PGSQL.${port}`);
  return socket.length < 100 && existsSync(socket) ? socketDir : null;
}

/** The pid `dir`'s postmaster.pid names, if any (before a start: a crashed server's file may remain). */
export function recordedPid(dir: string): number | null {
  const lines = pidFileLines(dir);
  return lines ? Number(lines[0]) : null;
}

/**
 * Whether the server started on `port` accepts connections, as pg_ctl decides it: postmaster.pid
 * names a live process other than a stale file's, our port, and the status "ready" (line 8).
 */
export function serverReady(dir: string, port: number, stalePid: number | null): boolean {
  const lines = pidFileLines(dir);
  if (!lines) return false;
  const pid = Number(lines[0]);
  return (
    Number.isInteger(pid) &&
    pid !== stalePid &&
    Number(lines[3]) === port &&
    lines[7]?.trim() === 'ready' &&
    processAlive(pid)
  );
}
