import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

describe('signet service install / uninstall through the real bin, into a temporary root', () => {
  it('writes both units and 0600 environment files with only what each needs, prints no secret, and removes them', {
    timeout: 60_000,
  }, async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-service-cli-'));
    writeFileSync(path.join(folder, 'signet.yaml'), 'broker: { kind: alpaca }\n');
    const root = path.join(folder, 'root');
    const env = {
      DATABASE_URL: 'postgres://signet:db-secret-1@127.0.0.1:5432/signet',
      SIGNET_OPERATOR_TOKEN: 'operator-secret-0123456789abcdef',
      APCA_API_KEY_ID: 'alpaca-id-secret',
      APCA_API_SECRET_KEY: 'alpaca-key-secret',
      SIGNET_WATCHDOG_DATABASE_URL: 'postgres://watchdog:wd-secret-2@127.0.0.1:5432/signet',
      SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
    };
    const installed = await runCli(['service', 'install', '--root', root, '--run-as', 'signet'], {
      env,
      cwd: folder,
    });
    expect(installed.code, installed.stderr).toBe(0);
    const printed = installed.stdout + installed.stderr;
    for (const secret of ['db-secret-1', 'operator-secret', 'alpaca-key-secret', 'wd-secret-2'])
      expect(printed).not.toContain(secret);
    expect(printed).toContain('systemctl enable signet-watchdog.service signet-brain.service');

    const file = (name: string) => path.join(root, name);
    expect(statSync(file('etc/signet/brain.env')).mode & 0o777).toBe(0o600);
    expect(statSync(file('etc/signet/watchdog.env')).mode & 0o777).toBe(0o600);
    const brainEnv = readFileSync(file('etc/signet/brain.env'), 'utf8');
    const watchdogEnv = readFileSync(file('etc/signet/watchdog.env'), 'utf8');
    expect(brainEnv).toContain('SIGNET_OPERATOR_TOKEN="operator-secret-0123456789abcdef"');
    expect(brainEnv).toContain('APCA_API_SECRET_KEY="alpaca-key-secret"');
    // The watchdog has its own database role; it was not given the operator token.
    expect(watchdogEnv).toContain('SIGNET_WATCHDOG_DATABASE_URL=');
    expect(watchdogEnv).not.toContain('operator-secret');
    const unit = readFileSync(file('etc/systemd/system/signet-brain.service'), 'utf8');
    expect(unit).toContain('\nUser=signet\n');
    expect(unit).toContain(`\nWorkingDirectory=${folder}\n`);
    expect(unit).toContain(`\nEnvironment="SIGNET_CONFIG=${path.join(folder, 'signet.yaml')}"\n`);
    // A local database: both after postgresql.service.
    expect(unit).toContain('\nAfter=network-online.target postgresql.service\n');
    for (const name of ['brain', 'watchdog']) {
      const text = readFileSync(file(`etc/systemd/system/signet-${name}.service`), 'utf8');
      for (const secret of ['db-secret-1', 'operator-secret', 'alpaca', 'wd-secret-2'])
        expect(text).not.toContain(secret);
    }

    const removed = await runCli(['service', 'uninstall', '--root', root], { env, cwd: folder });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.match(/^removed /gm)).toHaveLength(4);
  });
});
