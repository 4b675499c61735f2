import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../src/config/index.ts';
import { environmentFileText, installSystemd, systemdUnit } from '../src/service/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';
import { parseEnvironmentFile, parseUnit, restartWanted, UnitSupervisor } from './support/unit-supervisor.ts';
import { waitFor } from './support/wait.ts';

let db: TestDatabase;
const supervisors: UnitSupervisor[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const supervisor of supervisors) await supervisor.stop();
  await db.drop();
});

const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the installed units under a supervisor that follows their Restart=', () => {
  it('restarts a brain killed with SIGKILL, leaves the watchdog alone, and a latched halt survives restarts of both', {
    timeout: 240_000,
  }, async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-service-'));
    const configFile = path.join(folder, 'signet.yaml');
    writeFileSync(
      configFile,
      [
        `dataDir: ${path.join(folder, 'state')}`,
        'feed: { sim: { seed: 42, bars: 50000, symbols: [ALPHA, BRAVO, CHARLIE] } }',
        'schedule: { barIntervalMs: 20 }',
        'ingress: { port: 0 }',
        // autostart stays on: the unit's `--no-watchdog` is what keeps the brain from launching one.
        'watchdog: { autostart: always, checkIntervalMs: 500, brainHeartbeatMs: 60000 }',
        'logLevel: warn',
        `paths: { contextDir: ${path.join(folder, 'context')} }`,
        '',
      ].join('\n'),
    );
    const root = path.join(folder, 'root');
    const database = [{ name: 'DATABASE_URL', value: new Secret(db.url) }];
    installSystemd({
      scope: 'system',
      home: '/root',
      root,
      spec: {
        nodePath: process.execPath,
        binPath: path.join(repoRoot, 'bin/signet.js'),
        workingDirectory: folder,
        configFile,
      },
      variables: { brain: database, watchdog: database },
      databaseUnit: { brain: undefined, watchdog: undefined },
    });
    const unit = (name: string) => path.join(root, 'etc/systemd/system', `${name}.service`);
    // RestartSec as written (brain 10 s, watchdog 2 s), a tenth of it here.
    const watchdog = new UnitSupervisor(unit('signet-watchdog'), { root, timeScale: 0.1 });
    const brain = new UnitSupervisor(unit('signet-brain'), { root, timeScale: 0.1 });
    supervisors.push(brain, watchdog);
    expect(watchdog.unit.restart).toBe('always');
    expect(brain.unit.restart).toBe('on-failure');

    watchdog.start();
    brain.start();
    await waitFor(() => /watchdog running/.test(watchdog.output()), 'the watchdog', 60_000);
    await waitFor(() => /Stop with Ctrl-C/.test(brain.output()), 'the brain', 60_000);
    expect(brain.output()).toContain('watchdog : not started (watchdog.autostart: never)');

    const env = { DATABASE_URL: db.url, SIGNET_CONFIG: configFile, SIGNET_LOG_LEVEL: 'error' };
    const halted = await runCli(['halt', '--level', '2', '--reason', 'latched before the restarts'], {
      env,
      cwd: folder,
    });
    expect(halted.code, halted.stderr).toBe(0);

    // kill -9 the brain: restarted by its supervisor; the watchdog keeps its process.
    const watchdogPid = watchdog.pid;
    const firstBrain = brain.pid;
    process.kill(firstBrain ?? 0, 'SIGKILL');
    await waitFor(() => brain.starts === 2 && brain.state === 'running', 'the brain restarted', 30_000);
    await waitFor(
      () => brain.output().split('Stop with Ctrl-C').length === 3,
      'the restarted brain running',
      60_000,
    );
    expect(brain.pid).not.toBe(firstBrain);
    expect(alive(firstBrain)).toBe(false);
    expect(watchdog.pid).toBe(watchdogPid);
    expect(watchdog.starts).toBe(1);
    expect(alive(watchdogPid)).toBe(true);

    // kill -9 the watchdog: Restart=always brings it back too.
    process.kill(watchdogPid ?? 0, 'SIGKILL');
    await waitFor(
      () => watchdog.starts === 2 && watchdog.output().split('watchdog running').length === 3,
      'the watchdog restarted',
      60_000,
    );

    // A reboot: the manager stops both (SIGTERM, a clean stop: the brain exits 0, on-failure does not
    // restart it), then boot starts both again.
    await brain.stop();
    await watchdog.stop();
    expect(brain.output()).toMatch(/stopping…\s*\n\[supervisor\] exited code=0 signal=null/);
    const bootedAt = new Date();
    watchdog.start();
    brain.start();
    await waitFor(
      () => brain.output().split('Stop with Ctrl-C').length === 4,
      'the brain after the reboot',
      60_000,
    );
    // Still halted: its cycles are skipped at level 2, and no entry order was placed since.
    await waitFor(
      async () => {
        const skipped = await db.store.query(
          "SELECT 1 FROM agent_messages WHERE topic = 'cycle.skipped' AND (payload->>'haltLevel')::int = 2 AND recorded_at > $1",
          [bootedAt],
        );
        return (skipped.rowCount ?? 0) > 0;
      },
      'a cycle skipped at level 2 after the reboot',
      60_000,
    );
    const entries = await db.store.query(
      "SELECT 1 FROM orders WHERE leg = 'entry' AND cycle_id IS NOT NULL AND submitted_at > $1",
      [bootedAt],
    );
    expect(entries.rowCount).toBe(0);

    // `signet service status`: no systemd here (said so), and the halt level from the database.
    const status = await runCli(['service', 'status'], { env, cwd: folder });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('halt: level 2 (no new entries) — latched before the restarts');
    expect(status.stdout).toMatch(/services: not readable/);
  });
});

describe('the test supervisor reads units as systemd does', () => {
  it('restarts on-failure after a crash or a kill, never after a clean exit or a stop signal; always, always', () => {
    expect(restartWanted('on-failure', 1, null)).toBe(true);
    expect(restartWanted('on-failure', null, 'SIGKILL')).toBe(true);
    expect(restartWanted('on-failure', 0, null)).toBe(false);
    expect(restartWanted('on-failure', null, 'SIGTERM')).toBe(false);
    expect(restartWanted('always', 0, null)).toBe(true);
    expect(restartWanted('no', 1, null)).toBe(false);
  });

  it('reads back exactly what the environment file and the unit wrote', () => {
    const value = 'postgres://u:p%40$HOME"`\\x@127.0.0.1/db';
    const text = environmentFileText('brain', [{ name: 'DATABASE_URL', value: new Secret(value) }]);
    expect(parseEnvironmentFile(text)).toEqual({ DATABASE_URL: value });
    const unit = parseUnit(
      systemdUnit({
        role: 'brain',
        scope: 'system',
        nodePath: '/usr/bin/node',
        binPath: '/srv/signet 2/bin/signet.js',
        workingDirectory: '/srv/50%',
        configFile: '/srv/a "b"/signet.yaml',
        environmentFile: '/etc/signet/brain.env',
      }),
    );
    expect(unit.execStart).toEqual([
      '/usr/bin/node',
      '/srv/signet 2/bin/signet.js',
      'start',
      '--no-watchdog',
    ]);
    expect(unit.workingDirectory).toBe('/srv/50%');
    expect(unit.environment).toEqual({ SIGNET_CONFIG: '/srv/a "b"/signet.yaml' });
    expect(unit).toMatchObject({
      restart: 'on-failure',
      restartSec: 10,
      startLimitBurst: 5,
      startLimitIntervalSec: 600,
    });
  });
});
