import type { DeciderCounts } from '../agents/index.ts';
import { Bus, topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { checkOperatorCredentialAtStart, credentialFileFor } from '../credential/index.ts';
import { SignetError } from '../errors/index.ts';
import { forgetHeartbeats, startHeartbeat } from '../heartbeats/index.ts';
import { type Ingress, simMarketView, startIngress } from '../ingress/index.ts';
import { flushJournalFiles, repairJournalFiles } from '../journal/index.ts';
import type { LlmRouter } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import { type ScheduledJob, startScheduler } from '../pipeline/index.ts';
import type { SkillRegistry } from '../skills/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { startTelegram } from '../telegram/index.ts';
import { marketVenueKinds, venueFor, venues } from '../venues/index.ts';
import { spawnWatchdogIfNeeded } from '../watchdog/index.ts';
import { loadAgents } from './agent-runtime.ts';
import { type DatabaseStatus, stepThroughOutages } from './database-wait.ts';
import { type DatabaseWatch, databaseWatch } from './database-watch.ts';
import { type Leadership, leadAccount, leaderAccountOf } from './leadership.ts';
import { MarketSession, type MarketStatus } from './market-session.ts';
import { type ResumeReport, type SessionStatus, SimSession } from './sim-session.ts';
import { type Pointers, pointersFor } from './where-to-look.ts';

export type BrainStatus =
  | { mode: 'sim'; status: SessionStatus }
  | { mode: 'market'; status: MarketStatus }
  /** The database is away (the clock waits), being restarted, or back. */
  | { mode: 'database'; status: DatabaseStatus };

export interface Brain {
  store: Store;
  bus: Bus;
  router: LlmRouter;
  skills: SkillRegistry;
  mode: 'sim' | 'market';
  symbols: string[];
  runId: string;
  /** One line on how this start began: a new run, a resumed one, what reconciliation repaired. */
  startup: string;
  /** The sim session's resume report (sim mode only). */
  resume: ResumeReport | undefined;
  /** What is configured to answer the agents: the routes, or the deterministic fallbacks. */
  deciders: string;
  /** Who actually decided since this start: per route/model, the fallbacks, failures. */
  decisions(): DeciderCounts;
  /** The HTTP server (operator API, console, MT5 EA endpoints); `describe()` is its URL. */
  ingress: Ingress;
  /** The watchdog process: launched, already running, or not started (and why). */
  watchdog: string;
  /** Where to read about one order: `signet explain`, its console page, its journal files. */
  whereToLook(clientOrderId: string): Promise<Pointers>;
  /** Starts trading: one bar per `schedule.barIntervalMs` (sim), or the scheduled jobs (market). */
  run(onStatus: (status: BrainStatus) => void): void;
  /** Resolves if this brain is deposed (another took the lock while its connection was lost): it has stopped. */
  lost: Promise<Error>;
  /** Stops everything this brain started. Safe to call twice. */
  stop(): Promise<void>;
  /** Rejects when the brain cannot go on (an embedded database folder it cannot recover); never resolves. */
  fatal: Promise<never>;
}

export interface BrainOptions {
  /** Prefix of this run's cycle and order ids (sim); default: the stored run's, or a new one. */
  runId?: string;
  /** `--live` was given: required before a live (real money) broker account is used. */
  live?: boolean;
  /** While another brain leads the account: told where the read-only console is; stops on request. */
  standby?: { announce(text: string): void; stopRequested: Promise<void> };
}

/** The standby's console: the operator port + 1 (0 stays 0), read-only; none when that port is taken. */
function standbyConsoleConfig(config: Config): Config {
  const port = config.ingress.port === 0 ? 0 : config.ingress.port + 1;
  return { ...config, ingress: { ...config.ingress, port } };
}

/**
 * Leads the account, or stands by until the leader's lock is released: meanwhile only a read-only
 * console runs (no session is opened: no cycles, orders or reconciliation writes). Null when the
 * stop came while standing by.
 */
async function leadOrStandBy(
  config: Config,
  deps: { store: Store; bus: Bus; logger: Logger },
  options: BrainOptions,
): Promise<Leadership | null> {
  const account = leaderAccountOf(config);
  return leadAccount({
    store: deps.store,
    account,
    logger: deps.logger,
    stopRequested: options.standby?.stopRequested,
    onStandby: async () => {
      const readOnly = `standby: another brain leads ${account.venue} account ${account.accountId}; this one takes over when it stops`;
      const standbyConsole = await startIngress({ ...deps, config: standbyConsoleConfig(config), readOnly });
      options.standby?.announce(
        `${readOnly}. Read-only console: ${standbyConsole.url ?? `none (${standbyConsole.describe()})`}`,
      );
      return () => standbyConsole.stop();
    },
  });
}

/** Which feed and broker each schedule mode can run with today (each venue says where it trades). */
function unsupported(config: Config): string | null {
  const venue = venueFor(config);
  const simVenues = venues.filter((each) => !each.market).map((each) => each.kind);
  if (config.schedule.mode === 'sim') {
    if (config.feed.kind !== 'sim')
      return `schedule.mode sim replays the sim feed: set feed.kind: sim (or schedule.mode: market for ${config.feed.kind})`;
    if (venue.market)
      return `schedule.mode sim trades the ${simVenues.join(' or ')} broker: set broker.kind: ${simVenues.join(' or ')}, or schedule.mode: market to trade ${venue.kind}`;
    return null;
  }
  if (!venue.market)
    return `schedule.mode market needs a real broker: set broker.kind: ${marketVenueKinds().join(' or ')} (or schedule.mode: sim for the ${venue.kind} broker)`;
  if (config.feed.kind !== venue.config.defaults.feed)
    return `broker.kind ${venue.kind} trades on its own bars: set feed.kind: ${venue.config.defaults.feed} (or remove feed.kind; it follows broker.kind)`;
  return null;
}

/**
 * Wires the brain: database (embedded or DATABASE_URL), bus, skills (hot reload), LLM router,
 * the trading session (sim feed + paper broker, or a real venue: Alpaca, MT5), ingress,
 * heartbeats. Entry points only call this and `run`.
 */
export async function startBrain(
  config: Config,
  logger: Logger,
  options: BrainOptions = {},
): Promise<Brain | null> {
  const problem = unsupported(config);
  if (problem)
    throw new SignetError(problem, {
      code: 'runtime_unsupported',
      fault: 'user',
      fix: 'Change the named key in signet.yaml.',
    });
  const watch: DatabaseWatch = databaseWatch(config, logger);
  const store = await openStore({
    config,
    logger,
    applicationName: 'signet-brain',
    onEmbeddedEvent: (event) => watch.onEmbeddedEvent(event),
  });
  await checkOperatorCredentialAtStart(
    { db: store, file: credentialFileFor(config.dataPath) },
    config.secrets.operatorToken,
  ).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const bus = new Bus({ store, logger, settings: config.bus });
  let leadership: Leadership | null;
  try {
    leadership = await leadOrStandBy(config, { store, bus, logger }, options);
  } catch (error) {
    await bus.stop();
    await store.close();
    throw error;
  }
  if (leadership === null) {
    await bus.stop();
    await store.close();
    return null;
  }
  const leader = leadership;
  let skills: SkillRegistry | undefined;
  let closeAgents: (() => void) | undefined;
  let ingress: Ingress | undefined;
  let market: MarketSession | undefined;
  try {
    // Decision files a crash lost or tore come back from their rows before anything is journaled.
    const journalRepair = await repairJournalFiles({ db: store, root: config.paths.contextDir });
    if (journalRepair.rewritten.length > 0)
      logger.warn({ rewritten: journalRepair.rewritten }, 'journal files written again from their rows');
    const loaded = await loadAgents(config, { store, bus, logger, watch: true, llm: true });
    watch.attach({ store, pager: loaded.pager });
    skills = loaded.skills;
    closeAgents = loaded.close;
    const { router, deciders, agents } = loaded;

    let sim: SimSession | undefined;
    let resume: ResumeReport | undefined;
    let runId: string;
    let symbols: string[];
    let startup: string;
    if (config.schedule.mode === 'market') {
      const opened = await MarketSession.open({
        config,
        store,
        bus,
        logger,
        agents,
        liveConfirmed: options.live === true,
      });
      market = opened.session;
      runId = market.runId;
      symbols = market.symbols;
      startup = `${runId} on ${market.venue} (${opened.reconciled} table repairs at start, ${opened.repairs.length} interrupted orders completed)`;
    } else {
      const opened = await SimSession.open({ config, store, bus, logger, agents, runId: options.runId });
      sim = opened.session;
      resume = opened.resume;
      await sim.serveOperatorExits();
      runId = sim.runId;
      symbols = sim.symbols;
      startup = resume.resumed
        ? `${runId} resumed after bar ${resume.cursor} (${resume.replayedRequests} paper requests replayed, ${resume.reconciled} table repairs, ${resume.repairs.length} interrupted orders completed)`
        : `${runId} (new)`;
    }
    const simSession = sim;
    ingress = await startIngress({
      store,
      bus,
      config,
      logger,
      market: simSession ? simMarketView(config.feed.sim, () => simSession.cursor) : market?.marketView(),
      decisions: () => agents.tally.counts(),
    });
    // The operator's Telegram bot (telegram.enabled): long polling, so no inbound port.
    const telegram = startTelegram({ config, store, bus, logger });
    const heartbeat = startHeartbeat(store, logger, 'brain', 'process', config.watchdog.brainHeartbeatMs);
    const watchdog = await spawnWatchdogIfNeeded(config, store, logger);
    await bus.publish({
      fromAgent: 'brain',
      toAgent: 'operator',
      topic: topics.systemStarted,
      payload: {
        pid: process.pid,
        runId,
        mode: config.schedule.mode,
        dataPath: config.dataPath,
        config: config.source ?? null,
        // What is configured to decide; the console and the status line count who did.
        configured: deciders,
        symbols,
        startup,
      },
    });
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let scheduler: ReturnType<typeof startScheduler> | undefined;
    let stopped = false;
    const loadedSkills = skills;
    const startedIngress = ingress;
    const marketSession = market;
    const brain: Brain = {
      store,
      bus,
      router,
      skills: loadedSkills,
      mode: config.schedule.mode,
      symbols,
      runId,
      startup,
      resume,
      deciders,
      decisions: () => agents.tally.counts(),
      ingress: startedIngress,
      watchdog,
      fatal: watch.fatal,
      lost: leader.lost,
      whereToLook: (clientOrderId) =>
        pointersFor(store, clientOrderId, {
          consoleUrl: startedIngress.url,
          contextDir: config.paths.contextDir,
        }),
      run(onStatus) {
        // The embedded server's deaths and restarts, and the sim clock's waits, on the status line.
        watch.onStatus((status) => {
          if (!stopped) onStatus({ mode: 'database', status });
        });
        if (marketSession) {
          scheduler = startScheduler({
            jobs: whileLeading(
              leader,
              marketSession.jobs((status) => onStatus({ mode: 'market', status })),
            ),
            timezone: config.schedule.timezone,
            db: store,
            logger,
          });
          return;
        }
        const session = simSession!;
        const outageDeps = watch.outageDeps({
          latchLevel: config.watchdog.simDatabaseLossLevel,
          stopped: () => stopped,
        });
        const tick = async () => {
          if (stopped || (session.finished && !session.barInProgress)) return;
          const started = Date.now();
          try {
            // The clock waits for the database, and for the leader lock (lost with the database's
            // connections): the same bar is tried until it is done or the run stops. Without the
            // lock no cycle and no order runs; an outage meanwhile is lived (latched, journaled) as any.
            const status = await stepThroughOutages(outageDeps, {
              bar: () => session.cursor + (session.barInProgress ? 0 : 1),
              step: () => {
                if (!leader.held()) throw new Error('the leader lock is not held: the bar waits for it');
                return session.step();
              },
              recover: () => session.recoverBar(),
              ready: () => leader.held(),
            });
            if (status && !stopped) onStatus({ mode: 'sim', status });
          } catch (error) {
            session.abandonBar();
            logger.error(
              { err: (error as Error).message },
              'bar step failed (not the database); the next bar goes on',
            );
          }
          if (stopped) return;
          const wait = Math.max(0, config.schedule.barIntervalMs - (Date.now() - started));
          timer = setTimeout(() => {
            running = tick();
          }, wait);
        };
        running = tick();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        watch.stop();
        if (timer) clearTimeout(timer);
        scheduler?.stop();
        // The bar in progress completes; then every broker event still queued is written, so the
        // next start finds the tables as the broker left them (no repairs).
        await running;
        await simSession?.flush();
        await startedIngress.stop().catch(() => {});
        await telegram?.stop().catch(() => {});
        await marketSession?.stop().catch(() => {});
        await flushJournalFiles(store).catch((error: unknown) =>
          logger.warn({ err: error }, 'journal files not flushed: the next start checks them'),
        );
        heartbeat.stop();
        // A clean stop is not a death: the watchdog must not halt on the heartbeats it leaves behind.
        await forgetHeartbeats(store, ['brain'], ['job']).catch(() => {});
        await loaded.close();
        await bus
          .publish({
            fromAgent: 'brain',
            toAgent: 'operator',
            topic: topics.systemStopped,
            payload: { pid: process.pid },
          })
          .catch(() => {});
        await bus.stop();
        // Released last: the standby takes over from tables this brain has finished writing.
        await leader.release();
        await store.close();
      },
    };
    stopTradingWhenLost(brain, logger);
    return brain;
  } catch (error) {
    watch.stop();
    await ingress?.stop().catch(() => {});
    await market?.stop().catch(() => {});
    if (closeAgents) closeAgents();
    else skills?.close();
    await bus.stop();
    await leader.release();
    await store.close();
    throw error;
  }
}

/** A market job runs only while the lock is held; a run without it is skipped, said in the log. */
function whileLeading(leader: Leadership, jobs: ScheduledJob[]): ScheduledJob[] {
  return jobs.map((job) => ({
    ...job,
    run: async (at: Date) => {
      if (!leader.held()) throw new Error(`${job.name}: the leader lock is not held, skipped`);
      return job.run(at);
    },
  }));
}

/**
 * A leader deposed while it had lost its lock connection is no longer the only one: another brain
 * leads now. It stops at once (no next cycle, no next order) rather than trade beside it.
 */
function stopTradingWhenLost(brain: Brain, logger: Logger): void {
  void brain.lost.then((error) => {
    logger.error({ err: error.message }, 'deposed as leader: this brain stops trading');
    return brain.stop().catch(() => {});
  });
}
