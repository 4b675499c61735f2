import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { z } from 'zod';
import { ValidationError } from '../errors/index.ts';
import { isVenueKind, venueConfigs } from '../venues/config-sections.ts';
import { type BrokerSecrets, readBrokerSecrets, readWatchdogBrokerSecrets } from './broker-section.ts';
import { type LlmSecrets, readLlmSecrets } from './llm-section.ts';
import { type ConfigFile, configFileSchema } from './schema.ts';
import { checkTokenLength, Secret } from './secret.ts';

export interface Secrets {
  databaseUrl: Secret | undefined;
  /** API keys of LLM routes, by route name. */
  llm: LlmSecrets;
  /** The venues' keys and tokens, by the name each venue reads them under. */
  broker: BrokerSecrets;
  /** SIGNET_OPERATOR_TOKEN: required to resume after a halt (CLI and console). */
  operatorToken: Secret | undefined;
  /** SIGNET_TELEGRAM_TOKEN: the operator bot's token (`telegram.enabled`). */
  telegramToken: Secret | undefined;
  /**
   * The watchdog's own credentials, so it does not depend on the brain's: the venues' own
   * SIGNET_WATCHDOG_* variables (each venue's all, or none) and SIGNET_WATCHDOG_DATABASE_URL.
   * Unset: the watchdog uses the brain's.
   */
  watchdog: {
    broker: BrokerSecrets;
    databaseUrl: Secret | undefined;
  };
}

export interface Config extends ConfigFile {
  /** Absolute form of dataDir. */
  dataPath: string;
  /** The file the configuration came from, if any. */
  source: string | undefined;
  secrets: Secrets;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** Explicit config file; otherwise SIGNET_CONFIG or ./signet.yaml when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over the file (used by tests and CLI flags). */
  overrides?: Partial<ConfigFile>;
}

/** Turns zod issues into "key: problem" lines that name the key and the allowed values. */
export function describeIssues(
  issues: ReadonlyArray<z.core.$ZodIssue>,
): Array<{ path: string; message: string }> {
  return issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys')
      message = `unknown key(s) ${issue.keys.join(', ')}: remove or rename them`;
    return { path: key, message };
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Switching venue is one line: `broker.kind` decides the feed and the schedule mode unless the
 * file sets them (each venue says which: the paper broker → sim feed, accelerated clock; a real
 * venue → its own bars, market mode). Anything malformed is left alone for the schema to name.
 */
export function withVenueDefaults(merged: Record<string, unknown>): Record<string, unknown> {
  const broker = merged.broker;
  const kind = isRecord(broker) ? broker.kind : undefined;
  if (!isVenueKind(kind)) return merged;
  const defaults = venueConfigs[kind].defaults;
  const feed = merged.feed === undefined ? {} : merged.feed;
  const schedule = merged.schedule === undefined ? {} : merged.schedule;
  return {
    ...merged,
    feed: isRecord(feed) && feed.kind === undefined ? { ...feed, kind: defaults.feed } : feed,
    schedule:
      isRecord(schedule) && schedule.mode === undefined ? { ...schedule, mode: defaults.mode } : schedule,
  };
}

/**
 * Parses YAML with the package loaded on first use: it is 72 CommonJS files, ≈ 50 ms of a start
 * that has no signet.yaml to read (a backtest, most commands). Loaded synchronously, as
 * loadConfig is synchronous.
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.file ?? env.SIGNET_CONFIG;
  const candidate = explicit ?? path.join(cwd, 'signet.yaml');
  let raw: unknown = {};
  let source: string | undefined;
  if (existsSync(candidate)) {
    source = path.resolve(cwd, candidate);
    try {
      raw = parseYaml(readFileSync(source, 'utf8')) ?? {};
    } catch (error) {
      throw new ValidationError(`${source} is not valid YAML`, [{ path: '(file)', message: String(error) }], {
        fix: 'Fix the YAML syntax at the line named above.',
      });
    }
  } else if (explicit) {
    throw new ValidationError(
      `config file ${explicit} does not exist`,
      [{ path: '(file)', message: 'not found' }],
      {
        fix: 'Create it with `signet init`, or point SIGNET_CONFIG / --config at an existing file.',
      },
    );
  }
  const merged = { ...(raw as Record<string, unknown>), ...(options.overrides ?? {}) };
  const parsed = configFileSchema.safeParse(withVenueDefaults(merged));
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    const where = source ?? 'configuration';
    throw new ValidationError(
      `${where} is invalid:\n${issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n')}`,
      issues,
      { fix: 'Correct the keys named above (see `signet init` for a commented example).' },
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim();
  return {
    ...parsed.data,
    dataPath: path.resolve(cwd, parsed.data.dataDir),
    source,
    secrets: {
      databaseUrl: databaseUrl ? new Secret(databaseUrl) : undefined,
      llm: readLlmSecrets(env, parsed.data.llm),
      broker: readBrokerSecrets(env, parsed.data.broker),
      operatorToken: tokenOf(env, 'SIGNET_OPERATOR_TOKEN'),
      telegramToken: secretOf(env, 'SIGNET_TELEGRAM_TOKEN'),
      watchdog: watchdogSecrets(env),
    },
  };
}

/**
 * Where backtest reports go and where the console reads them: `ingress.reportsDir`, else
 * `<paths.contextDir>/reports/backtests` (absolute, from the working directory).
 */
export function backtestReportsPath(config: Pick<ConfigFile, 'ingress' | 'paths'>): string {
  return path.resolve(
    config.ingress.reportsDir ?? path.join(config.paths.contextDir, 'reports', 'backtests'),
  );
}

function secretOf(env: NodeJS.ProcessEnv, name: string): Secret | undefined {
  const value = env[name]?.trim();
  return value ? new Secret(value) : undefined;
}

/** A token from the environment, refused when shorter than minimumTokenLength. */
export function tokenOf(env: NodeJS.ProcessEnv, name: string): Secret | undefined {
  const token = secretOf(env, name);
  if (token) checkTokenLength(name, token);
  return token;
}

function watchdogSecrets(env: NodeJS.ProcessEnv): Secrets['watchdog'] {
  const own = readWatchdogBrokerSecrets(env);
  if (own.missing) {
    const { variable, others } = own.missing;
    throw new ValidationError(
      `${variable} is not set, but ${others.join(', ')} is`,
      [{ path: variable, message: 'missing' }],
      {
        fix: `Export ${[...others, variable].join(' and ')} for the watchdog, or none of them (it then uses the brain's).`,
      },
    );
  }
  return { broker: own.secrets, databaseUrl: secretOf(env, 'SIGNET_WATCHDOG_DATABASE_URL') };
}
