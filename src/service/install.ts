import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceRole, ServiceVariable } from '../config/index.ts';
import { writePrivateFile } from '../credential/index.ts';
import { fileModesApply } from '../platform/index.ts';
import { type ServiceSpec, serviceNames, serviceRoles } from './spec.ts';
import {
  environmentFileText,
  parseSystemctlShow,
  type SystemdScope,
  systemdLayout,
  systemdUnit,
} from './systemd.ts';
import { icaclsArguments, windowsInstallCommands, winswXml } from './winsw.ts';

/** Runs a command to completion, its output returned; throws with its stderr on failure. */
export type RunCommand = (command: string, args: string[]) => string;

export const runCommand: RunCommand = (command, args) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export interface WrittenFile {
  path: string;
  /** The mode it was written with (0o600 for anything holding a secret). */
  mode: number;
}

export interface InstallOutcome {
  files: WrittenFile[];
  /** Commands that were run, in order (none under a test root). */
  ran: string[];
  /** What the operator runs next. */
  next: string[];
}

type Common = Omit<ServiceSpec, 'role'>;

export interface SystemdInstallOptions {
  scope: SystemdScope;
  home: string;
  /** Install under this folder and run nothing (tests; a staged image). */
  root?: string;
  user?: string;
  spec: Common;
  variables: Record<ServiceRole, readonly ServiceVariable[]>;
  databaseUnit: Record<ServiceRole, string | undefined>;
}

const systemctl = (scope: SystemdScope, ...args: string[]) => [
  'systemctl',
  ...(scope === 'user' ? ['--user'] : []),
  ...args,
];
const unitFile = (role: ServiceRole) => `${serviceNames[role]}.service`;

/** Writes both units (0644) and their environment files (0600, folder 0700), then enables them. */
export function installSystemd(options: SystemdInstallOptions, run: RunCommand = runCommand): InstallOutcome {
  const layout = systemdLayout(options.scope, options.home, options.root);
  mkdirSync(layout.unitDir, { recursive: true });
  mkdirSync(layout.envDir, { recursive: true, mode: 0o700 });
  if (fileModesApply()) chmodSync(layout.envDir, 0o700);
  const files: WrittenFile[] = [];
  for (const role of serviceRoles) {
    const envFile = path.join(layout.envDir, `${role}.env`);
    writePrivateFile(envFile, environmentFileText(role, options.variables[role]));
    files.push({ path: envFile, mode: 0o600 });
    const unit = path.join(layout.unitDir, unitFile(role));
    writeFileSync(
      unit,
      systemdUnit({
        ...options.spec,
        role,
        scope: options.scope,
        environmentFile: path.posix.join(layout.seen.envDir, `${role}.env`),
        user: options.user,
        databaseUnit: options.databaseUnit[role],
      }),
      { mode: 0o644 },
    );
    if (fileModesApply()) chmodSync(unit, 0o644);
    files.push({ path: unit, mode: 0o644 });
  }
  const commands = [
    systemctl(options.scope, 'daemon-reload'),
    systemctl(options.scope, 'enable', ...serviceRoles.map(unitFile)),
  ];
  const ran = options.root ? [] : runAll(commands, run);
  const journal = options.scope === 'user' ? 'journalctl --user' : 'journalctl';
  const next = [
    ...(options.root ? commands.map((command) => command.join(' ')) : []),
    systemctl(options.scope, 'start', ...serviceRoles.map(unitFile)).join(' '),
    `${journal} -u ${unitFile('brain')} -u ${unitFile('watchdog')} -f`,
    `signet service status${options.scope === 'user' ? ' --user' : ''}`,
    ...(options.scope === 'user'
      ? [`loginctl enable-linger ${options.user ?? '$USER'}   # start at boot, keep running after logout`]
      : []),
  ];
  return { files, ran, next };
}

function runAll(commands: string[][], run: RunCommand): string[] {
  const ran: string[] = [];
  for (const [command, ...args] of commands) {
    if (!command) continue;
    run(command, args);
    ran.push([command, ...args].join(' '));
  }
  return ran;
}

