import path from 'node:path';
import { type AgentRuntime, type DeciderCounts, DeciderTally } from '../agents/index.ts';
import {
  type BacktestRun,
  buildReport,
  computeMetrics,
  type DecisionTally,
  DecisionTallyCounter,
  timelineOf,
} from '../backtest/index.ts';
import type { PaperBroker } from '../broker/index.ts';
import { type Bus, CycleBuffer } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { DeferredJournal, type JournalEntryInput } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { type BarSeries, sliceSeries } from '../market/index.ts';
import type { CandidateOutcome } from '../pipeline/index.ts';
import { relaxedCommits, type Store } from '../store/index.ts';
import { publishCompleted, publishStarted } from './pipeline-backtest-messages.ts';
import { AccountBook, portfolioOf } from './portfolio.ts';
import type { BrokerRecorder } from './recorder.ts';
import {
  brokerRecorderFor,
  dailyBarCloseOffsetMs,
  paperBrokerFor,
  paperVenueSettings,
  type TradingKernel,
  tradingKernel,
} from './trading-kernel.ts';

export interface PipelineBacktestOptions {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
  agents: AgentRuntime;
  series: BarSeries[];
  runId: string;
  /** Bars of history the agents see before the first cycle. */
  warmupBars: number;
  /** Where the run's journal goes (never the live context folder). */
  journalRoot: string;
  /** What was configured to decide (e.g. "fallback sma-cross" or the routes), for the bus; the report counts who did. */
  deciders: string;
  onProgress?: (done: number, total: number) => void;
}

export interface PipelineBacktestResult {
  run: BacktestRun;
  /** Every candidate's outcome over the run, counted. */
  outcomes: Record<CandidateOutcome, number>;
  /** Proposals, executed, executed/proposed and the veto reasons, counted (also on the report). */
  decisions: DecisionTally;
  /** Every agent decision of the run, by who actually decided (route/model, fallback, failure). */
  deciders: DeciderCounts;
  cycles: number;
  journalRoot: string;
}

/**
 * A backtest through the full agent pipeline: each bar, the paper broker fills, the position
 * monitor runs, then the same decision cycle as `signet start` (screen, regime, strategist,
 * Risk Gate, three signatures, bracket order, journal), on a clock set to the bar. Principle 7:
 * only the clock, the feed and the broker differ from live. Everything is written as live
 * writes it (bus, orders, journal), under the run's own broker name, so it never mixes with the
 * live paper account, and the live halt does not apply to it.
 */
export async function runPipelineBacktest(options: PipelineBacktestOptions): Promise<PipelineBacktestResult> {
  const { series, timeline } = backtestable(options);
  const run = new FullPipelineRun(options, series, timeline);
  let result: PipelineBacktestResult;
  try {
    await publishStarted(options, series, timeline);
    for (let step = 0; step < timeline.length; step += 1) {
      await run.step(step);
      options.onProgress?.(step + 1, timeline.length);
    }
    if (run.recorder.failures > 0)
      options.logger.warn(
        { failures: run.recorder.failures },
        'some broker events were not recorded in the tables',
      );
    await run.finish();
    result = run.result();
  } catch (error) {
    // What the run said before it failed is on the bus too; a flush that fails as well adds
    // nothing to the run's own error.
    await run.flushMessages().catch(() => undefined);
    throw error;
  } finally {
    await run.close();
  }
  await publishCompleted(options, result, run.clockNow);
  return result;
}

/** The series with bars, and their common timeline; a run without more bars than its warm-up is refused. */
function backtestable(options: PipelineBacktestOptions): { series: BarSeries[]; timeline: Float64Array } {
  const series = options.series.filter((each) => each.length > 0);
  if (series.length === 0)
    throw new SignetError('no bars to backtest', {
      code: 'backtest_no_bars',
      fault: 'user',
      fix: 'Give data with bars inside the chosen --from/--to window.',
    });
  const timeline = timelineOf(series);
  if (timeline.length <= options.warmupBars)
    throw new SignetError(
      `${timeline.length} bars are not more than the ${options.warmupBars} warm-up bars`,
      {
        code: 'backtest_too_short',
        fault: 'user',
        fix: 'Give more bars, or a smaller --warmup.',
      },
    );
  return { series, timeline };
}

