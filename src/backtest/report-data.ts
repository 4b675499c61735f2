import type { DeciderCounts } from '../agents/index.ts';
import type { ClosedTrade, Position } from '../broker/index.ts';
import type { Contamination } from '../llm/index.ts';
import { type BarSeries, formatBarTime } from '../market/index.ts';
import type { Strategy } from '../strategies/index.ts';
import type { DecisionTally } from './decision-tally.ts';
import type { Metrics } from './metrics.ts';
import { roundCents, roundPercent, roundPrice, roundRatio } from './money.ts';

export interface TradeRow {
  symbol: string;
  entryDate: string;
  entryPrice: number;
  exitDate: string;
  exitPrice: number;
  size: number;
  /** Net of commission, in cents precision. */
  pnl: number;
  grossPnl: number;
  commission: number;
  exitReason: string;
  bars: number;
}

export interface OpenPositionRow {
  symbol: string;
  size: number;
  entryDate: string;
  entryPrice: number;
  lastPrice: number;
  marketValue: number;
  unrealizedPnl: number;
}

/** The `--json` document: money rounded to cents, prices to 6 decimals, ratios to 6, percents to 4. */
export interface BacktestReport {
  strategy: { name: string; parameters: Record<string, number> };
  settings: Record<string, unknown>;
  symbols: string[];
  bars: number;
  from: string;
  to: string;
  initialCash: number;
  finalValue: number;
  finalCash: number;
  openPosition: OpenPositionRow | null;
  openPositions: OpenPositionRow[];
  closedTrades: number;
  totalCommission: number;
  rejectedOrders: number;
  /** The metrics, rounded for the report (start and end values are above). */
  metrics: Omit<Metrics, 'initialValue' | 'finalValue'>;
  trades: TradeRow[];
  /** The full pipeline's decisions (proposals, executed, vetoes by reason); absent for the fast pipeline. */
  pipeline?: DecisionTally;
  /** Full pipeline only: the agents' decisions by who actually decided (route/model, fallback, failure). */
  deciders?: DeciderCounts;
  /** Set only when an LLM run was allowed over bars before a used model's training cutoff. */
  contamination?: Contamination;
}

/** What the report reads from the account that ran the backtest (paper broker, fixed-size engine). */
export interface ReportBroker {
  readonly trades: readonly ClosedTrade[];
  positions(): Position[];
  cash(): number;
  openCommission(): number;
  readonly rejectedCount: number;
}

const orNull = (value: number | null, round: (value: number) => number) =>
  value === null ? null : round(value);

export function buildReport(input: {
  series: readonly BarSeries[];
  strategy: Strategy;
  settings: Record<string, unknown>;
  broker: ReportBroker;
  metrics: Metrics;
  bars: number;
  timeline: Float64Array;
}): BacktestReport {
  const { broker, metrics } = input;
  const trades = broker.trades.map(
    (trade): TradeRow => ({
      symbol: trade.symbol,
      entryDate: formatBarTime(trade.entryTime),
      entryPrice: roundPrice(trade.entryPrice),
      exitDate: formatBarTime(trade.exitTime),
      exitPrice: roundPrice(trade.exitPrice),
      size: trade.qty,
      pnl: roundCents(trade.pnl),
      grossPnl: roundCents(trade.grossPnl),
      commission: roundCents(trade.commission),
      exitReason: trade.exitLeg,
      bars: trade.bars,
    }),
  );
  const lastClose = new Map(input.series.map((each) => [each.symbol, each.close[each.length - 1]!]));
  const openPositions = broker.positions().map((position): OpenPositionRow => {
    const last = lastClose.get(position.symbol) ?? position.avgPrice;
    return {
      symbol: position.symbol,
      size: position.qty,
      entryDate: formatBarTime(position.openedAt),
      entryPrice: roundPrice(position.avgPrice),
      lastPrice: roundPrice(last),
      marketValue: roundCents(position.qty * last),
      unrealizedPnl: roundCents(position.qty * (last - position.avgPrice)),
    };
  });
  let totalCommission = 0;
  for (const trade of broker.trades) totalCommission += trade.commission;
  totalCommission += broker.openCommission();
  const timeline = input.timeline;
  return {
    strategy: { name: input.strategy.name, parameters: { ...input.strategy.parameters } },
    settings: JSON.parse(JSON.stringify(input.settings)) as Record<string, unknown>,
    symbols: input.series.map((each) => each.symbol),
    bars: input.bars,
    from: formatBarTime(timeline[0]!),
    to: formatBarTime(timeline[timeline.length - 1]!),
    initialCash: roundCents(metrics.initialValue),
    finalValue: roundCents(metrics.finalValue),
    finalCash: roundCents(broker.cash()),
    openPosition: openPositions[0] ?? null,
    openPositions,
    closedTrades: trades.length,
    totalCommission: roundCents(totalCommission),
    rejectedOrders: broker.rejectedCount,
    metrics: {
      totalReturnPct: roundPercent(metrics.totalReturnPct),
      maxDrawdownPct: roundPercent(metrics.maxDrawdownPct),
      sharpe: orNull(metrics.sharpe, roundRatio),
      sortino: orNull(metrics.sortino, roundRatio),
      cagrPct: orNull(metrics.cagrPct, roundPercent),
      winRatePct: orNull(metrics.winRatePct, roundPercent),
      profitFactor: orNull(metrics.profitFactor, roundRatio),
      exposurePct: roundPercent(metrics.exposurePct),
    },
    trades,
  };
}
