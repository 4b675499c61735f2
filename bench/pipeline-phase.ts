import path from 'node:path';
import { Bus } from '../src/bus/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { flushJournalFiles } from '../src/journal/index.ts';
import { markOrder } from '../src/ledger/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { type BarSeries, generateSimSeries } from '../src/market/index.ts';
import { AgentDesk, runDecisionCycle } from '../src/pipeline/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { counted } from './counted-store.ts';
import { clusterCpuMs, mainThreadCpuMs, threadSchedule } from './cpu.ts';
import { benchRouter, deps, loadSessionParts, type SessionParts } from './pipeline-cycle.ts';
import { scratchFolder } from './scratch.ts';
import { type BenchResult, percentile } from './types.ts';

/**
 * A measured phase of the pipeline benchmark (bench/pipeline.ts) and of the long-running one
 * (bench/pipeline-long.ts): cycles of five candidates as a live session runs them, each timed,
 * with the CPU, statements and waits behind them.
 */

/**
 * What a candidate cost over the measured cycles: CPU, this process's (all its threads), its main
 * thread's and the cluster's; statements sent.
 */
export interface CandidateCost {
  nodeMs: number;
  mainMs: number;
  databaseMs: number;
  statements: number;
}

/** What every measured phase shares. */
export interface BenchParts {
  session: SessionParts;
  store: Store;
  bus: Bus;
  universe: BarSeries[];
  journalRoot: string;
  dataDir: string;
  count: { statements: number };
}

export interface PhaseResult {
  perCandidate: number[];
  cpu: CandidateCost;
  /** The main thread's busy share of the measured cycles' wall time (event loop utilization). */
  mainBusy: number;
  /** How the measured candidates ended, e.g. `vetoed 1000`. */
  outcomes: string;
  /** Database connections the pool opened during the measured cycles. */
  connectionsOpened: number;
  /** Where the slowest cycles' time went against the median cycle's (Linux schedstat). */
  tail: CycleTail;
}

/**
 * The main thread's wait for a CPU (runnable, not running) in the slowest 2 % of the measured
 * cycles and in the median cycle, beside their wall time; and this process's other threads' CPU
 * a candidate over the phase. All ms; NaN where /proc has no schedstat.
 */
export interface CycleTail {
  slowestWallMs: number;
  slowestWaitMs: number;
  medianWallMs: number;
  medianWaitMs: number;
  otherThreadsMs: number;
}

/** A measured cycle's wall time and its main thread's wait for a CPU. */
interface TimedCycle {
  wallMs: number;
  waitMs: number;
}

function cycleTail(cycles: TimedCycle[], otherThreadsMs: number): CycleTail {
  const sorted = [...cycles].sort((a, b) => a.wallMs - b.wallMs);
  const slowest = sorted.slice(Math.floor(sorted.length * 0.98));
  const middle = sorted[Math.floor(sorted.length / 2)];
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    slowestWallMs: mean(slowest.map((cycle) => cycle.wallMs)),
    slowestWaitMs: mean(slowest.map((cycle) => cycle.waitMs)),
    medianWallMs: middle?.wallMs ?? Number.NaN,
    medianWaitMs: middle?.waitMs ?? Number.NaN,
    otherThreadsMs,
  };
}

/**
 * Per-candidate overhead of `rounds` cycles of 5 candidates at a parallelism (or of as many as
 * `forMs` holds, when given), after two warm-up rounds, sorted; and the CPU a candidate took (the robust figure on a machine whose wall clock
 * swings from one run to the next). Measured cycles on the same symbols end vetoed: the Risk Gate
 * finds the warm-up's entry orders still working (the paper broker of a finished cycle never
 * fills them). `executed` gives every round symbols of its own and a day's budget above the
 * count of candidates, so each candidate goes through the executor: order intent, submission,
 * its messages and its journal entry.
 */
