import type { Config } from '../config/index.ts';
import { type JournalEntryInput, writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { isConnectionError, type Store } from '../store/index.ts';
import { type HaltStore, haltLevelNames, type Pager, raiseHalt } from '../watchdog/index.ts';

/** What the status line shows while the database is away, and when it is back. */
export interface DatabaseStatus {
  state: 'waiting' | 'back' | 'restarting' | 'restarted';
  /** The bar the clock waits on (sim), or null. */
  bar: number | null;
  downForMs: number;
  attempts: number;
  /** The halt level this outage latched, or null. */
  latchedLevel: number | null;
  detail: string;
}

/** A failure whose cause, anywhere down its `cause` chain, is the connection to the database. */
export function isStorageFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    if (isConnectionError(current) || (current as { code?: unknown }).code === 'store_unavailable')
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export async function databaseAnswers(store: Store): Promise<boolean> {
  try {
    await store.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** Backoff between tries: 250 ms doubling to 4 s, so a short outage costs little and a long one little load. */
export function backoffMs(attempt: number): number {
  return Math.min(4_000, 250 * 2 ** Math.max(0, attempt - 1));
}

export interface OutageDeps {
  config: Config;
  store: Store;
  logger: Logger;
  pager: Pager;
  haltStore: HaltStore;
  journalRoot: string;
  /** The level a loss longer than `watchdog.databaseUnreachableMs` latches in this mode. */
  latchLevel: number;
  onStatus(status: DatabaseStatus): void;
  stopped(): boolean;
  /** Sleeps `ms`, waking early when the run is stopped. */
  sleep(ms: number): Promise<void>;
}

/**
 * One database outage as the brain lives it: the clock waits, the status line and the log say
 * so, a loss longer than `watchdog.databaseUnreachableMs` latches a halt (file at once, database
 * once it answers), and the end is paged and journaled with its length.
 */
export class Outage {
  readonly startedAt = Date.now();
  attempts = 0;
  latchedLevel: number | null = null;

  constructor(
    private readonly deps: OutageDeps,
    private readonly bar: number | null,
  ) {}

  get downForMs(): number {
    return Date.now() - this.startedAt;
  }

  status(state: DatabaseStatus['state'], detail: string): DatabaseStatus {
    return {
      state,
      bar: this.bar,
      downForMs: this.downForMs,
      attempts: this.attempts,
      latchedLevel: this.latchedLevel,
      detail,
    };
  }

  /** One failed try: logged, shown, and the halt latched once the loss is long enough. */
  async failed(error: unknown): Promise<void> {
    this.attempts += 1;
    const { logger, config } = this.deps;
    const message = error instanceof Error ? error.message : String(error);
    logger.warn(
      { err: message, bar: this.bar, attempt: this.attempts, downForMs: this.downForMs },
      'database unreachable; the clock waits for it and this bar is tried again',
    );
    if (this.latchedLevel === null && this.downForMs > config.watchdog.databaseUnreachableMs)
      await this.#latch();
    this.deps.onStatus(this.status('waiting', message));
  }

  async #latch(): Promise<void> {
    const level = this.deps.latchLevel;
    this.latchedLevel = level;
    const reason = `database unreachable for more than ${this.deps.config.watchdog.databaseUnreachableMs} ms`;
    // The file is written at once; the database row follows when it answers (`ended`).
    await raiseHalt(this.deps.haltStore, { level, reason, setBy: 'brain' });
    this.deps.logger.error({ level, reason }, `halt latched at level ${level} (${haltLevelNames[level]})`);
    void this.deps.pager.page({
      level,
      title: `database unreachable: halt level ${level} latched`,
      detail: `${reason}; the brain waits for it (bar ${this.bar ?? '-'}). Only the operator resumes (signet resume).`,
      at: new Date().toISOString(),
    });
  }

  /** The database answers again: the halt is written there too, and the outage is journaled and paged. */
  async ended(cause: string): Promise<void> {
    const { logger, haltStore, config } = this.deps;
    const downForMs = this.downForMs;
    if (this.latchedLevel !== null) {
      await raiseHalt(haltStore, {
        level: this.latchedLevel,
        reason: `database unreachable for ${(downForMs / 1000).toFixed(1)} s (over ${config.watchdog.databaseUnreachableMs} ms)`,
        setBy: 'brain',
      });
    }
    const line = `database unreachable for ${(downForMs / 1000).toFixed(1)} s (${cause}); the clock waited${this.bar === null ? '' : ` at bar ${this.bar}`}, no bar skipped`;
    logger.warn({ downForMs, attempts: this.attempts, latchedLevel: this.latchedLevel }, line);
    const entry: JournalEntryInput = {
      ts: new Date(),
      agent: 'database',
      outcome: this.latchedLevel === null ? 'error' : 'halted',
      decidedBy: 'code',
      notes: [
        line,
        this.latchedLevel === null
          ? `Shorter than watchdog.databaseUnreachableMs (${config.watchdog.databaseUnreachableMs} ms): no halt.`
          : `Halt level ${this.latchedLevel} latched; only the operator resumes.`,
      ],
      summary: {
        event: 'database.outage',
        downForMs,
        attempts: this.attempts,
        latchedLevel: this.latchedLevel,
      },
    };
    await writeJournalEntry(entry, { db: this.deps.store, root: this.deps.journalRoot }).catch(
      (error: Error) => logger.error({ err: error.message }, 'outage journal entry not written'),
    );
    void this.deps.pager.page({
      level: this.latchedLevel ?? 1,
      title: 'database back',
      detail: line,
      at: new Date().toISOString(),
    });
    this.deps.onStatus(this.status('back', line));
  }
}

/**
 * Runs one bar until it succeeds or the run is stopped: a storage failure (or any failure while
 * the database does not answer) waits with backoff and tries the same bar again, after `recover`;
 * any other failure is thrown to the caller. Returns undefined when stopped while waiting.
 */
export async function stepThroughOutages<T>(
  deps: OutageDeps,
  work: {
    bar(): number | null;
    step(): Promise<T>;
    /** Runs once the database answers again, before the bar is tried again. */
    recover(): Promise<unknown>;
    /**
     * Whether the bar may be tried again besides the database answering (the leader lock, lost
     * with the database's connections, regained); while false, the wait goes on. Default: yes.
     */
    ready?(): boolean;
  },
): Promise<T | undefined> {
  const ready = () => work.ready?.() ?? true;
  let outage: Outage | undefined;
  while (true) {
    try {
      if (outage) await work.recover();
      const value = await work.step();
      if (outage) await outage.ended('recovered');
      return value;
    } catch (error) {
      const storage = isStorageFailure(error) || !ready() || !(await databaseAnswers(deps.store));
      if (!storage) {
        if (outage) await outage.ended('recovered, then the bar failed for another reason');
        throw error;
      }
      outage ??= new Outage(deps, work.bar());
      await outage.failed(error);
      if (deps.stopped()) return undefined;
      // Wait until the database answers before the bar is tried again; a stop ends the wait.
      while (!deps.stopped()) {
        await deps.sleep(backoffMs(outage.attempts));
        if (deps.stopped() || ((await databaseAnswers(deps.store)) && ready())) break;
        await outage.failed(new Error('the database does not answer'));
      }
      if (deps.stopped()) return undefined;
    }
  }
}