/** Stops and disables both units, then removes them and their environment files. */
export function uninstallSystemd(
  options: Pick<SystemdInstallOptions, 'scope' | 'home' | 'root'>,
  run: RunCommand = runCommand,
): { removed: string[]; ran: string[] } {
  const layout = systemdLayout(options.scope, options.home, options.root);
  const ran = options.root
    ? []
    : runAll([systemctl(options.scope, 'disable', '--now', ...serviceRoles.map(unitFile))], run);
  const removed: string[] = [];
  for (const role of serviceRoles)
    for (const file of [path.join(layout.unitDir, unitFile(role)), path.join(layout.envDir, `${role}.env`)])
      if (existsSync(file)) {
        rmSync(file);
        removed.push(file);
      }
  if (!options.root) ran.push(...runAll([systemctl(options.scope, 'daemon-reload')], run));
  return { removed, ran };
}

export interface UnitState {
  unit: string;
  load: string;
  active: string;
  sub: string;
  mainPid: number;
  restarts: number;
  since: string;
  enabled: string;
}

const unitProperties = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'MainPID',
  'NRestarts',
  'ExecMainStartTimestamp',
  'UnitFileState',
];

/** Both units as systemd sees them (`systemctl show`), or why they could not be read. */
export function systemdStatus(
  scope: SystemdScope,
  run: RunCommand = runCommand,
): { units: UnitState[]; error: string | null } {
  let text: string;
  try {
    text = run(
      'systemctl',
      systemctl(scope, 'show', ...serviceRoles.map(unitFile), `--property=${unitProperties.join(',')}`).slice(
        1,
      ),
    );
  } catch (error) {
    const detail = (error as { stderr?: unknown }).stderr;
    return { units: [], error: (typeof detail === 'string' && detail.trim()) || (error as Error).message };
  }
  return { units: parseSystemctlShow(text).map(unitStateOf), error: null };
}

export function unitStateOf(record: Record<string, string>): UnitState {
  return {
    unit: record.Id ?? '?',
    load: record.LoadState ?? '?',
    active: record.ActiveState ?? '?',
    sub: record.SubState ?? '?',
    mainPid: Number(record.MainPID ?? 0),
    restarts: Number(record.NRestarts ?? 0),
    since: record.ExecMainStartTimestamp ?? '',
    enabled: record.UnitFileState ?? '?',
  };
}

export interface WindowsInstallOptions {
  /** Windows path of the service folder (XML, WinSW executables, logs). */
  serviceDir: string;
  /** Write under this folder instead (tests on Linux; `C:\` becomes `<root>/C`), run nothing. */
  root?: string;
  spec: Common;
  variables: Record<ServiceRole, readonly ServiceVariable[]>;
  databaseService?: string;
}

/** Where a Windows path lands under a test root. */
export function underRoot(root: string, windowsPath: string): string {
  const parts = windowsPath
    .replace(/^([A-Za-z]):/, '$1')
    .split(/[\\/]+/)
    .filter(Boolean);
  return path.join(root, ...parts);
}

/**
 * Writes both WinSW XML files. On Windows the folder is locked first (icacls: SYSTEM and
 * Administrators only); if that fails nothing holding a secret is written.
 */
export function installWindows(options: WindowsInstallOptions, run: RunCommand = runCommand): InstallOutcome {
  const folder = options.root ? underRoot(options.root, options.serviceDir) : options.serviceDir;
  mkdirSync(folder, { recursive: true });
  const ran = options.root ? [] : runAll([['icacls', ...icaclsArguments(options.serviceDir)]], run);
  const files: WrittenFile[] = [];
  for (const role of serviceRoles) {
    const file = path.join(folder, `${serviceNames[role]}.xml`);
    writePrivateFile(
      file,
      winswXml({
        ...options.spec,
        role,
        serviceDir: options.serviceDir,
        variables: options.variables[role],
        databaseService: options.databaseService,
      }),
    );
    files.push({ path: file, mode: 0o600 });
  }
  const next = windowsInstallCommands(options.serviceDir).filter(
    (line) => ran.length === 0 || !line.startsWith('icacls'),
  );
  return { files, ran, next };
}
