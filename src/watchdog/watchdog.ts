import type pg from 'pg';
import { type Broker, defaultStopPrice, ensureProtectiveStop, type Order } from '../broker/index.ts';
import { publishWith, topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { beat } from '../heartbeats/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import { setStop } from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { haltLevelNames, raiseHalt, readHalt, readHaltFile } from './halt.ts';
import { checkInvariants, type InvariantReport, type InvariantResult } from './invariants.ts';
import { keepWatchdogMarks, watchdogMarksKey } from './marks.ts';
import type { Pager } from './pager.ts';
import { watchdogSql } from './sql.ts';

export interface WatchdogOptions {
  config: Config;
  store: Store;
  /** Its own broker connection (not the brain's); undefined for the paper broker. */
  broker: Broker | undefined;
  pager: Pager;
  logger: Logger;
  haltFile: string;
}

export interface WatchdogCheck {
  at: number;
  leader: boolean;
  level: number;
  failing: InvariantResult[];
  report: InvariantReport | null;
  flattened: boolean;
}

/**
 * The watchdog: outside the agent graph, in its own process, with its own database connection
 * and broker connection. One leads (a session advisory lock); the others stand by and take over
 * when the leader's connection ends. It only ever raises the halt level; at level 4 it cancels
 * every order and closes every position itself, then keeps checking that they stay closed.
 */
export class Watchdog {
  readonly #options: WatchdogOptions;
  #leaderClient: pg.Client | undefined;
  #leader = false;
  #holdsLock = false;
  #databaseDownSince: number | null = null;
  /** Mirrors of the stored marks, for the rounds the database is down (the stored ones win). */
  #highWaterMark = 0;
  #dayStart: { day: string; equity: number } | null = null;
  #brokerDownSince: number | null = null;
  #markedAccount: string | null | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  readonly #listeners: Array<(check: WatchdogCheck) => void> = [];

  constructor(options: WatchdogOptions) {
    this.#options = options;
  }

  get leader(): boolean {
    return this.#leader;
  }

  onCheck(listener: (check: WatchdogCheck) => void): void {
    this.#listeners.push(listener);
  }

  start(): void {
    const loop = async () => {
      if (this.#stopped) return;
      this.#running = this.check()
        .then((check) => {
          for (const listener of this.#listeners) listener(check);
        })
        .catch((error: Error) => this.#options.logger.error({ err: error.message }, 'watchdog check failed'));
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.config.watchdog.checkIntervalMs);
    };
    void loop();
  }

  /**
   * Leadership is a session advisory lock held on a dedicated connection. When that connection
   * dies the lock is gone; a leader whose database is unreachable keeps leading (nobody else can
   * take the lock meanwhile), and re-takes the lock, or stands down, once the database is back.
   */
  async #lead(): Promise<void> {
    const { store, logger } = this.#options;
    try {
      if (!this.#leaderClient) {
        const client = await store.connectClient();
        client.on('error', () => {
          if (this.#leaderClient === client) {
            this.#leaderClient = undefined;
            this.#holdsLock = false;
          }
          client.end().catch(() => {});
        });
        this.#leaderClient = client;
        this.#holdsLock = false;
      }
      if (this.#holdsLock) return;
      const result = await this.#leaderClient.query<{ leader: boolean }>(watchdogSql.tryLead());
      const was = this.#leader;
      this.#holdsLock = result.rows[0]?.leader === true;
      this.#leader = this.#holdsLock;
      if (this.#leader && !was) logger.warn({ pid: process.pid }, 'watchdog leads');
    } catch (error) {
      logger.warn(
        { err: (error as Error).message, leader: this.#leader },
        'watchdog cannot reach the database for leadership',
      );
      this.#leaderClient?.end().catch(() => {});
      this.#leaderClient = undefined;
      this.#holdsLock = false;
    }
  }

  /** One round: leadership, invariants, escalation, flatten. */
  async check(): Promise<WatchdogCheck> {
    const { store, config, broker, logger } = this.#options;
    const now = Date.now();
    try {
      await store.query('SELECT 1');
      this.#databaseDownSince = null;
    } catch {
      this.#databaseDownSince ??= now;
    }
    await this.#lead();
    const check: WatchdogCheck = {
      at: now,
      leader: this.#leader,
      level: 0,
      failing: [],
      report: null,
      flattened: false,
    };
    if (!this.#leader) return check;
    if (this.#databaseDownSince === null)
      await beat(store, 'watchdog', 'process', config.watchdog.checkIntervalMs).catch(() => {});
    const today = new Date(now).toISOString().slice(0, 10);
    const inputs = {
      config,
      db: store,
      broker,
      databaseDownSince: this.#databaseDownSince,
      brokerDownSince: this.#brokerDownSince,
      now,
      highWaterMark: this.#highWaterMark,
      dayStartEquity: this.#dayStart?.day === today ? this.#dayStart.equity : null,
      keepMarks: (equity: number, accountId: string | null) => {
        // Another account (the keys were switched): the marks in memory were the other one's.
        if (accountId !== this.#markedAccount) {
          this.#markedAccount = accountId;
          this.#highWaterMark = 0;
          this.#dayStart = null;
        }
        return keepWatchdogMarks(store, watchdogMarksKey(config.broker.kind, accountId), {
          equity,
          highWaterMark: this.#highWaterMark,
          now,
        });
      },
    };
    let report: InvariantReport;
    try {
      report = await checkInvariants(inputs);
    } catch (error) {
      // Never all or nothing: without the broker part, the database and heartbeat checks still act.
      logger.error({ err: (error as Error).message }, 'invariants could not be read whole');
      report = await checkInvariants({ ...inputs, broker: undefined });
      report.results.push({
        name: 'broker_reachable',
        ok: false,
        value: (error as Error).message,
        threshold: 'account, positions and orders readable',
        level: config.watchdog.brokerUnreachableLevel,
        detail: `the broker part of the check failed: ${(error as Error).message}`,
      });
    }
    const brokerRead = report.results.find((result) => result.name === 'broker_reachable');
    if (broker && brokerRead && brokerRead.value !== 'readable') this.#brokerDownSince ??= now;
    else this.#brokerDownSince = null;
    this.#highWaterMark = Math.max(this.#highWaterMark, report.highWaterMark);
    if (report.dayStartEquity !== null && this.#dayStart?.day !== today)
      this.#dayStart = { day: today, equity: report.dayStartEquity };
    check.report = report;
    check.failing = report.results.filter((result) => !result.ok);
    const wanted = Math.max(0, ...check.failing.map((result) => result.level));
    let current = 0;
    try {
      current = (await readHalt({ db: store, haltFile: this.#options.haltFile })).level;
    } catch {
      current = (() => {
        try {
          return readHaltFile(this.#options.haltFile).level;
        } catch {
          return 0;
        }
      })();
    }
    if (wanted > current) await this.#escalate(wanted, check.failing);
    check.level = Math.max(wanted, current);
    if (broker && check.level < 4) {
      // Excess stop quantity is trimmed whatever missingStop says: it could open a reverse position.
      const toProtect = [
        ...(config.watchdog.missingStop === 'reattach' ? report.positionsWithoutStop : []),
        ...report.overCovered,
      ];
      if (toProtect.length > 0) await this.#reattach(toProtect, report.working);
    }
    if (check.level >= 4 && broker && (report.positions > 0 || wanted >= 4)) {
      check.flattened = await this.#flatten();
    }
    return check;
  }

  async #escalate(level: number, failing: InvariantResult[]): Promise<void> {
    const { store, logger, pager, config } = this.#options;
    const reason = failing
      .filter((result) => result.level === level)
      .map((result) => result.detail)
      .join('; ');
    let journalPath: string | null = null;
    try {
      const written = await writeJournalEntry(
        {
          ts: new Date(),
          agent: 'watchdog',
          outcome: 'halted',
          decidedBy: 'watchdog',
          notes: [
            `Watchdog raised the halt to level ${level} (${haltLevelNames[level]}).`,
            ...failing.map((result) => `${result.name}: ${result.detail} (threshold ${result.threshold})`),
          ],
        },
        { db: store, root: config.paths.contextDir },
      );
      journalPath = written.path;
    } catch (error) {
      logger.error(
        { err: (error as Error).message },
        'halt not journaled (the database may be down); the halt file still holds it',
      );
    }
    const raised = await raiseHalt(
      { db: store, haltFile: this.#options.haltFile },
      { level, reason, setBy: 'watchdog', journalPath },
    );
    logger.error(
      { level, reason, databaseWritten: raised.databaseWritten },
      'watchdog raised the halt level',
    );
    pager.page({
      level,
      title: `halt level ${level} (${haltLevelNames[level]})`,
      detail: reason,
      at: new Date().toISOString(),
    });
  }

  /**
   * Protects each position the broker's stops do not cover, by the rule the monitor uses
   * (ensureProtectiveStop): idempotent, never more stop quantity than the position.
   */
  async #reattach(
    positions: InvariantReport['positionsWithoutStop'],
    working: Order[] | undefined,
  ): Promise<void> {
    const { broker, store, logger, config } = this.#options;
    if (!broker) return;
    const ledger = this.#databaseDownSince === null ? store : undefined;
    for (const position of positions) {
      const stopPrice = defaultStopPrice(position, config.watchdog.reattachStopPct, 2);
      try {
        const outcome = await ensureProtectiveStop(
          { broker, brokerName: broker.name, ledger, idPrefix: 'wd.restop', stopPrice, working },
          position,
        );
        if (!outcome.sent || !outcome.clientOrderId) continue;
        const clientOrderId = outcome.clientOrderId;
        await store
          .transaction(async (tx) => {
            await setStop(tx, broker.name, position.symbol, clientOrderId);
            await publishWith(tx, {
              fromAgent: 'watchdog',
              toAgent: 'operator',
              topic: topics.watchdogStopReattached,
              payload: { symbol: position.symbol, qty: outcome.qty, stopPrice, clientOrderId },
            });
          })
          .catch(() => {});
        logger.warn(
          { symbol: position.symbol, stopPrice, qty: outcome.qty, cancelled: outcome.cancelled },
          'watchdog re-attached a missing stop',
        );
      } catch (error) {
        logger.error(
          { symbol: position.symbol, err: (error as Error).message },
          'watchdog could not re-attach a stop',
        );
      }
    }
  }

  /** Cancels every order and closes every position at the broker; true when nothing is left open. */
  async #flatten(): Promise<boolean> {
    const { broker, store, logger, pager } = this.#options;
    if (!broker) return false;
    try {
      const before = await broker.positions();
      if (before.length > 0) {
        await broker.closeAll(`wd.flatten.${Date.now()}`);
        logger.error(
          { positions: before.map((position) => position.symbol) },
          'watchdog flattened every position',
        );
        await publishWith(store, {
          fromAgent: 'watchdog',
          toAgent: 'operator',
          topic: topics.watchdogFlattened,
          payload: { positions: before.map((position) => ({ symbol: position.symbol, qty: position.qty })) },
        }).catch(() => {});
        pager.page({
          level: 4,
          title: 'positions flattened',
          detail: before.map((position) => `${position.symbol} ${position.qty}`).join(', '),
          at: new Date().toISOString(),
        });
      }
      return (await broker.positions()).length === 0;
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'watchdog could not flatten; retrying next check');
      return false;
    }
  }

  /** Stops checking and gives up leadership. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    const client = this.#leaderClient;
    this.#leaderClient = undefined;
    this.#leader = false;
    await client?.end().catch(() => {});
    this.#options.pager.stop();
  }
}
