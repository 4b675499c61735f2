import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Secret, type ServiceVariable } from '../config/index.ts';
import {
  environmentFileText,
  installSystemd,
  parseSystemctlShow,
  systemdStatus,
  systemdUnit,
  uninstallSystemd,
} from './index.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const spec = {
  nodePath: process.execPath,
  binPath: path.join(repo, 'bin/signet.js'),
  workingDirectory: repo,
  configFile: '/srv/signet 1/signet.yaml',
};
const secret = (name: string, value: string): ServiceVariable => ({ name, value: new Secret(value) });

/** `systemd-analyze verify` of unit files; systemd is not PID 1 here, and it need not be. */
function verify(files: string[], scope: 'system' | 'user'): { status: number | null; output: string } {
  const runtime = mkdtempSync(path.join(tmpdir(), 'signet-xdg-'));
  const result = spawnSync(
    '/usr/bin/systemd-analyze',
    [...(scope === 'user' ? ['--user'] : []), 'verify', '--man=no', ...files],
    // A user manager needs a runtime folder to exist; nothing is started.
    { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_COLOR: '0' } },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('systemd units', () => {
  it('restart the watchdog always and the brain on failure with a back-off, after a local database', () => {
    const watchdog = systemdUnit({
      ...spec,
      role: 'watchdog',
      scope: 'system',
      environmentFile: '/etc/signet/watchdog.env',
      user: 'signet',
      databaseUnit: 'postgresql.service',
    });
    expect(watchdog).toContain('\nRestart=always\n');
    expect(watchdog).toContain('\nStartLimitIntervalSec=0\n');
    expect(watchdog).toContain('\nEnvironmentFile=/etc/signet/watchdog.env\n');
    expect(watchdog).toContain(`\nExecStart=${process.execPath} ${spec.binPath} watchdog\n`);
    expect(watchdog).toContain('\nAfter=network-online.target postgresql.service\n');
    expect(watchdog).toContain('\nWants=network-online.target postgresql.service\n');
    const brain = systemdUnit({
      ...spec,
      role: 'brain',
      scope: 'system',
      environmentFile: '/etc/signet/brain.env',
      user: 'signet',
    });
    expect(brain).toContain('\nRestart=on-failure\nRestartSec=10s\n');
    expect(brain).toContain('\nStartLimitIntervalSec=600\nStartLimitBurst=5\n');
    expect(brain).toContain(' start --no-watchdog\n');
    expect(brain).toContain('\nAfter=network-online.target\n');
    expect(brain).toContain('\nStandardOutput=journal\n');
    expect(brain).toContain('\nUser=signet\n');
    // A path with a space is quoted as one word; no secret is in a unit.
    expect(brain).toContain('\nEnvironment="SIGNET_CONFIG=/srv/signet 1/signet.yaml"\n');
  });

  it('user units never name a system unit (a user manager cannot order after it) and run as their owner', () => {
    const unit = systemdUnit({
      ...spec,
      role: 'brain',
      scope: 'user',
      environmentFile: '/home/ops/.config/signet/brain.env',
      user: 'ops',
      databaseUnit: 'postgresql.service',
    });
    expect(unit).not.toContain('postgresql.service');
    expect(unit).not.toContain('User=');
    expect(unit).toContain('\nWantedBy=default.target\n');
  });

  it('refuse a relative path or a line break', () => {
    const base = { ...spec, role: 'brain' as const, scope: 'system' as const, environmentFile: '/etc/x.env' };
    expect(() => systemdUnit({ ...base, binPath: 'bin/signet.js' })).toThrow(/binPath .* absolute/);
    expect(() => systemdUnit({ ...base, workingDirectory: '/srv\nExecStartPre=/bin/rm' })).toThrow(
      /workingDirectory contains a line break/,
    );
  });

  it('pass systemd-analyze verify with nothing to say, system and user scope', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'signet-units-'));
    for (const scope of ['system', 'user'] as const) {
      const files = (['brain', 'watchdog'] as const).map((role) => {
        const file = path.join(folder, `${scope}-signet-${role}.service`);
        writeFileSync(
          file,
          systemdUnit({
            ...spec,
            role,
            scope,
            environmentFile: `/etc/signet/${role}.env`,
            user: 'root',
            databaseUnit: 'postgresql.service',
          }),
        );
        return file;
      });
      const result = verify(files, scope);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    }
    // The check can fail: an unknown value, a missing executable.
    const bad = path.join(folder, 'bad.service');
    const unit = systemdUnit({ ...spec, role: 'brain', scope: 'system', environmentFile: '/etc/x.env' });
    writeFileSync(bad, unit.replace('Restart=on-failure', 'Restart=sometimes'));
    expect(verify([bad], 'system').output).toMatch(/Failed to parse service restart specifier/);
    writeFileSync(bad, unit.replace(process.execPath, '/nonexistent/node'));
    expect(verify([bad], 'system').status).not.toBe(0);
  });
});

