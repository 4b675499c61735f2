import { topics } from '../bus/index.ts';
import type { BarSeries } from '../market/index.ts';
import { withFields } from '../platform/index.ts';
import type { PipelineBacktestOptions, PipelineBacktestResult } from './pipeline-backtest.ts';

/** The run's first message: what was asked for (who actually decided is in `backtest.completed`). */
export async function publishStarted(
  options: PipelineBacktestOptions,
  series: BarSeries[],
  timeline: Float64Array,
) {
  await options.bus.publish({
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
}

/** The run's last message, committed synchronously: it makes the run's earlier rows durable with it. */
export async function publishCompleted(
  options: PipelineBacktestOptions,
  result: PipelineBacktestResult,
  now: number,
) {
  const { decisions, deciders } = result;
  await options.bus.publish({
    fromAgent: 'backtest',
    toAgent: 'operator',
    topic: topics.backtestCompleted,
    ts: new Date(now),
    payload: {
      runId: options.runId,
      cycles: result.cycles,
      outcomes: { ...result.outcomes },
      proposals: decisions.proposals,
      executedPerProposal: decisions.executedPerProposal,
      deciders: withFields(deciders, { routes: { ...deciders.routes } }),
      finalValue: result.run.report.finalValue,
    },
  });
}