export async function overheadPerCandidate(
  parts: BenchParts,
  phase: { parallelism: number; rounds: number; executed?: boolean; idleBeforeMs?: number; forMs?: number },
): Promise<PhaseResult> {
  const { session, store, bus, universe, journalRoot, dataDir, count } = parts;
  const { parallelism, rounds, executed = false, idleBeforeMs = 0, forMs } = phase;
  let measuredFrom = 0;
  // A phase bounded in time runs on until its time is up, `rounds` cycles at least.
  const more = (round: number) =>
    round < rounds + 2 || (forMs !== undefined && performance.now() - measuredFrom < forMs);
  let connectionsOpened = 0;
  const onConnect = () => {
    connectionsOpened += 1;
  };
  // One desk and one router for the session, as live: the Macro Officer and the CEO decide on
  // the day's first cycle (a warm-up round) and every later cycle reads their view; the routes'
  // circuit breakers are read once, at the first call (a router per cycle read them every cycle).
  const desk = new AgentDesk();
  const router = benchRouter(store, 0);
  const perCandidate: number[] = [];
  const outcomes = new Map<string, number>();
  let nodeMs = 0;
  let mainMs = 0;
  let databaseMs = 0;
  let statements = 0;
  let measured = 0;
  let busyMs = 0;
  let wallMs = 0;
  let otherThreadsMs = 0;
  const timed: TimedCycle[] = [];
  for (let round = 0; more(round); round += 1) {
    if (round === 2) measuredFrom = performance.now();
    // Each round's deps get a new broker; ids differ by cycle id.
    // Each cycle sees series of its own, as live cycles get theirs from the feed: nothing an agent
    // derived from one cycle's bars (the frozen windows, their rendered text) carries to the next.
    const cycleUniverse = universe.map((series) =>
      executed ? { ...series, symbol: `${series.symbol}R${round}` } : { ...series },
    );
    const budget = executed ? 100_000 : undefined;
    const instant = {
      ...(await deps(session, store, bus, cycleUniverse, 0, journalRoot, parallelism, [], budget, router)),
      desk,
    };
    // A live cycle comes a bar after the last: nothing of this process uses the database meanwhile.
    if (idleBeforeMs > 0) await new Promise((resolve) => setTimeout(resolve, idleBeforeMs));
    if (round === 2) store.pool.on('connect', onConnect);
    // CPU around the cycle alone (the deps above build a router and a broker: not part of a live cycle).
    const databaseStarted = clusterCpuMs(dataDir);
    // Read before this process's CPU starts counting, as its end is read after: the /proc reads
    // stay out of the node CPU a candidate.
    const scheduleStarted = threadSchedule();
    const statementsBefore = count.statements;
    const mainStarted = mainThreadCpuMs();
    const nodeStarted = process.cpuUsage();
    const loopStarted = performance.eventLoopUtilization();
    const started = performance.now();
    const report = await runDecisionCycle(instant, `bench-overhead-${parallelism}-${round}`, cycleUniverse);
    const elapsed = performance.now() - started;
    const loop = performance.eventLoopUtilization(loopStarted);
    const node = process.cpuUsage(nodeStarted);
    const mainUsed = mainThreadCpuMs() - mainStarted;
    const schedule = threadSchedule();
    const databaseUsed = clusterCpuMs(dataDir) - databaseStarted;
    if (round >= 2) {
      perCandidate.push(elapsed / report.candidates.length);
      measured += report.candidates.length;
      nodeMs += (node.user + node.system) / 1000;
      mainMs += mainUsed;
      databaseMs += databaseUsed;
      statements += count.statements - statementsBefore;
      busyMs += loop.active;
      wallMs += loop.active + loop.idle;
      otherThreadsMs += schedule.otherThreadsMs - scheduleStarted.otherThreadsMs;
      timed.push({ wallMs: elapsed, waitMs: schedule.mainWaitMs - scheduleStarted.mainWaitMs });
      for (const { outcome } of report.candidates) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // A live desk has a few working orders, not one per cycle ever run (the Risk Gate reads them
    // all per candidate): the round's entries end, untimed, as a finished day's would.
    for (const { clientOrderId } of executed ? report.candidates : []) {
      if (clientOrderId) await markOrder(store, clientOrderId, 'cancelled', 'bench: the round is over');
    }
  }
  store.pool.off('connect', onConnect);
  const cpu = {
    nodeMs: nodeMs / measured,
    mainMs: mainMs / measured,
    databaseMs: databaseMs / measured,
    statements: statements / measured,
  };
  return {
    perCandidate: perCandidate.sort((a, b) => a - b),
    cpu,
    mainBusy: busyMs / wallMs,
    outcomes: [...outcomes].map(([outcome, times]) => `${outcome} ${times}`).join(', '),
    connectionsOpened,
    tail: cycleTail(timed, otherThreadsMs / measured),
  };
}

/**
 * A session's parts for the pipeline's phases: a store on a scratch folder's embedded cluster (or
 * DATABASE_URL), its statements counted, the bus, the skills, five symbols' bars. `close` flushes
 * the journal's files written behind and closes them all.
 */
export async function openBenchParts(
  prefix: string,
  idleTimeoutMs?: number,
): Promise<{ parts: BenchParts; parallelism: number; close(): Promise<void> }> {
  const dataDir = scratchFolder(prefix);
  const config = loadConfig({ overrides: { dataDir }, file: '/dev/null' });
  const logger = silentLogger();
  const count = { statements: 0 };
  const database = idleTimeoutMs === undefined ? config.database : { ...config.database, idleTimeoutMs };
  const store = counted(await openStore({ config: { ...config, database }, logger }), count);
  const bus = new Bus({ store, logger });
  const session = await loadSessionParts();
  const symbols = ['B1', 'B2', 'B3', 'B4', 'B5'];
  const universe = symbols.map((symbol) => generateSimSeries({ seed: 3, bars: 120, symbols }, symbol));
  const journalRoot = path.join(dataDir, 'journal');
  return {
    parts: { session, store, bus, universe, journalRoot, dataDir, count },
    parallelism: config.pipeline.parallelism,
    async close() {
      session.skills.close();
      await flushJournalFiles(store).catch(() => {});
      await bus.stop();
      await store.close();
    },
  };
}

/**
 * A phase's p50 and p99 rows, ms a candidate (`sorted` ascending), named `cycle overhead per
 * candidate p50, <label>` and `… p99, <label>`; the p99 is judged against issue 23's 5 ms.
 */
export function overheadRows(
  label: string,
  sorted: readonly number[],
  notes: string,
  p99Notes?: string,
): BenchResult[] {
  return [
    {
      name: `cycle overhead per candidate p50, ${label}`,
      value: Number(percentile(sorted, 0.5).toFixed(2)),
      unit: 'ms',
      notes,
    },
    {
      name: `cycle overhead per candidate p99, ${label}`,
      value: Number(percentile(sorted, 0.99).toFixed(2)),
      unit: 'ms',
      target: '≤ 5',
      ...(p99Notes === undefined ? {} : { notes: p99Notes }),
    },
  ];
}
