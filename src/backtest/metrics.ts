import type { ClosedTrade } from '../broker/index.ts';

/** Performance figures in full precision (the report rounds them). Null where undefined. */
export interface Metrics {
  initialValue: number;
  finalValue: number;
  totalReturnPct: number;
  /** Largest fall from a running peak of the per-bar values, in percent. */
  maxDrawdownPct: number;
  /** Mean / population stdev of per-bar returns × √252; risk-free rate 0. */
  sharpe: number | null;
  /** Mean / downside deviation (√ mean of min(r, 0)²) × √252. */
  sortino: number | null;
  /** Compound annual growth over calendar time (365.25-day years) from first to last bar. */
  cagrPct: number | null;
  winRatePct: number | null;
  /** Gross profit of winning trades / gross loss of losing trades (net of commission). */
  profitFactor: number | null;
  /** Share of bars that ended with a position open, in percent. */
  exposurePct: number;
}

const yearMs = 365.25 * 86_400_000;

export function computeMetrics(input: {
  times: Float64Array;
  values: Float64Array;
  initialValue: number;
  trades: readonly ClosedTrade[];
  exposedBars: number;
}): Metrics {
  const { times, values, initialValue, trades } = input;
  const count = values.length;
  const finalValue = count > 0 ? values[count - 1]! : initialValue;
  let peak = initialValue;
  let maxDrawdown = 0;
  for (let at = 0; at < count; at += 1) {
    const value = values[at]!;
    if (value > peak) peak = value;
    const drawdown = peak > 0 ? (peak - value) / peak : 0;
    if (drawdown > maxDrawdown) maxDrawdown = drawdown;
  }
  // Per-bar returns between consecutive closes.
  const returns = count - 1;
  let sharpe: number | null = null;
  let sortino: number | null = null;
  if (returns >= 2) {
    let sum = 0;
    for (let at = 1; at < count; at += 1) sum += values[at]! / values[at - 1]! - 1;
    const mean = sum / returns;
    let squares = 0;
    let downside = 0;
    for (let at = 1; at < count; at += 1) {
      const r = values[at]! / values[at - 1]! - 1;
      squares += (r - mean) ** 2;
      if (r < 0) downside += r * r;
    }
    const deviation = Math.sqrt(squares / returns);
    const downsideDeviation = Math.sqrt(downside / returns);
    sharpe = deviation > 0 ? (mean / deviation) * Math.sqrt(252) : null;
    sortino = downsideDeviation > 0 ? (mean / downsideDeviation) * Math.sqrt(252) : null;
  }
  const years = count > 1 ? (times[count - 1]! - times[0]!) / yearMs : 0;
  const cagrPct =
    years > 0 && initialValue > 0 && finalValue > 0
      ? ((finalValue / initialValue) ** (1 / years) - 1) * 100
      : null;
  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (const trade of trades) {
    if (trade.pnl > 0) {
      wins += 1;
      grossProfit += trade.pnl;
    } else if (trade.pnl < 0) grossLoss -= trade.pnl;
  }
  return {
    initialValue,
    finalValue,
    totalReturnPct: initialValue > 0 ? (finalValue / initialValue - 1) * 100 : 0,
    maxDrawdownPct: maxDrawdown * 100,
    sharpe,
    sortino,
    cagrPct,
    winRatePct: trades.length > 0 ? (wins / trades.length) * 100 : null,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    exposurePct: count > 0 ? (input.exposedBars / count) * 100 : 0,
  };
}
