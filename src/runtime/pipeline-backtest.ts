import path from 'node:path';
import { type AgentRuntime, type DeciderCounts, DeciderTally, type Quote } from '../agents/index.ts';
import {
  type BacktestRun,
  buildReport,
  computeMetrics,
  type DecisionTally,
  DecisionTallyCounter,
  timelineOf,
} from '../backtest/index.ts';
import { type BrokerEvent, PaperBroker } from '../broker/index.ts';
import type { Bus } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { type BarSeries, paperPriceTick, sliceSeries } from '../market/index.ts';
import {
  type CandidateOutcome,
  type CycleDeps,
  runDecisionCycle,
  runMonitorPass,
} from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { cycleSettingsFrom, fallbackStrategyFrom } from './cycle-settings.ts';
import { exitJournalEntry } from './exit-journal.ts';
import { BrokerRecorder } from './recorder.ts';

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

// Daily bars are stamped at midnight UTC; as in the sim session, a cycle runs at 21:00 UTC.
const barCloseOffsetMs = 21 * 3_600_000;

/**
 * A backtest through the full agent pipeline: each bar, the paper broker fills, the position
 * monitor runs, then the same decision cycle as `signet start` (screen, regime, strategist,
 * Risk Gate, three signatures, bracket order, journal), on a clock set to the bar. Principle 7:
 * only the clock, the feed and the broker differ from live. Everything is written as live
 * writes it (bus, orders, journal), under the run's own broker name, so it never mixes with the
 * live paper account, and the live halt does not apply to it.
 */
