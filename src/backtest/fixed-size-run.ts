import type { BarSeries } from '../market/index.ts';
import { MemorySink, topics } from '../pipeline/index.ts';
import type { Strategy } from '../strategies/index.ts';
import { FixedSizeAccount, fixedSizeStep } from './fixed-size.ts';
import { computeMetrics } from './metrics.ts';
import { buildReport } from './report-data.ts';
import { completedPayload, startedPayload } from './run-log.ts';
import type { BacktestRun } from './runner.ts';

/**
 * Runs the fixed-size engine (`--size N`, `--short`) on the simulated clock, the same loop as
 * the paper-broker runner: each step fills every symbol's pending order at its bar's open,
 * values the account at the close, then asks the strategy (orders fill from the next bar).
 */
export function runFixedSize(input: {
  series: readonly BarSeries[];
  strategy: Strategy;
  settings: { cash: number; commission: number; slippage: number } & Record<string, unknown>;
  size: number;
  runId: string;
  timeline: Float64Array;
  onProgress?: (done: number, total: number) => void;
  /** See BacktestInput.keepLog. */
  keepLog?: boolean;
}): BacktestRun {
  const { series, strategy, settings, runId, timeline, size } = input;
  const sink = new MemorySink({ keep: input.keepLog });
  const account = new FixedSizeAccount(
    { cash: settings.cash, commission: settings.commission, slippage: settings.slippage, size },
    sink,
    runId,
  );
  const steps = timeline.length;
  const values = new Float64Array(steps);
  const books = series.map((each) => account.book(each.symbol));
  const cursors = new Int32Array(series.length);
  const due = new Uint8Array(series.length);
  let exposedBars = 0;
  let barsProcessed = 0;
  const startedRef = sink.emit({
    fromAgent: 'backtest',
    toAgent: 'all',
    topic: topics.runStarted,
    cycleId: runId,
    causedBy: null,
    time: timeline[0]!,
    payload: startedPayload(runId, strategy, settings, series),
  });
  const progressEvery = Math.max(1, Math.floor(steps / 100));
  let time = timeline[0]!;
  for (let step = 0; step < steps; step += 1) {
    time = timeline[step]!;
    for (let s = 0; s < series.length; s += 1) {
      const each = series[s]!;
      const at = cursors[s]!;
      if (at < each.length && each.time[at] === time) {
        account.processBar(books[s]!, time, each.open[at]!, each.high[at]!, each.low[at]!, each.close[at]!);
        due[s] = 1;
        barsProcessed += 1;
      } else due[s] = 0;
    }
    values[step] = account.equity();
    if (account.holdingCount > 0) exposedBars += 1;
    account.beginDecisions();
    for (let s = 0; s < series.length; s += 1) {
      if (due[s] === 0) continue;
      const at = cursors[s]!;
      fixedSizeStep({ account, strategy, series: series[s]!, index: at, runId, size, sink, time });
      cursors[s] = at + 1;
    }
    if (input.onProgress && (step % progressEvery === 0 || step === steps - 1))
      input.onProgress(step + 1, steps);
  }
  const metrics = computeMetrics({
    times: timeline,
    values,
    initialValue: settings.cash,
    trades: account.trades,
    exposedBars,
  });
  const report = buildReport({
    series,
    strategy,
    settings,
    broker: account,
    metrics,
    bars: barsProcessed,
    timeline,
  });
  sink.emit({
    fromAgent: 'backtest',
    toAgent: 'all',
    topic: topics.runCompleted,
    cycleId: runId,
    causedBy: startedRef,
    time,
    payload: completedPayload(runId, report),
  });
  return { runId, report, times: timeline, values, messages: sink.messages, broker: account, series };
}
