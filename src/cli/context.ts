import type { Command } from 'commander';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

export interface CliContext {
  /**
   * Loads the modules behind config(), logger() and store() (YAML, pino, pg, the embedded
   * server): every command but a fast backtest awaits it before it runs (main.ts), so a
   * backtest over CSV files without the database starts without them.
   */
  prepare(): Promise<void>;
  /** The config file's settings; prepare() first. */
  config(): Config;
  /** prepare() first. */
  logger(): Logger;
  /** Opens (and migrates) the database; closed by `closeAll` when the command ends. Prepares itself. */
  store(): Promise<Store>;
  /** Registers cleanup that runs when the command finishes or the process is interrupted. */
  onClose(cleanup: () => Promise<void>): void;
  closeAll(): Promise<void>;
  out(text: string): void;
  json(value: unknown): void;
}

interface Services {
  loadConfig: typeof import('../config/index.ts').loadConfig;
  createLogger: typeof import('../logging/index.ts').createLogger;
  openStore: typeof import('../store/index.ts').openStore;
}

export function createCliContext(program: Command): CliContext {
  let services: Services | undefined;
  let loading: Promise<void> | undefined;
  const loaded = (): Services => {
    if (!services) throw new Error('the CLI context was used before context.prepare()');
    return services;
  };
  let config: Config | undefined;
  let logger: Logger | undefined;
  let store: Promise<Store> | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  const context: CliContext = {
    prepare() {
      loading ??= Promise.all([
        import('../config/index.ts'),
        import('../logging/index.ts'),
        import('../store/index.ts'),
      ]).then(([configModule, loggingModule, storeModule]) => {
        services = {
          loadConfig: configModule.loadConfig,
          createLogger: loggingModule.createLogger,
          openStore: storeModule.openStore,
        };
      });
      return loading;
    },
    config() {
      if (!config) {
        const options = program.opts<GlobalOptions>();
        config = loaded().loadConfig({ file: options.config });
      }
      return config;
    },
    logger() {
      if (!logger) logger = loaded().createLogger({ level: context.config().logLevel });
      return logger;
    },
    store() {
      if (!store) {
        const open = () =>
          loaded().openStore({
            config: context.config(),
            logger: context.logger(),
            applicationName: 'signet-cli',
          });
        // Prepared (every command but a fast backtest): opened at once, as before.
        store = services ? open() : context.prepare().then(open);
        store.then((opened) => cleanups.push(() => opened.close())).catch(() => {});
      }
      return store;
    },
    onClose(cleanup) {
      cleanups.push(cleanup);
    },
    async closeAll() {
      // A store still opening (asked for ahead, and the command failed before it used it) is
      // closed once open: left open, its pool would hold the process and an embedded server
      // this process started would outlive it.
      await store?.catch(() => undefined);
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
