import path from 'node:path';
import type { Config } from '../config/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import type { EmbeddedEvent, Store, StoreUnavailableError } from '../store/index.ts';
import { haltFileFor, type Pager } from '../watchdog/index.ts';
import type { DatabaseStatus, OutageDeps } from './database-wait.ts';

/**
 * The brain's side of its database: the supervised embedded server's deaths and restarts (paged,
 * journaled with their length, on the status line), the bar loop's outage settings, and the one
 * fatal case, a folder the server cannot recover from.
 */
export interface DatabaseWatch {
  attach(deps: { store: Store; pager: Pager }): void;
  onEmbeddedEvent(event: EmbeddedEvent): void;
  onStatus(listener: (status: DatabaseStatus) => void): void;
  outageDeps(options: { latchLevel: number; stopped(): boolean }): OutageDeps;
  /** Rejects with the unrecoverable folder's error; never resolves. */
  fatal: Promise<never>;
  /** Ends every wait (a stop during an outage is prompt). */
  stop(): void;
}

export function databaseWatch(config: Config, logger: Logger): DatabaseWatch {
  let attached: { store: Store; pager: Pager } | undefined;
  let listener: (status: DatabaseStatus) => void = () => {};
  let failFatal: (error: StoreUnavailableError) => void = () => {};
  const fatal = new Promise<never>((_resolve, reject) => {
    failFatal = reject;
  });
  // Nobody may be listening yet (or ever, in a test): the rejection is still delivered to whoever awaits it.
  fatal.catch(() => {});
  const stopping = new AbortController();
  const journalRoot = path.resolve(config.paths.contextDir);
  const status = (state: DatabaseStatus['state'], downForMs: number, detail: string): DatabaseStatus => ({
    state,
    bar: null,
    downForMs,
    attempts: 0,
    latchedLevel: null,
    detail,
  });
  const page = (level: number, title: string, detail: string) =>
    void attached?.pager.page({ level, title, detail, at: new Date().toISOString() });

  const restarted = async (downForMs: number) => {
    const line = `the embedded PostgreSQL died and was restarted by the brain after ${(downForMs / 1000).toFixed(1)} s (PostgreSQL crash recovery)`;
    page(1, 'embedded database restarted', line);
    listener(status('restarted', downForMs, line));
    if (!attached) return;
    await writeJournalEntry(
      {
        ts: new Date(),
        agent: 'database',
        outcome: 'reconciled',
        decidedBy: 'code',
        notes: [line],
        summary: { event: 'database.restarted', downForMs },
      },
      { db: attached.store, root: journalRoot },
    ).catch((error: Error) => logger.error({ err: error.message }, 'restart journal entry not written'));
  };

  return {
    attach(deps) {
      attached = deps;
    },
    onEmbeddedEvent(event) {
      if (event.kind === 'died') {
        page(1, 'embedded database died', 'the brain restarts it; the clock waits');
        listener(status('restarting', 0, 'the embedded PostgreSQL died; the brain restarts it'));
      } else if (event.kind === 'restarted') {
        void restarted(event.downForMs);
      } else {
        logger.fatal(
          { err: event.error.message, fix: event.error.fix },
          'the embedded PostgreSQL cannot be recovered',
        );
        page(4, 'embedded database cannot be recovered', `${event.error.message} Fix: ${event.error.fix}`);
        failFatal(event.error);
      }
    },
    onStatus(next) {
      listener = next;
    },
    outageDeps(options) {
      if (!attached) throw new Error('databaseWatch: attach the store before the bar loop runs');
      const { store, pager } = attached;
      return {
        config,
        store,
        logger,
        pager,
        haltStore: { db: store, haltFile: haltFileFor(config.dataPath) },
        journalRoot,
        latchLevel: options.latchLevel,
        onStatus: (value) => listener(value),
        stopped: options.stopped,
        sleep: (ms) =>
          new Promise<void>((resolve) => {
            if (stopping.signal.aborted) return resolve();
            const timer = setTimeout(resolve, ms);
            stopping.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                resolve();
              },
              { once: true },
            );
          }),
      };
    },
    fatal,
    stop() {
      stopping.abort();
    },
  };
}
