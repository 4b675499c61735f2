import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Broker } from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { packageRoot } from '../platform/index.ts';
import {
  createStoreFromUrl,
  openStore,
  poolSettings,
  type Store,
  startEmbeddedPostgres,
  withDatabase,
} from '../store/index.ts';
import { venueFor } from '../venues/index.ts';
import { haltFileFor } from './halt.ts';
import { logNotifier, type Notifier, Pager, webhookNotifier } from './pager.ts';
import { heartbeatStatuses } from './status.ts';
import { Watchdog } from './watchdog.ts';

/**
 * The database for the watchdog. Unlike the brain it must run when the database does not: it
 * still holds the halt file and its broker connection, so a database it cannot reach at start is
 * a state to watch (and escalate), not a reason to exit.
 */
async function watchdogStore(config: Config, logger: Logger): Promise<Store> {
  try {
    return await openStore({ config, logger, migrate: false, applicationName: 'signet-watchdog' });
  } catch (error) {
    const storeOptions = {
      ...poolSettings(config.database),
      poolSize: 4,
      logger,
      applicationName: 'signet-watchdog',
    };
    const url = config.secrets.databaseUrl?.reveal();
    if (!url) {
      const embedded = await startEmbeddedPostgres({
        dir: path.resolve(config.dataPath, config.database.embeddedDir),
        preferredPort: config.database.embeddedPort,
        logger,
      });
      return createStoreFromUrl(withDatabase(embedded.url, 'signet'), storeOptions);
    }
    logger.error(
      { err: (error as Error).message },
      'watchdog starts without the database; it will escalate if it stays away',
    );
    return createStoreFromUrl(url, storeOptions);
  }
}

/** The watchdog's own broker connection (none where the broker lives in the brain, as the paper one does). */
export function watchdogBroker(config: Config, logger: Logger, store: Store): Broker | undefined {
  return venueFor(config).watchdogBroker(config, { logger, store });
}

/**
 * The configuration as the watchdog sees it: its own venue keys and database URL where they
 * are set (SIGNET_WATCHDOG_*), so it can still flatten when the brain's keys are revoked or its
 * role is locked out; otherwise the brain's.
 */
export function watchdogView(config: Config): Config {
  const own = config.secrets.watchdog;
  return {
    ...config,
    secrets: {
      ...config.secrets,
      databaseUrl: own.databaseUrl ?? config.secrets.databaseUrl,
      // The config reads a venue's own set whole or not at all, so no brain key is mixed in.
      broker: { ...config.secrets.broker, ...own.broker },
    },
  };
}

export async function startWatchdog(
  brainConfig: Config,
  logger: Logger,
): Promise<{ watchdog: Watchdog; store: Store; stop(): Promise<void> }> {
  const config = watchdogView(brainConfig);
  const store = await watchdogStore(config, logger);
  const notifiers: Notifier[] = [logNotifier(logger)];
  if (config.watchdog.webhookUrl) notifiers.push(webhookNotifier(config.watchdog.webhookUrl));
  const pager = new Pager(notifiers, logger, config.watchdog.pageRetryMs);
  const watchdog = new Watchdog({
    config,
    store,
    broker: watchdogBroker(config, logger, store),
    pager,
    logger,
    haltFile: haltFileFor(config.dataPath),
  });
  watchdog.start();
  return {
    watchdog,
    store,
    async stop() {
      await watchdog.stop();
      await store.close();
    },
  };
}

const binPath = path.join(packageRoot(), 'bin', 'signet.js');

/**
 * Launches `signet watchdog` detached, so it outlives the brain, unless a watchdog already beats.
 * Its output goes to `<dataDir>/watchdog.log`.
 */
export async function spawnWatchdogIfNeeded(config: Config, store: Store, logger: Logger): Promise<string> {
  const autostart = config.watchdog.autostart;
  if (autostart === 'never' || (autostart === 'market' && config.schedule.mode !== 'market'))
    return `not started (watchdog.autostart: ${autostart})`;
  const beats = await heartbeatStatuses(store);
  const running = beats.find((beat) => beat.name === 'watchdog' && !beat.stale);
  if (running) return `already running (pid ${running.pid ?? '?'})`;
  mkdirSync(config.dataPath, { recursive: true });
  const logFile = path.join(config.dataPath, 'watchdog.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [binPath, 'watchdog'], {
    detached: true,
    // Windows: no console window of its own for the detached child.
    windowsHide: true,
    stdio: ['ignore', out, out],
    // biome-ignore lint/style/noProcessEnv: passed through unread: the watchdog reads its config itself
    env: process.env,
    cwd: process.cwd(),
  });
  child.unref();
  closeSync(out);
  logger.info({ pid: child.pid, logFile }, 'watchdog launched');
  return `pid ${child.pid}, log ${logFile}`;
}
