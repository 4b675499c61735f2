import type { ServiceRole } from '../config/index.ts';

/** The two services, by role: the brain and the watchdog, each its own process and unit. */
export const serviceRoles: readonly ServiceRole[] = ['watchdog', 'brain'];

export const serviceNames: Record<ServiceRole, string> = {
  brain: 'signet-brain',
  watchdog: 'signet-watchdog',
};

/** The `signet` arguments each service runs: the brain never launches a watchdog of its own. */
export const serviceArguments: Record<ServiceRole, string[]> = {
  brain: ['start', '--no-watchdog'],
  watchdog: ['watchdog'],
};

export const serviceDescriptions: Record<ServiceRole, string> = {
  brain: 'Signet brain (signet start): agents, decision cycles, orders, console',
  watchdog: 'Signet watchdog (signet watchdog): invariants, the halt ladder, flatten and page',
};

/** What a service runs, where, with which configuration; paths as the target system spells them. */
export interface ServiceSpec {
  role: ServiceRole;
  /** The Node executable (absolute). */
  nodePath: string;
  /** bin/signet.js of this checkout (absolute). */
  binPath: string;
  workingDirectory: string;
  /** The signet.yaml the service reads (SIGNET_CONFIG), absolute; none: defaults. */
  configFile: string | undefined;
}

/** A value that cannot go into a service definition (a newline, a NUL) is refused by name. */
export function checkServiceValue(name: string, value: string): void {
  if (/[\r\n\0]/.test(value))
    throw new Error(
      `${name} contains a line break or NUL: a service definition cannot carry it; set a value on one line`,
    );
}