describe('environment files', () => {
  it('quote every value so systemd reads it back exactly, and refuse a line break', () => {
    const text = environmentFileText('brain', [
      secret('DATABASE_URL', 'postgres://u:p%40$HOME"`\\x@127.0.0.1/db'),
      secret('SIGNET_OPERATOR_TOKEN', 'a'.repeat(30)),
    ]);
    expect(text).toContain('\nDATABASE_URL="postgres://u:p%40\\$HOME\\"\\`\\\\x@127.0.0.1/db"\n');
    expect(() => environmentFileText('brain', [secret('X', 'a\nb')])).toThrow(/X contains a line break/);
  });
});

describe('install into a temporary root', () => {
  it('writes units 0644 and environment files 0600 in a 0700 folder, runs nothing, and uninstalls', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'signet-root-'));
    const ran: string[] = [];
    const outcome = installSystemd(
      {
        scope: 'system',
        home: '/root',
        root,
        user: 'signet',
        spec,
        variables: {
          brain: [secret('DATABASE_URL', 'postgres://b'), secret('ANTHROPIC_API_KEY', 'sk-brain')],
          watchdog: [secret('SIGNET_WATCHDOG_DATABASE_URL', 'postgres://w')],
        },
        databaseUnit: { brain: 'postgresql.service', watchdog: 'postgresql.service' },
      },
      (command, args) => {
        ran.push([command, ...args].join(' '));
        return '';
      },
    );
    expect(ran).toEqual([]);
    expect(outcome.next).toContain('systemctl enable signet-watchdog.service signet-brain.service');
    const mode = (file: string) => statSync(path.join(root, file)).mode & 0o777;
    expect(mode('etc/signet')).toBe(0o700);
    expect(mode('etc/signet/brain.env')).toBe(0o600);
    expect(mode('etc/signet/watchdog.env')).toBe(0o600);
    expect(mode('etc/systemd/system/signet-brain.service')).toBe(0o644);
    expect(mode('etc/systemd/system/signet-watchdog.service')).toBe(0o644);
    // The watchdog's file holds its own credentials only: no LLM key, nothing of the brain's.
    const watchdogEnv = readFileSync(path.join(root, 'etc/signet/watchdog.env'), 'utf8');
    expect(watchdogEnv).toContain('SIGNET_WATCHDOG_DATABASE_URL="postgres://w"');
    expect(watchdogEnv).not.toMatch(/sk-brain|postgres:\/\/b/);
    // The unit points at the file as systemd sees it, not under the test root.
    expect(readFileSync(path.join(root, 'etc/systemd/system/signet-brain.service'), 'utf8')).toContain(
      '\nEnvironmentFile=/etc/signet/brain.env\n',
    );
    const removed = uninstallSystemd({ scope: 'system', home: '/root', root });
    expect(removed.removed).toHaveLength(4);
    expect(existsSync(path.join(root, 'etc/signet/brain.env'))).toBe(false);
  });

  it('without a root, reloads and enables through systemctl (--user for user units)', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'signet-home-'));
    mkdirSync(home, { recursive: true });
    const ran: string[] = [];
    installSystemd(
      {
        scope: 'user',
        home,
        spec,
        variables: { brain: [], watchdog: [] },
        databaseUnit: { brain: undefined, watchdog: undefined },
      },
      (command, args) => {
        ran.push([command, ...args].join(' '));
        return '';
      },
    );
    expect(ran).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable signet-watchdog.service signet-brain.service',
    ]);
    expect(statSync(path.join(home, '.config/signet/brain.env')).mode & 0o777).toBe(0o600);
  });
});

describe('systemctl show', () => {
  it('reads both units, and says why when systemd cannot be asked', () => {
    const text = [
      'Id=signet-watchdog.service',
      'LoadState=loaded',
      'ActiveState=active',
      'SubState=running',
      'MainPID=812',
      'NRestarts=0',
      'ExecMainStartTimestamp=Wed 2026-12-02 22:00:00 UTC',
      'UnitFileState=enabled',
      '',
      'Id=signet-brain.service',
      'ActiveState=activating',
      'SubState=auto-restart',
      'MainPID=0',
      'NRestarts=3',
      '',
    ].join('\n');
    expect(parseSystemctlShow(text)).toHaveLength(2);
    const status = systemdStatus('system', () => text);
    expect(status.units[1]).toMatchObject({ unit: 'signet-brain.service', sub: 'auto-restart', restarts: 3 });
    const down = systemdStatus('system', () => {
      throw Object.assign(new Error('failed'), { stderr: 'System has not been booted with systemd' });
    });
    expect(down).toEqual({ units: [], error: 'System has not been booted with systemd' });
  });
});
