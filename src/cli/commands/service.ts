import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { type ServiceRole, serviceDatabase, serviceEnvironment } from '../../config/index.ts';
import { packageRoot } from '../../platform/index.ts';
import {
  type InstallOutcome,
  installSystemd,
  installWindows,
  systemdStatus,
  uninstallSystemd,
} from '../../service/index.ts';
import { haltLevelNames } from '../../watchdog/index.ts';
import type { CliContext } from '../context.ts';
import { operatorService } from '../operator.ts';

interface ServiceOptions {
  user?: boolean;
  root?: string;
  runAs?: string;
  platform?: string;
  dir?: string;
  dbService?: string;
  json?: boolean;
}

const binPath = path.join(packageRoot(), 'bin', 'signet.js');

function platformOf(options: ServiceOptions): 'linux' | 'win32' {
  const platform = options.platform ?? process.platform;
  if (platform === 'linux' || platform === 'win32') return platform;
  throw new Error(
    `--platform "${platform}": services are generated for linux (systemd) or win32 (WinSW); on macOS run signet under launchd by hand`,
  );
}

const scopeOf = (options: ServiceOptions): 'user' | 'system' => (options.user ? 'user' : 'system');

function printOutcome(context: CliContext, outcome: InstallOutcome, json: boolean | undefined): void {
  if (json) {
    context.json(outcome);
    return;
  }
  for (const file of outcome.files) context.out(`wrote ${file.path} (mode ${file.mode.toString(8)})`);
  for (const command of outcome.ran) context.out(`ran   ${command}`);
  context.out('next:');
  for (const line of outcome.next) context.out(`  ${line}`);
}

/** Writing /etc needs root: say how, instead of a bare EACCES. */
function withPermissionHint<T>(install: () => T): T {
  try {
    return install();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new Error(
        `${(error as Error).message}: system units need root — run \`sudo -E npx signet service install\` (-E keeps the exported secrets), or install user units with --user`,
      );
    throw error;
  }
}

export function registerServiceCommands(program: Command, context: CliContext): void {
  const service = program
    .command('service')
    .description(
      'run the brain and the watchdog as operating-system services (systemd, or WinSW on Windows)',
    );
  const common = (command: Command) =>
    command
      .option('--user', 'systemd user units (~/.config/systemd/user) instead of system units')
      .option('--root <dir>', 'install under this folder and run nothing (a test or a staged image)')
      .option('--platform <name>', 'linux or win32 (default: this machine)')
      .option('--json', 'machine-readable output');

  common(service.command('install'))
    .description(
      'write both services (environment files 0600 with only the secrets each needs), enable them; prints what to run next',
    )
    .option(
      '--run-as <user>',
      'system units: the account the services run as (default: sudo’s user, else you)',
    )
    .option('--dir <folder>', 'Windows: the service folder (default %ProgramData%\\Signet)')
    .option(
      '--db-service <name>',
      'the local PostgreSQL service to start after (default postgresql.service on Linux; none on Windows)',
    )
    .action((options: ServiceOptions) => {
      const config = context.config();
      const variables = {
        brain: serviceEnvironment(config, 'brain'),
        watchdog: serviceEnvironment(config, 'watchdog'),
      };
      const spec = {
        nodePath: process.execPath,
        binPath,
        workingDirectory: process.cwd(),
        configFile: config.source,
      };
      const localDb = (role: ServiceRole) => serviceDatabase(role) === 'local';
      if (platformOf(options) === 'win32') {
        const serviceDir = options.dir ?? `${process.env.ProgramData ?? 'C:\\ProgramData'}\\Signet`;
        const outcome = installWindows({
          serviceDir,
          root: options.root,
          spec,
          variables,
          databaseService: localDb('brain') ? options.dbService : undefined,
        });
        printOutcome(context, outcome, options.json);
        return;
      }
      const databaseUnit = (role: ServiceRole) =>
        localDb(role) ? (options.dbService ?? 'postgresql.service') : undefined;
      const outcome = withPermissionHint(() =>
        installSystemd({
          scope: scopeOf(options),
          home: homedir(),
          root: options.root,
          user: options.user ? undefined : (options.runAs ?? process.env.SUDO_USER ?? userInfo().username),
          spec,
          variables,
          databaseUnit: { brain: databaseUnit('brain'), watchdog: databaseUnit('watchdog') },
        }),
      );
      printOutcome(context, outcome, options.json);
    });

  common(service.command('uninstall'))
    .description('stop and disable both services, remove their units and environment files')
    .action((options: ServiceOptions) => {
      if (platformOf(options) === 'win32') {
        context.out('Windows (elevated PowerShell, in the service folder):');
        for (const id of ['signet-brain', 'signet-watchdog'])
          context.out(`  & .\\${id}.exe stop; & .\\${id}.exe uninstall`);
        context.out('then delete the folder: its XML files hold the secrets.');
        return;
      }
      const result = uninstallSystemd({ scope: scopeOf(options), home: homedir(), root: options.root });
      if (options.json) {
        context.json(result);
        return;
      }
      for (const command of result.ran) context.out(`ran     ${command}`);
      for (const file of result.removed) context.out(`removed ${file}`);
    });

  common(service.command('status'))
    .description('both services as the service manager sees them, and the halt level from the database')
    .action(async (options: ServiceOptions) => {
      const units =
        platformOf(options) === 'win32'
          ? { units: [], error: 'on Windows: Get-Service signet-brain, signet-watchdog' }
          : systemdStatus(scopeOf(options));
      const operator = await operatorService(context);
      const halt = await operator.currentHalt().then(
        (state) => ({ state, error: null }),
        (error: Error) => ({ state: null, error: error.message }),
      );
      if (options.json) {
        context.json({
          units: units.units,
          unitsError: units.error,
          halt: halt.state,
          haltError: halt.error,
        });
        return;
      }
      if (units.error) context.out(`services: not readable (${units.error.split('\n')[0]})`);
      for (const unit of units.units)
        context.out(
          `${unit.unit.padEnd(24)} ${unit.active}/${unit.sub} pid ${unit.mainPid || '-'} restarts ${unit.restarts} ${unit.enabled}${unit.since ? ` since ${unit.since}` : ''}`,
        );
      context.out(
        halt.state
          ? `halt: level ${halt.state.level} (${haltLevelNames[halt.state.level]})${halt.state.reason ? ` — ${halt.state.reason}` : ''}`
          : `halt: UNREADABLE (${halt.error}) — trading is blocked`,
      );
    });
}
