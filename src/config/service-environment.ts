import { venueConfigs } from '../venues/config-sections.ts';
import { routeKeyEnv } from './llm-section.ts';
import type { Config } from './load.ts';
import { Secret } from './secret.ts';

/** One variable a service's environment file carries: its name and its (secret) value. */
export interface ServiceVariable {
  name: string;
  value: Secret;
}

export type ServiceRole = 'brain' | 'watchdog';

/**
 * What each service's environment file holds, read from this shell's environment (the one
 * place secrets are read is this folder): the names the configuration points at, set here,
 * nothing else. The brain gets the database URL, the operator token, the configured venue's
 * keys and the configured LLM routes' keys (and their `passEnv`); the watchdog its own
 * credentials (`SIGNET_WATCHDOG_*`) where they are set, else the brain's database URL and venue
 * keys, and never the LLM keys nor the operator token.
 */
export function serviceEnvironment(
  config: Config,
  role: ServiceRole,
  env: NodeJS.ProcessEnv = process.env,
): ServiceVariable[] {
  const names: string[] = [];
  const venue = venueConfigs[config.broker.kind];
  const section: unknown = Object.entries(config.broker).find(([key]) => key === config.broker.kind)?.[1];
  const venueNames = Object.values(venue.secretEnv(section));
  if (role === 'brain') {
    names.push('DATABASE_URL', 'SIGNET_OPERATOR_TOKEN', ...venueNames);
    for (const route of config.llm.routes) {
      const key = routeKeyEnv(route);
      if (key) names.push(key);
      names.push(...(route.passEnv ?? []));
    }
  } else {
    names.push(isSet(env, 'SIGNET_WATCHDOG_DATABASE_URL') ? 'SIGNET_WATCHDOG_DATABASE_URL' : 'DATABASE_URL');
    const own = Object.values(venue.watchdogSecretEnv);
    names.push(...(own.length > 0 && own.every((name) => isSet(env, name)) ? own : venueNames));
  }
  const variables: ServiceVariable[] = [];
  for (const name of new Set(names)) {
    const value = env[name]?.trim();
    if (value) variables.push({ name, value: new Secret(value) });
  }
  return variables;
}

const isSet = (env: NodeJS.ProcessEnv, name: string) => (env[name]?.trim() ?? '') !== '';

/**
 * Where a role's database is, for ordering its service after a local server: `embedded` (no
 * URL: Signet starts its own), `local` (loopback or a Unix socket), `remote`.
 */
export function serviceDatabase(
  role: ServiceRole,
  env: NodeJS.ProcessEnv = process.env,
): 'embedded' | 'local' | 'remote' {
  const url =
    (role === 'watchdog' ? env.SIGNET_WATCHDOG_DATABASE_URL?.trim() : undefined) || env.DATABASE_URL?.trim();
  if (!url) return 'embedded';
  try {
    const parsed = new URL(url);
    const host = (parsed.searchParams.get('host') ?? parsed.hostname).replace(/^\[|\]$/g, '');
    if (host === '' || host.startsWith('/') || host === 'localhost' || host === '::1') return 'local';
    return /^127\./.test(host) ? 'local' : 'remote';
  } catch {
    // `postgres://user@/db?host=/run/postgresql` (a socket) is no WHATWG URL.
    return /[?&]host=(\/|%2F)/i.test(url) ? 'local' : 'remote';
  }
}
