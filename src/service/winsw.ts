import path from 'node:path';
import type { ServiceRole, ServiceVariable } from '../config/index.ts';
import {
  checkServiceValue,
  type ServiceSpec,
  serviceArguments,
  serviceDescriptions,
  serviceNames,
} from './spec.ts';

/**
 * Windows services through WinSW 2.x (https://github.com/winsw/winsw): one executable per
 * service, renamed to the service's id, beside an XML file of the same name. Chosen over
 * node-windows because node-windows generates this same WinSW XML and bundles winsw.exe, and adds
 * an npm dependency with its own elevation helper; here the XML is ours, tested, and there is no
 * native build. The secrets sit in the XML's `<env>`: the folder is locked to SYSTEM and
 * Administrators (icacls) before they are written (docs/runbook.md).
 */
export const winswVersion = '2.12.0';

export interface WinswInput extends ServiceSpec {
  /** Folder of the XML, the renamed WinSW executable and the logs (a Windows path). */
  serviceDir: string;
  variables: readonly ServiceVariable[];
  /** A local PostgreSQL Windows service to start after (e.g. postgresql-x64-17). */
  databaseService?: string;
}

const xmlEscaped = (value: string) =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/** One command-line word for Windows (CommandLineToArgvW rules): quoted when it has spaces. */
export function windowsArgument(word: string): string {
  if (word !== '' && !/[\s"]/.test(word)) return word;
  return `"${word.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/**
 * WinSW expands `%NAME%` in every `<env>` value (Environment.ExpandEnvironmentVariables), with no
 * escape: a secret holding such a pair would silently change.
 */
function checkNoExpansion(name: string, value: string): void {
  if (/%[^%\s]+%/.test(value))
    throw new Error(
      `${name} holds "%…%", which WinSW would expand as a variable: choose a value without a pair of % around a name`,
    );
}

/** How each role is restarted by the Service Control Manager (WinSW's `<onfailure>`). */
export const windowsRestarts: Record<ServiceRole, string[]> = {
  brain: ['10 sec', '30 sec', '60 sec'],
  watchdog: ['2 sec', '2 sec', '5 sec'],
};

/** The WinSW XML of one role (`signet-brain.xml`, `signet-watchdog.xml`). */
export function winswXml(input: WinswInput): string {
  for (const [field, value] of [
    ['nodePath', input.nodePath],
    ['binPath', input.binPath],
    ['workingDirectory', input.workingDirectory],
    ['serviceDir', input.serviceDir],
  ] as const) {
    checkServiceValue(field, value);
    if (!path.win32.isAbsolute(value) || !/^[A-Za-z]:\\|^\\\\/.test(value))
      throw new Error(`${field} "${value}" must be an absolute Windows path (C:\\… or \\\\server\\…)`);
  }
  const env = [
    ...(input.configFile ? [{ name: 'SIGNET_CONFIG', value: input.configFile }] : []),
    ...input.variables.map((variable) => ({ name: variable.name, value: variable.value.reveal() })),
  ];
  for (const { name, value } of env) {
    checkServiceValue(name, value);
    checkNoExpansion(name, value);
  }
  const id = serviceNames[input.role];
  const args = [input.binPath, ...serviceArguments[input.role]].map(windowsArgument).join(' ');
  const lines = [
    '<!-- Written by `signet service install`; regenerate rather than edit. Holds secrets: keep its folder locked (icacls). -->',
    '<service>',
    `  <id>${id}</id>`,
    `  <name>${id === 'signet-brain' ? 'Signet brain' : 'Signet watchdog'}</name>`,
    `  <description>${xmlEscaped(serviceDescriptions[input.role])}</description>`,
    `  <executable>${xmlEscaped(input.nodePath)}</executable>`,
    `  <arguments>${xmlEscaped(args)}</arguments>`,
    `  <workingdirectory>${xmlEscaped(input.workingDirectory)}</workingdirectory>`,
    ...env.map(({ name, value }) => `  <env name="${xmlEscaped(name)}" value="${xmlEscaped(value)}"/>`),
    '  <startmode>Automatic</startmode>',
    // The brain starts after boot has settled (network, the database service); the watchdog at once.
    ...(input.role === 'brain' ? ['  <delayedAutoStart>true</delayedAutoStart>'] : []),
    ...(input.databaseService ? [`  <depend>${xmlEscaped(input.databaseService)}</depend>`] : []),
    ...windowsRestarts[input.role].map((delay) => `  <onfailure action="restart" delay="${delay}"/>`),
    '  <resetfailure>1 hour</resetfailure>',
    // A stop is Ctrl+C to node (SIGINT: the clean stop), then a kill after this long.
    '  <stoptimeout>90 sec</stoptimeout>',
    `  <logpath>${xmlEscaped(path.win32.join(input.serviceDir, 'logs'))}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    '</service>',
    '',
  ];
  return lines.join('\r\n');
}

/** The folder lock: SYSTEM and Administrators only (by SID, so any Windows language), no inheritance. */
export function icaclsArguments(serviceDir: string): string[] {
  return [
    serviceDir,
    '/inheritance:r',
    '/grant:r',
    '*S-1-5-18:(OI)(CI)F',
    '/grant:r',
    '*S-1-5-32-544:(OI)(CI)F',
  ];
}

/** What the operator runs (elevated PowerShell) after `signet service install` wrote the XML files. */
export function windowsInstallCommands(serviceDir: string): string[] {
  const exe = (role: ServiceRole) =>
    windowsArgument(path.win32.join(serviceDir, `${serviceNames[role]}.exe`));
  return [
    `# WinSW ${winswVersion}: download WinSW-x64.exe from https://github.com/winsw/winsw/releases/tag/v${winswVersion} and check its SHA-256`,
    `icacls ${icaclsArguments(serviceDir).map(windowsArgument).join(' ')}`,
    `Copy-Item WinSW-x64.exe ${exe('watchdog')}`,
    `Copy-Item WinSW-x64.exe ${exe('brain')}`,
    `& ${exe('watchdog')} install`,
    `& ${exe('brain')} install`,
    `& ${exe('watchdog')} start`,
    `& ${exe('brain')} start`,
    'sc.exe qfailure signet-brain   # shows the restart actions WinSW set',
  ];
}