export async function runPipelineBacktest(options: PipelineBacktestOptions): Promise<PipelineBacktestResult> {
  const { config, store, bus, logger } = options;
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
  const brokerName = `bt:${options.runId}`;
  let now = timeline[0]!;
  const clock = { now: () => now };
  const publish: CycleDeps['publish'] = (input, publishOptions) => bus.publish(input, publishOptions);
  const journal = async (entry: Parameters<CycleDeps['journal']>[0]) => {
    await writeJournalEntry(entry, { db: store, root: options.journalRoot });
  };
  const recorder = new BrokerRecorder({
    store,
    publish,
    brokerName,
    logger,
    clock,
    // As in paper trading, each round trip's close is journaled.
    onTradeClosed: (event) => journal(exitJournalEntry(event.trade, brokerName)),
  });
  const broker = new PaperBroker({
    cash: config.paper.cash,
    commission: config.paper.commission,
    slippage: config.paper.slippage,
    clock,
    onEvent: (event: BrokerEvent) => recorder.record(event),
  });
  let cursorTime = now;
  const lastClose = (symbol: string, fallback: number) => {
    const each = series.find((one) => one.symbol === symbol);
    const view = each ? sliceSeries(each, undefined, cursorTime) : undefined;
    return view && view.length > 0 ? view.close[view.length - 1]! : fallback;
  };
  let dayStartEquity = config.paper.cash;
  // This run's own count: what the agents did here, whatever the runtime counted before.
  const deciderTally = new DeciderTally();
  const deps: CycleDeps = {
    runtime: { ...options.agents, tally: deciderTally },
    publish,
    transaction: (work) => store.transaction(work),
    broker,
    brokerName,
    portfolio: async () => {
      const positions = broker.positions();
      const symbolPnlToday: Record<string, number> = {};
      for (const position of positions)
        symbolPnlToday[position.symbol] =
          (lastClose(position.symbol, position.avgPrice) - position.avgPrice) * position.qty;
      return {
        equity: broker.equity(),
        cash: broker.cash(),
        dayStartEquity,
        positions: positions.map((position) => ({
          symbol: position.symbol,
          qty: position.qty,
          price: lastClose(position.symbol, position.avgPrice),
        })),
        symbolPnlToday,
      };
    },
    // A backtest is not trading: the live halt ladder does not stop it.
    haltLevel: async () => 0,
    freshQuote: async (symbol): Promise<Quote> => ({
      t: new Date(now).toISOString(),
      last: lastClose(symbol, 0),
      bid: null,
      ask: null,
    }),
    journal,
    clock,
    settings: cycleSettingsFrom(config, {
      timeframe: config.pipeline.timeframe,
      commissionRate: config.paper.commission,
      priceTick: paperPriceTick,
    }),
    fallbackStrategy: fallbackStrategyFrom(config),
  };

  const books = series.map((each) => broker.book(each.symbol));
  const cursors = new Int32Array(series.length);
  const values = new Float64Array(timeline.length);
  const outcomes: Record<CandidateOutcome, number> = {
    no_trade: 0,
    vetoed: 0,
    executed: 0,
    rejected: 0,
    error: 0,
    halted: 0,
  };
  const tally = new DecisionTallyCounter();
  let exposedBars = 0;
  let cycles = 0;
  let barsProcessed = 0;
  await bus.publish({
    fromAgent: 'backtest',
    toAgent: 'operator',
    topic: topics.backtestStarted,
    ts: new Date(timeline[0]!),
    payload: {
      runId: options.runId,
      pipeline: 'full',
      // What was asked for; `backtest.completed` carries who actually decided.
      configured: options.deciders,
      symbols: series.map((each) => each.symbol),
    },
  });
  for (let step = 0; step < timeline.length; step += 1) {
    const time = timeline[step]!;
    cursorTime = time;
    now = time + barCloseOffsetMs;
    dayStartEquity = broker.equity();
    for (let index = 0; index < series.length; index += 1) {
      const each = series[index]!;
      const at = cursors[index]!;
      if (at < each.length && each.time[at] === time) {
        broker.processBar(
          books[index]!,
          time,
          each.open[at]!,
          each.high[at]!,
          each.low[at]!,
          each.close[at]!,
        );
        cursors[index] = at + 1;
        barsProcessed += 1;
      }
    }
    await recorder.flush();
    if (step >= options.warmupBars) {
      await runMonitorPass({
        broker,
        brokerName,
        db: store,
        publish,
        logger,
        onMissingStop: 'reattach',
        defaultStopPct: config.risk.maxStopDistancePct / 2,
        clock,
      });
      const views = series
        .map((each) => sliceSeries(each, undefined, time))
        .filter((view) => view.length > 0 && view.time[view.length - 1] === time);
      const report = await runDecisionCycle(
        deps,
        `${options.runId}/${new Date(time).toISOString().slice(0, 10)}`,
        views,
      );
      await recorder.flush();
      cycles += 1;
      for (const candidate of report.candidates) outcomes[candidate.outcome] += 1;
      tally.addCycle(report.candidates);
    }
    values[step] = broker.equity();
    if (broker.holdingCount > 0) exposedBars += 1;
    options.onProgress?.(step + 1, timeline.length);
  }
  if (recorder.failures > 0)
    logger.warn({ failures: recorder.failures }, 'some broker events were not recorded in the tables');
  const metrics = computeMetrics({
    times: timeline,
    values,
    initialValue: config.paper.cash,
    trades: broker.trades,
    exposedBars,
  });
  const deciders = deciderTally.counts();
  const strategy = { name: 'pipeline (full agent cycle)', warmup: options.warmupBars, parameters: {} };
  const report = buildReport({
    series,
    strategy: { ...strategy, decide: () => null },
    settings: {
      pipeline: 'full',
      cash: config.paper.cash,
      commission: config.paper.commission,
      warmupBars: options.warmupBars,
    },
    broker,
    metrics,
    bars: barsProcessed,
    timeline,
  });
  const decisions = tally.tally();
  report.pipeline = decisions;
  report.deciders = deciders;
  await bus.publish({
    fromAgent: 'backtest',
    toAgent: 'operator',
    topic: topics.backtestCompleted,
    ts: new Date(now),
    payload: {
      runId: options.runId,
      cycles,
      outcomes: { ...outcomes },
      proposals: decisions.proposals,
      executedPerProposal: decisions.executedPerProposal,
      deciders: { ...deciders, routes: { ...deciders.routes } },
      finalValue: report.finalValue,
    },
  });
  return {
    run: { runId: options.runId, report, times: timeline, values, messages: [], broker, series },
    outcomes,
    decisions,
    deciders,
    cycles,
    journalRoot: path.resolve(options.journalRoot),
  };
}