/** Journal rows held before one insert (bounded memory; about one entry a cycle per symbol). */
const journalRowsPerFlush = 256;

/**
 * Bus messages held before they are written behind (a cycle says 5–10; bounded memory: 512
 * messages are ≈ 0.2 MB of payloads). One statement for many bars instead of one per bar:
 * PostgreSQL's CPU a bar halved (statement, commit and notification paid once), the bars' rows,
 * ids and order unchanged. 512 rather than 128: PostgreSQL's CPU a bar lower again on ORCL
 * 2012–2014 (0.44–0.54 → 0.35–0.48 ms, docs/benchmarks.md, twenty-second pass); the flushes
 * orders and broker events force are the same, so bigger blocks gain little more.
 */
const messagesPerFlush = 512;

/** Ids drawn from the bus sequence a round trip: two flushes' worth (each draw waits behind the last insert). */
const idsPerDraw = 1_024;

/**
 * One run's state: a paper broker under the run's own broker name, the kernel on a clock set to
 * each bar's close, and the counts the report is built from.
 */
class FullPipelineRun {
  readonly recorder: BrokerRecorder;
  readonly broker: PaperBroker;
  readonly #kernel: TradingKernel;
  /** The messages of the monitor and the cycles go to the bus many bars to a statement. */
  readonly #buffer: CycleBuffer;
  /** The run's journal: entries rendered as they come, files placed meanwhile, rows a few hundred at a time. */
  readonly #journal: DeferredJournal;
  /** This run's own count: what the agents did here, whatever the runtime counted before. */
  readonly #deciderTally = new DeciderTally();
  readonly #book: AccountBook;
  readonly #books: ReturnType<PaperBroker['book']>[];
  readonly #cursors: Int32Array;
  readonly #values: Float64Array;
  readonly #outcomes: Record<CandidateOutcome, number> = {
    no_trade: 0,
    vetoed: 0,
    executed: 0,
    rejected: 0,
    error: 0,
    halted: 0,
  };
  readonly #tally = new DecisionTallyCounter();
  #now: number;
  /** The bar the feed has reached: what the portfolio and quotes are priced on. */
  #cursorTime: number;
  #exposedBars = 0;
  #cycles = 0;
  #barsProcessed = 0;
  /**
   * The broker as the monitor reads it (`#monitorView`: the events so far, the positions and the
   * working orders) at the last pass that found nothing to do; null: the next bar's pass runs.
   * Such a pass left our positions rows matching the broker and sent nothing, so a pass on the
   * same broker and the same rows finds nothing again: it is skipped (its positions read was a
   * third of the run's statements, one a bar while a position was held). Live passes run on a
   * timer because other writers (the watchdog, the operator, the broker itself) can change
   * positions between them; a run's broker (`bt:<run id>`) has no other writer, and its rows
   * change only by the recorder (on an event) or by a pass. With stop management on, a held
   * position's pass depends on the bar's prices: only a flat pass is kept.
   */
  #quietView: string | null = null;
  /** Broker events so far: after one, the next pass runs (the recorder has written our rows). */
  #brokerEvents = 0;
  readonly #stopsManaged: boolean;

  constructor(
    private readonly options: PipelineBacktestOptions,
    private readonly series: BarSeries[],
    private readonly timeline: Float64Array,
  ) {
    const { config } = options;
    const brokerName = `bt:${options.runId}`;
    this.#now = timeline[0]!;
    this.#cursorTime = this.#now;
    const clock = { now: () => this.#now };
    // Its orders, fills and positions commit without waiting for the disk, as its messages and
    // journal rows (a rerun rebuilds them; `backtest.completed`'s synchronous commit flushes them
    // all): each fill's commit waited ≈ 4 ms for the WAL of the relaxed inserts before it.
    const store = relaxedCommits(options.store);
    // As in paper trading, each round trip's close is journaled.
    // The run's own journal is rebuilt by a rerun: its files are not fsynced and are placed by a
    // worker thread, its rows go a few hundred in one statement (DeferredJournal);
    // `backtest.completed`'s synchronous commit makes the rows durable with it.
    this.#journal = new DeferredJournal({ db: options.store, root: path.resolve(options.journalRoot) });
    const journal = (entry: JournalEntryInput) => this.#journal.write(entry);
    this.#buffer = new CycleBuffer({
      store: options.store,
      block: idsPerDraw,
      publishInTransaction: (input, publishOptions) => options.bus.publish(input, publishOptions),
    });
    const buffer = this.#buffer;
    // A broker event is written once every message before it (its causes among them) has committed.
    // Its messages outside a transaction (a round trip's close) are held with the cycles' ones and
    // written behind, relaxed: sent through the bus, each committed at once and waited for the
    // disk, then its notification too (two commits that flushed the run's whole WAL so far).
    this.recorder = brokerRecorderFor({
      ...options,
      bus: {
        publish: (input, publishOptions) => buffer.publish(input, publishOptions),
        // A fill's rows and message in one statement, after `before` wrote the held messages.
        publishWithWrites: (input, writes, publishOptions) =>
          options.bus.publishWithWrites(input, writes, publishOptions),
      },
      waitForDisk: false,
      store,
      brokerName,
      clock,
      journal,
      before: () => buffer.flush(),
    });
    this.#stopsManaged = config.monitor.stopManagement.mode !== 'off';
    this.broker = paperBrokerFor(config, clock, (event) => {
      this.#brokerEvents += 1;
      this.recorder.record(event);
    });
    this.#book = new AccountBook(config.paper.cash);
    this.#kernel = tradingKernel({
      ...options,
      store,
      waitForDisk: false,
      publisher: {
        publish: (input, publishOptions) => buffer.publish(input, publishOptions),
        flush: () => buffer.flush(),
      },
      journal,
      agents: { ...options.agents, tally: this.#deciderTally },
      broker: this.broker,
      brokerName,
      clock,
      venue: paperVenueSettings(config),
      portfolio: async () =>
        portfolioOf(
          this.broker.positions(),
          {
            equity: this.broker.equity(),
            cash: this.broker.cash(),
            dayStartEquity: this.#book.dayStartEquity,
          },
          (symbol) => this.#lastClose(symbol),
        ),
      freshQuote: async (symbol) => ({
        t: new Date(this.#now).toISOString(),
        last: this.#lastClose(symbol) ?? 0,
        bid: null,
        ask: null,
      }),
      // A backtest is not trading: the live halt ladder does not stop it.
      haltLevel: async () => 0,
      journalRoot: options.journalRoot,
    });
    this.#books = series.map((each) => this.broker.book(each.symbol));
    this.#cursors = new Int32Array(series.length);
    this.#values = new Float64Array(timeline.length);
  }

  /** Every message and journal entry of the run in its table (before `backtest.completed` commits them durably). */
  async finish(): Promise<void> {
    await this.#buffer.flush();
    await this.#journal.flush();
  }

  /** The bus messages held so far, written (a failed run's too). */
  flushMessages(): Promise<void> {
    return this.#buffer.flush();
  }

  /** Stops the journal's placer (whether the run finished or failed). */
  close(): Promise<void> {
    return this.#journal.close();
  }

  get clockNow(): number {
    return this.#now;
  }

  #lastClose(symbol: string): number | undefined {
    const each = this.series.find((one) => one.symbol === symbol);
    const view = each ? sliceSeries(each, undefined, this.#cursorTime) : undefined;
    return view && view.length > 0 ? view.close[view.length - 1] : undefined;
  }

  /** One bar: fills, then (after the warm-up) the monitor and one decision cycle. */
  async step(step: number): Promise<void> {
    const time = this.timeline[step]!;
    this.#cursorTime = time;
    this.#now = time + dailyBarCloseOffsetMs;
    this.#book.startDay(this.broker.equity());
    this.#fillBarsAt(time);
    await this.recorder.flush();
    if (step >= this.options.warmupBars) await this.#cycle(time);
    this.#values[step] = this.broker.equity();
    if (this.broker.holdingCount > 0) this.#exposedBars += 1;
  }

  /** The paper broker fills on every symbol that has a bar at `time`. */
  #fillBarsAt(time: number): void {
    for (let index = 0; index < this.series.length; index += 1) {
      const each = this.series[index]!;
      const at = this.#cursors[index]!;
      if (at < each.length && each.time[at] === time) {
        this.broker.processBar(
          this.#books[index]!,
          time,
          each.open[at]!,
          each.high[at]!,
          each.low[at]!,
          each.close[at]!,
        );
        this.#cursors[index] = at + 1;
        this.#barsProcessed += 1;
      }
    }
  }

  async #cycle(time: number): Promise<void> {
    await this.#monitor();
    const views = this.series
      .map((each) => sliceSeries(each, undefined, time))
      .filter((view) => view.length > 0 && view.time[view.length - 1] === time);
    const report = await this.#kernel.cycle(
      `${this.options.runId}/${new Date(time).toISOString().slice(0, 10)}`,
      views,
    );
    // Quiet cycles' messages gather over several bars and commit in one statement while the next
    // bars run. Whatever must follow them flushes them first: a broker event (the recorder's
    // `before`), a transaction such as an order intent (the kernel's publisher), the run's end.
    if (this.#buffer.held >= messagesPerFlush) this.#buffer.flushBehind();
    await this.recorder.flush();
    // The journal's rows go a few hundred at a time, behind the run (and at its end): nothing
    // reads them during the run, and their files are placed meanwhile.
    if (this.#journal.pending >= journalRowsPerFlush) this.#journal.flushBehind();
    this.#cycles += 1;
    for (const candidate of report.candidates) this.#outcomes[candidate.outcome] += 1;
    this.#tally.addCycle(report.candidates);
  }

  /** The bar's position-monitor pass, unless the last pass found nothing and nothing changed since. */
  async #monitor(): Promise<void> {
    const view = this.#monitorView();
    if (view === this.#quietView) return;
    const report = await this.#kernel.monitor();
    const quiet =
      report.actions.length === 0 &&
      report.stopsMissing.length === 0 &&
      (report.positions === 0 || !this.#stopsManaged);
    // Kept only when the broker did not move during the pass either.
    this.#quietView = quiet && this.#monitorView() === view ? view : null;
  }

  /** What a monitor pass depends on, as text to compare: the broker's events, positions and working orders. */
  #monitorView(): string {
    return `${this.#brokerEvents} ${JSON.stringify([this.broker.positions(), this.broker.workingOrders()])}`;
  }

  /** The report of the run, with the pipeline's decision tally and who decided. */
  result(): PipelineBacktestResult {
    const { config, runId, warmupBars, journalRoot } = this.options;
    const { series, timeline, broker } = this;
    const metrics = computeMetrics({
      times: timeline,
      values: this.#values,
      initialValue: config.paper.cash,
      trades: broker.trades,
      exposedBars: this.#exposedBars,
    });
    const deciders = this.#deciderTally.counts();
    const strategy = { name: 'pipeline (full agent cycle)', warmup: warmupBars, parameters: {} };
    const report = buildReport({
      series,
      strategy: { ...strategy, decide: () => null },
      settings: {
        pipeline: 'full',
        cash: config.paper.cash,
        commission: config.paper.commission,
        warmupBars,
      },
      broker,
      metrics,
      bars: this.#barsProcessed,
      timeline,
    });
    const decisions = this.#tally.tally();
    report.pipeline = decisions;
    report.deciders = deciders;
    return {
      run: { runId, report, times: timeline, values: this.#values, messages: [], broker, series },
      outcomes: this.#outcomes,
      decisions,
      deciders,
      cycles: this.#cycles,
      journalRoot: path.resolve(journalRoot),
    };
  }
}
