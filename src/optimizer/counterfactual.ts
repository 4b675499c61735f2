import type { TradeProposal } from '../agents/index.ts';
import type { Bar } from '../market/index.ts';

/** The trade a proposal described, as the optimizer replays it. */
export type ProposedTrade = Pick<
  TradeProposal,
  'side' | 'entryType' | 'entryPrice' | 'stopPrice' | 'targetPrice' | 'horizonBars'
>;

/**
 * How a trade would have ended: `stop` or `target` first, `horizon` (neither within the horizon:
 * marked to market at the horizon's close), `not_entered` (a limit or stop entry never reached),
 * `no_data` (no later bars at all).
 */
export type CounterfactualOutcome = 'stop' | 'target' | 'horizon' | 'not_entered' | 'no_data';

export interface Counterfactual {
  outcome: CounterfactualOutcome;
  entryFill: number | null;
  exitPrice: number | null;
  /** Time of the entry and exit bars (epoch ms). */
  entryTime: number | null;
  exitTime: number | null;
  /** Per share, in the trade's direction (positive = it would have made money). */
  perShare: number;
  /** perShare / |entry − stop| of the proposal. */
  r: number;
  /** True when the data ended before the horizon did (the mark is at the last bar available). */
  truncated: boolean;
}

/** Bars the replay needs: the entry window plus the holding horizon. */
export function barsNeeded(trade: ProposedTrade): number {
  return 2 * trade.horizonBars + 1;
}

function entryFill(trade: ProposedTrade, bar: Bar): number | null {
  const long = trade.side === 'buy';
  const price = trade.entryPrice;
  switch (trade.entryType) {
    case 'market':
      return bar.open;
    case 'limit':
      if (long) return bar.open <= price ? bar.open : bar.low <= price ? price : null;
      return bar.open >= price ? bar.open : bar.high >= price ? price : null;
    case 'stop':
      if (long) return bar.open >= price ? bar.open : bar.high >= price ? price : null;
      return bar.open <= price ? bar.open : bar.low <= price ? price : null;
  }
}

/** The stop first, then the target: on a bar that reaches both, the stop wins (as in the paper broker). */
function exitOn(trade: ProposedTrade, bar: Bar): { outcome: 'stop' | 'target'; price: number } | null {
  const { stopPrice: stop, targetPrice: target } = trade;
  if (trade.side === 'buy') {
    if (bar.open <= stop) return { outcome: 'stop', price: bar.open };
    if (bar.low <= stop) return { outcome: 'stop', price: stop };
    if (bar.open >= target) return { outcome: 'target', price: bar.open };
    if (bar.high >= target) return { outcome: 'target', price: target };
    return null;
  }
  if (bar.open >= stop) return { outcome: 'stop', price: bar.open };
  if (bar.high >= stop) return { outcome: 'stop', price: stop };
  if (bar.open <= target) return { outcome: 'target', price: bar.open };
  if (bar.low <= target) return { outcome: 'target', price: target };
  return null;
}

/**
 * Replays a proposal on the bars after its decision, with the paper broker's rules: a market
 * entry fills at the next bar's open, a limit or stop entry when its price is reached (within
 * the horizon); the stop and target become active on the bar after the entry fill and are
 * watched for `horizonBars` bars; a gap through either fills at the open.
 */
export function replayProposal(trade: ProposedTrade, later: readonly Bar[]): Counterfactual {
  const risk = Math.abs(trade.entryPrice - trade.stopPrice);
  const none = (outcome: CounterfactualOutcome): Counterfactual => ({
    outcome,
    entryFill: null,
    exitPrice: null,
    entryTime: null,
    exitTime: null,
    perShare: 0,
    r: 0,
    truncated: outcome === 'no_data',
  });
  if (later.length === 0) return none('no_data');
  let entryIndex = -1;
  let fill: number | null = null;
  for (let index = 0; index < Math.min(later.length, trade.horizonBars); index += 1) {
    fill = entryFill(trade, later[index]!);
    if (fill !== null) {
      entryIndex = index;
      break;
    }
  }
  if (fill === null || entryIndex < 0) return none('not_entered');
  const direction = trade.side === 'buy' ? 1 : -1;
  const result = (outcome: CounterfactualOutcome, bar: Bar, price: number, truncated: boolean) => {
    const perShare = (price - fill!) * direction;
    return {
      outcome,
      entryFill: fill,
      exitPrice: price,
      entryTime: later[entryIndex]!.time,
      exitTime: bar.time,
      perShare,
      r: risk > 0 ? perShare / risk : 0,
      truncated,
    };
  };
  const last = entryIndex + trade.horizonBars;
  for (let index = entryIndex + 1; index <= last && index < later.length; index += 1) {
    const bar = later[index]!;
    const exit = exitOn(trade, bar);
    if (exit) return result(exit.outcome, bar, exit.price, false);
  }
  const markIndex = Math.min(last, later.length - 1);
  const mark = later[markIndex]!;
  return result('horizon', mark, mark.close, markIndex < last);
}
