import type { Command } from 'commander';
import { type Config, loadConfig } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';
import { openStore, type Store } from '../store/index.ts';

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

export interface CliContext {
  config(): Config;
  logger(): Logger;
  /** Opens (and migrates) the database; closed by `closeAll` when the command ends. */
  store(): Promise<Store>;
  /** Registers cleanup that runs when the command finishes or the process is interrupted. */
  onClose(cleanup: () => Promise<void>): void;
  closeAll(): Promise<void>;
  out(text: string): void;
  json(value: unknown): void;
}

export function createCliContext(program: Command): CliContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  let store: Promise<Store> | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  const context: CliContext = {
    config() {
      if (!config) {
        const options = program.opts<GlobalOptions>();
        config = loadConfig({ file: options.config });
      }
      return config;
    },
    logger() {
      if (!logger) logger = createLogger({ level: context.config().logLevel });
      return logger;
    },
    store() {
      if (!store) {
        store = openStore({
          config: context.config(),
          logger: context.logger(),
          applicationName: 'signet-cli',
        });
        store.then((opened) => cleanups.push(() => opened.close())).catch(() => {});
      }
      return store;
    },
    onClose(cleanup) {
      cleanups.push(cleanup);
    },
    async closeAll() {
      while (cleanups.length > 0) {
        const cleanup = cleanups.pop();
        await cleanup?.().catch(() => {});
      }
    },
    out(text) {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    json(value) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
  return context;
}

/** Prints an error for a person: what went wrong and how to fix it; never a stack unless asked. */
export function describeError(error: unknown): string {
  if (error instanceof SignetError) {
    const lines = [`error: ${error.message}`];
    if (error.fix) lines.push(`fix: ${error.fix}`);
    if (process.env.SIGNET_DEBUG && error.stack) lines.push(error.stack);
    return lines.join('\n');
  }
  if (error instanceof Error)
    return `error: ${error.message}${process.env.SIGNET_DEBUG ? `\n${error.stack}` : ''}`;
  return `error: ${String(error)}`;
}
