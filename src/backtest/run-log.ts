import type { BarSeries } from '../market/index.ts';
import type { Strategy } from '../strategies/index.ts';
import type { BacktestReport } from './report-data.ts';

/** `backtest.started`'s payload: run id, strategy, parameters, settings, symbols and bar ranges. */
export function startedPayload(
  runId: string,
  strategy: Strategy,
  settings: object,
  series: readonly BarSeries[],
): Record<string, unknown> {
  return {
    runId,
    strategy: strategy.name,
    parameters: { ...strategy.parameters },
    // Through JSON: options left unset are absent, not `undefined` (not a JSON value).
    settings: JSON.parse(JSON.stringify(settings)) as unknown,
    symbols: series.map((each) => ({
      symbol: each.symbol,
      bars: each.length,
      from: new Date(each.time[0]!).toISOString(),
      to: new Date(each.time[each.length - 1]!).toISOString(),
    })),
  };
}

/** `backtest.completed`'s payload: the report without its trade list. */
export function completedPayload(runId: string, report: BacktestReport): unknown {
  return JSON.parse(JSON.stringify({ runId, ...report, trades: undefined })) as unknown;
}
