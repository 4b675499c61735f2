import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log object. Secrets are only read in
 * config/, but a config object handed to a logger by mistake must still not leak.
 */
const redactedPaths = [
  '*.apiKey',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'apiKey',
  'password',
  'token',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where log lines go; defaults to stderr so stdout stays the CLI's own output. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      // The environment wins over the config file, so one run can be made quieter or louder.
      // biome-ignore lint/style/noProcessEnv: a per-run override of the level, not a setting (no secret)
      level: process.env.SIGNET_LOG_LEVEL ?? options.level ?? 'info',
      name: options.name ?? 'signet',
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything: for tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
