import path from 'node:path';
import type { ServiceRole, ServiceVariable } from '../config/index.ts';
import {
  checkServiceValue,
  type ServiceSpec,
  serviceArguments,
  serviceDescriptions,
  serviceNames,
} from './spec.ts';

export type SystemdScope = 'system' | 'user';

export interface SystemdUnitInput extends ServiceSpec {
  scope: SystemdScope;
  /** The environment file's path as systemd will read it (never under a test root). */
  environmentFile: string;
  /** system scope: the account the service runs as. */
  user?: string;
  /** The local PostgreSQL unit to start after (system scope only: a user manager cannot see it). */
  databaseUnit?: string;
}

/**
 * How each role is restarted. The watchdog always (`Restart=always`, never giving up:
 * `StartLimitIntervalSec=0`): it is what flattens when everything else is broken. The brain on
 * failure (a crash, a kill, `deposed as leader` exit 1 — a clean stop exits 0 and stays down),
 * 10 s apart, at most 5 starts in 10 minutes; then systemd leaves it failed for a person
 * (systemd 252, Debian 12, has no RestartSteps), while the watchdog sees the dead heartbeat.
 */
export const restartPolicy: Record<
  ServiceRole,
  { restart: 'always' | 'on-failure'; restartSec: number; burst: number; intervalSec: number }
> = {
  brain: { restart: 'on-failure', restartSec: 10, burst: 5, intervalSec: 600 },
  watchdog: { restart: 'always', restartSec: 2, burst: 0, intervalSec: 0 },
};

/** systemd's quoting of one command-line word (ExecStart): double quotes, backslash escapes. */
function execWord(word: string): string {
  if (/^[A-Za-z0-9_./:@+=,-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`;
}

/** A path as a unit setting takes it: no quotes, `%` (a specifier) doubled. */
const specifiersEscaped = (value: string) => value.replace(/%/g, '%%');

/** An `Environment=` assignment, quoted as a whole, specifiers (`%`) escaped. */
function environmentLine(name: string, value: string): string {
  checkServiceValue(name, value);
  return `Environment="${`${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** The unit file of one role (`signet-brain.service`, `signet-watchdog.service`). */
export function systemdUnit(input: SystemdUnitInput): string {
  const name = serviceNames[input.role];
  const policy = restartPolicy[input.role];
  const after = ['network-online.target'];
  if (input.scope === 'system' && input.databaseUnit) after.push(input.databaseUnit);
  for (const [field, value] of [
    ['nodePath', input.nodePath],
    ['binPath', input.binPath],
    ['workingDirectory', input.workingDirectory],
    ['environmentFile', input.environmentFile],
  ] as const) {
    checkServiceValue(field, value);
    if (!path.posix.isAbsolute(value)) throw new Error(`${field} "${value}" must be an absolute path`);
  }
  const lines = [
    '# Written by `signet service install`; regenerate rather than edit.',
    '[Unit]',
    `Description=${serviceDescriptions[input.role]}`,
    `After=${after.join(' ')}`,
    `Wants=${after.join(' ')}`,
    `StartLimitIntervalSec=${policy.intervalSec}`,
    `StartLimitBurst=${policy.burst}`,
    '',
    '[Service]',
    'Type=simple',
    ...(input.scope === 'system' && input.user ? [`User=${input.user}`] : []),
    `WorkingDirectory=${specifiersEscaped(input.workingDirectory)}`,
    ...(input.configFile ? [environmentLine('SIGNET_CONFIG', input.configFile)] : []),
    // Secrets only here, a 0600 file (not in the unit: units are world-readable, and shown by systemctl cat).
    `EnvironmentFile=${specifiersEscaped(input.environmentFile)}`,
    `ExecStart=${[input.nodePath, input.binPath, ...serviceArguments[input.role]].map(execWord).join(' ')}`,
    `Restart=${policy.restart}`,
    `RestartSec=${policy.restartSec}s`,
    // SIGTERM is the clean stop (the bar in progress completes); past this, SIGKILL.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=90s',
    'StandardOutput=journal',
    'StandardError=journal',
    `SyslogIdentifier=${name}`,
    'UMask=0077',
    'NoNewPrivileges=yes',
    '',
    '[Install]',
    `WantedBy=${input.scope === 'system' ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * An EnvironmentFile: one `NAME="value"` per line, inside double quotes `\`, `"`, `` ` `` and `$`
 * escaped with a backslash (systemd's rules, as for a shell's double quotes).
 */
export function environmentFileText(role: ServiceRole, variables: readonly ServiceVariable[]): string {
  const lines = [
    `# ${serviceNames[role]}: secrets read by systemd (EnvironmentFile), mode 0600. Written by \`signet service install\`.`,
  ];
  for (const variable of variables) {
    const value = variable.value.reveal();
    checkServiceValue(variable.name, value);
    lines.push(`${variable.name}="${value.replace(/[\\"`$]/g, (char) => `\\${char}`)}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Where units and environment files go, under an optional root (tests install into a temp folder). */
export function systemdLayout(
  scope: SystemdScope,
  home: string,
  root = '/',
): {
  unitDir: string;
  envDir: string;
  /** The same folders as systemd sees them (no root). */
  seen: { unitDir: string; envDir: string };
} {
  const seen =
    scope === 'system'
      ? { unitDir: '/etc/systemd/system', envDir: '/etc/signet' }
      : {
          unitDir: path.posix.join(home, '.config/systemd/user'),
          envDir: path.posix.join(home, '.config/signet'),
        };
  return {
    unitDir: path.join(root, seen.unitDir),
    envDir: path.join(root, seen.envDir),
    seen,
  };
}

/** `systemctl show` output (blocks of `Key=Value` separated by blank lines), one record per unit. */
export function parseSystemctlShow(text: string): Array<Record<string, string>> {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const record: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const at = line.indexOf('=');
        if (at > 0) record[line.slice(0, at)] = line.slice(at + 1);
      }
      return record;
    })
    .filter((record) => Object.keys(record).length > 0);
}
