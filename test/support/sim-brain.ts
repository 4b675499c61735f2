import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCli } from './processes.ts';
import { walkableTempDir } from './temp.ts';

/**
 * A folder with a fast trading sim config (six symbols, a bar every 10 ms, no watchdog) for
 * tests that run the real brain process: soaks, kills, a standby taking over.
 */
export function fastSimFolder(
  label: string,
  options: { bars: number; port?: number; extraYaml?: string[] },
): string {
  const folder = walkableTempDir(path.join(tmpdir(), `signet-${label}-`));
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    [
      `dataDir: ${path.join(folder, 'state')}`,
      `feed: { sim: { seed: 42, bars: ${options.bars}, symbols: [ALPHA, BRAVO, CHARLIE, DELTA, ECHO, FOXTROT] } }`,
      'schedule: { barIntervalMs: 10 }',
      `ingress: { port: ${options.port ?? 0} }`,
      'watchdog: { autostart: never }',
      `paths: { contextDir: ${path.join(folder, 'context')} }`,
      ...(options.extraYaml ?? []),
      '',
    ].join('\n'),
  );
  return folder;
}

/** `signet start` in that folder on the test database, warnings only. */
export function startSimBrain(
  folder: string,
  databaseUrl: string,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string } {
  return startCli(['start'], {
    cwd: folder,
    env: {
      DATABASE_URL: databaseUrl,
      SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
      SIGNET_LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

/** The exit of a child as `code/signal`. */
export const exitOf = (child: ChildProcess) =>
  new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code}/${signal}`)));
