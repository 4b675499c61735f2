import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot, runCli as runSignet } from '../test/support/processes.ts';
import { writeCopies } from './backtest.ts';
import { scratchFolder } from './scratch.ts';

/**
 * Runs `signet` once as a user does (`node bin/signet.js …`, a process of its own): its wall time
 * from spawn to exit and what it printed. A failure throws with the end of its stderr.
 */
export async function runCli(args: string[], cwd: string): Promise<{ seconds: number; stdout: string }> {
  const result = await runSignet(args, { cwd, timeoutMs: 30 * 60_000 });
  if (result.code !== 0)
    throw new Error(`signet ${args[0]} exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return { seconds: result.seconds, stdout: result.stdout };
}

/**
 * Builds the compiled CLI (dist/cli) as `npm start` and `npm test` do: bin/signet.js runs the
 * sources through tsx when the build is missing or stale, which would time the loader instead.
 */
export async function buildCli(): Promise<void> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.mjs')], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`scripts/build-cli.mjs exited ${code}`);
}

/**
 * Runs `work` in a folder of its own holding the 100 ORCL copies (bench/backtest.ts), with the
 * CLI freshly built; the folder (and an embedded cluster in it) is removed at exit (scratch.ts).
 */
export async function withHundredCopies<T>(
  prefix: string,
  work: (dir: string, files: string[]) => Promise<T>,
): Promise<T> {
  const dir = scratchFolder(prefix);
  const files = writeCopies(dir, 100);
  await buildCli();
  return work(dir, files);
}
