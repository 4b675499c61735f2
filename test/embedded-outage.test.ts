import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHaltFile } from '../src/watchdog/index.ts';
import { startCli, waitForLine } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * Issue 19, with the real brain and its real embedded PostgreSQL: kill -9 the database server
 * mid-run. The brain restarts it within 5 s, the sim clock waits (no bar skipped), the loss
 * (longer than watchdog.databaseUnreachableMs) latches a halt only the operator lifts, and
 * Ctrl-C during or after the outage still stops the brain within 10 s.
 */
const folders: string[] = [];
const servers: string[] = [];
afterAll(() => {
  // A server left running by a stop during the outage is ended here (its postmaster, by pid).
  for (const dir of servers) {
    const pid = postmasterPid(dir);
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postmasterPid(dir: string): number | undefined {
  const file = path.join(dir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function folderFor(label: string, port: number): { folder: string; state: string; pg: string } {
  const folder = walkableTempDir(path.join(tmpdir(), `signet-${label}-`));
  folders.push(folder);
  const state = path.join(folder, 'state');
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    [
      `dataDir: ${state}`,
      `database: { embeddedPort: ${port} }`,
      'feed: { sim: { seed: 42, bars: 2000, symbols: [ALPHA, BRAVO, CHARLIE] } }',
      'schedule: { barIntervalMs: 150 }',
      'ingress: { port: 0 }',
      'watchdog: { autostart: never, databaseUnreachableMs: 300 }',
      `paths: { contextDir: ${path.join(folder, 'context')} }`,
      '',
    ].join('\n'),
  );
  const pg = path.join(state, 'pg');
  servers.push(pg);
  return { folder, state, pg };
}

function startBrain(folder: string): { child: ChildProcess; output: () => string } {
  return startCli(['start'], {
    cwd: folder,
    env: { DATABASE_URL: '', SIGNET_CONFIG: path.join(folder, 'signet.yaml'), SIGNET_LOG_LEVEL: 'warn' },
  });
}

const barsIn = (output: string) =>
  [...output.matchAll(/bar (\d+)\] equity/g)].map((match) => Number(match[1]));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

function exitWithin(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(`${code}/${signal}`);
    });
  });
}

describe('kill -9 of the embedded database mid-run (issue 19)', () => {
  it('is restarted by the brain within 5 s, no bar skipped, halt latched until the operator resumes', async () => {
    const { folder, state, pg } = folderFor('pgkill', 56_200 + Math.floor(Math.random() * 500));
    const brain = startBrain(folder);
    await waitForLine(brain.child, 'Stop with Ctrl-C', 40_000);
    expect(await until(() => barsIn(brain.output()).length >= 3, 10_000), brain.output()).toBe(true);
    const before = postmasterPid(pg)!;
    expect(alive(before)).toBe(true);
    process.kill(before, 'SIGKILL');
    const killedAt = Date.now();
    // Restarted by the brain (a new postmaster) within 5 s.
    const restarted = await until(() => {
      const pid = postmasterPid(pg);
      return pid !== undefined && pid !== before && alive(pid);
    }, 5_000);
    expect(restarted, brain.output()).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const barsAtKill = barsIn(brain.output()).length;
    // The run goes on after the restart.
    expect(await until(() => barsIn(brain.output()).length >= barsAtKill + 4, 15_000), brain.output()).toBe(
      true,
    );
    const output = brain.output();
    const bars = barsIn(output);
    // No bar skipped, none twice.
    expect(bars).toEqual(bars.map((_bar, index) => bars[0]! + index));
    // Visible: the restart and the latched halt on the console, the halt in force.
    expect(output).toMatch(/\[database died\]/);
    expect(output).toMatch(/database restarted after/);
    expect(output).toMatch(/HALT 2 latched/);
    expect(readHaltFile(path.join(state, 'halt.json')).level).toBe(2);
    // Only the operator resumes: bars after the outage all run at halt 2.
    await sleep(1_000);
    const later = brain
      .output()
      .split('\n')
      .filter((line) => /bar \d+\] equity/.test(line));
    expect(later.at(-1)).toMatch(/ halt 2 /);
    expect(readHaltFile(path.join(state, 'halt.json')).level).toBe(2);
    // Ctrl-C after the outage stops it within 10 s.
    brain.child.kill('SIGINT');
    expect(await exitWithin(brain.child, 10_000), brain.output()).toBe('0/null');
  }, 60_000);

  it('Ctrl-C during the outage still stops the brain within 10 s', async () => {
    const { folder, pg } = folderFor('pgint', 56_700 + Math.floor(Math.random() * 500));
    const brain = startBrain(folder);
    await waitForLine(brain.child, 'Stop with Ctrl-C', 40_000);
    expect(await until(() => barsIn(brain.output()).length >= 2, 10_000), brain.output()).toBe(true);
    process.kill(postmasterPid(pg)!, 'SIGKILL');
    await sleep(200);
    brain.child.kill('SIGINT');
    const exited = await exitWithin(brain.child, 10_000);
    expect(exited, brain.output()).toBe('0/null');
  }, 60_000);
  it('a data folder it cannot recover ends the run with a clear error and the fix', async () => {
    const { folder, pg } = folderFor('pgbroken', 57_200 + Math.floor(Math.random() * 500));
    const brain = startBrain(folder);
    await waitForLine(brain.child, 'Stop with Ctrl-C', 40_000);
    process.kill(postmasterPid(pg)!, 'SIGKILL');
    // The cluster's control file is gone: PostgreSQL cannot start on this folder again.
    rmSync(path.join(pg, 'global', 'pg_control'), { force: true });
    const exited = await exitWithin(brain.child, 20_000);
    expect(exited, brain.output()).toBe('1/null');
    expect(brain.output()).toMatch(/error: the embedded PostgreSQL in .* died and cannot be recovered/);
    expect(brain.output()).toMatch(/fix: Read .*pg\.log\. Move .* aside/);
  }, 60_000);
});
