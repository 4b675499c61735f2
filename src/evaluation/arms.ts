import {
  type BacktestReport,
  computeMetrics,
  roundCents,
  roundPercent,
  roundRatio,
} from '../backtest/index.ts';
import type { BarSeries } from '../market/index.ts';
import { barReturns } from './bootstrap.ts';
import { type Regime, regimes } from './regimes.ts';

export type ArmName = 'llm' | 'fallback' | 'buy-and-hold';

/** One arm's figures over the same bars. */
export interface ArmSummary {
  arm: ArmName;
  finalValue: number;
  totalReturnPct: number;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdownPct: number;
  /** Closed round trips. */
  trades: number;
  /** Winning share of the closed trades. */
  hitRatePct: number | null;
  /** Dollars spent on LLM calls (the ledger rows of the arm's cycles; notional for subscriptions). */
  llmCostUsd: number;
  commission: number;
}

/** An arm's equity per timeline bar, for the plots, the bootstrap and the regime split. */
export interface ArmCurve {
  arm: ArmName;
  values: Float64Array;
}

export function summaryOfReport(arm: ArmName, report: BacktestReport, llmCostUsd: number): ArmSummary {
  return {
    arm,
    finalValue: report.finalValue,
    totalReturnPct: report.metrics.totalReturnPct,
    sharpe: report.metrics.sharpe,
    sortino: report.metrics.sortino,
    maxDrawdownPct: report.metrics.maxDrawdownPct,
    trades: report.closedTrades,
    hitRatePct: report.metrics.winRatePct,
    llmCostUsd,
    commission: report.totalCommission,
  };
}

/**
 * Buy-and-hold: the cash split evenly over the symbols, bought at the close of the first decision
 * bar (after the warm-up, when the other arms may first act), held to the end; no commission.
 */
export function buyAndHold(
  series: readonly BarSeries[],
  timeline: Float64Array,
  cash: number,
  startAt: number,
): { summary: ArmSummary; curve: ArmCurve } {
  const values = new Float64Array(timeline.length);
  const cursors = new Int32Array(series.length).fill(-1);
  const shares = new Float64Array(series.length);
  let idle = cash;
  for (let step = 0; step < timeline.length; step += 1) {
    const time = timeline[step]!;
    series.forEach((each, index) => {
      let at = cursors[index]!;
      while (at + 1 < each.length && each.time[at + 1]! <= time) at += 1;
      cursors[index] = at;
    });
    if (step === startAt) {
      idle = 0;
      series.forEach((each, index) => {
        const at = cursors[index]!;
        if (at >= 0) shares[index] = cash / series.length / each.close[at]!;
        else idle += cash / series.length;
      });
    }
    let value = idle;
    series.forEach((each, index) => {
      const at = cursors[index]!;
      if (at >= 0) value += shares[index]! * each.close[at]!;
    });
    values[step] = value;
  }
  const metrics = computeMetrics({
    times: timeline,
    values,
    initialValue: cash,
    trades: [],
    exposedBars: Math.max(0, timeline.length - startAt),
  });
  return {
    summary: {
      arm: 'buy-and-hold',
      finalValue: roundCents(metrics.finalValue),
      totalReturnPct: roundPercent(metrics.totalReturnPct),
      sharpe: metrics.sharpe === null ? null : roundRatio(metrics.sharpe),
      sortino: metrics.sortino === null ? null : roundRatio(metrics.sortino),
      maxDrawdownPct: roundPercent(metrics.maxDrawdownPct),
      trades: 0,
      hitRatePct: null,
      llmCostUsd: 0,
      commission: 0,
    },
    curve: { arm: 'buy-and-hold', values },
  };
}

export interface RegimeFigures {
  bars: number;
  /** Compounded return over the bars of this regime, in percent. */
  returnPct: number;
  /** Mean / stdev of those bars' returns × √252; null with fewer than two bars or no variation. */
  sharpe: number | null;
}

/** Each arm's figures over the bars of each regime (bars of the decision window only). */
export function splitByRegime(
  curves: readonly ArmCurve[],
  labels: readonly Regime[],
  cash: number,
  startAt: number,
): { bars: Record<Regime, number>; arms: Record<string, Record<string, RegimeFigures>> } {
  const bars: Record<Regime, number> = { bull: 0, bear: 0, sideways: 0, unknown: 0 };
  for (let at = startAt; at < labels.length; at += 1) bars[labels[at]!] += 1;
  const arms: Record<string, Record<string, RegimeFigures>> = {};
  for (const curve of curves) {
    const returns = barReturns(curve.values, cash);
    const byRegime: Record<string, RegimeFigures> = {};
    for (const regime of [...regimes, 'unknown'] as const) {
      const picked: number[] = [];
      for (let at = startAt; at < labels.length; at += 1)
        if (labels[at] === regime) picked.push(returns[at]!);
      byRegime[regime] = figuresOf(picked);
    }
    arms[curve.arm] = byRegime;
  }
  return { bars, arms };
}

function figuresOf(returns: number[]): RegimeFigures {
  const growth = returns.reduce((product, each) => product * (1 + each), 1);
  let sharpe: number | null = null;
  if (returns.length >= 2) {
    const mean = returns.reduce((sum, each) => sum + each, 0) / returns.length;
    const variance = returns.reduce((sum, each) => sum + (each - mean) ** 2, 0) / returns.length;
    sharpe = variance > 0 ? roundRatio((mean / Math.sqrt(variance)) * Math.sqrt(252)) : null;
  }
  return { bars: returns.length, returnPct: roundPercent((growth - 1) * 100), sharpe };
}
