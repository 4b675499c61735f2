import { exact, rewardToRisk } from '../market/index.ts';

/**
 * The Risk Gate: the first of the three signatures, and the only place a position is sized.
 * Pure code, no LLM: limits, exposure, drawdown, stop distance, correlation and halt level.
 * Every check is reported (value and limit), so a veto reads as a list of reasons.
 */

export interface RiskLimits {
  /** Largest position, as a fraction of equity (0.10 = 10 %). */
  maxPositionPct: number;
  /** Sum of all positions' value (after this trade), as a fraction of equity. */
  maxGrossExposurePct: number;
  /** Equity lost since the start of the day that stops new entries, as a fraction. */
  maxDailyLossPct: number;
  /** Realised + open loss on one symbol today that stops new entries in it, as a fraction of equity. */
  maxSymbolDailyLossPct: number;
  /** What one trade may lose if its stop is hit, as a fraction of equity (before the stance multiplier). */
  maxRiskPerTradePct: number;
  /** Stop distance bounds, as fractions of the entry price. */
  minStopDistancePct: number;
  maxStopDistancePct: number;
  /** How far the proposal's entry may be from the fresh quote, as a fraction of the quote. */
  maxEntryFromQuotePct: number;
  /** Largest correlation of daily returns with any open position. */
  maxCorrelation: number;
  /** Returns compared for correlation. */
  correlationLookback: number;
}

export const defaultRiskLimits: RiskLimits = {
  maxPositionPct: 0.1,
  maxGrossExposurePct: 1,
  maxDailyLossPct: 0.03,
  maxSymbolDailyLossPct: 0.01,
  maxRiskPerTradePct: 0.01,
  minStopDistancePct: 0.002,
  maxStopDistancePct: 0.15,
  maxEntryFromQuotePct: 0.02,
  maxCorrelation: 0.85,
  correlationLookback: 60,
};

export interface RiskProposal {
  symbol: string;
  side: 'buy' | 'sell';
  entryPrice: number;
  stopPrice: number;
  targetPrice: number;
}

export interface RiskPosition {
  symbol: string;
  qty: number;
  /** Last price. */
  price: number;
}

/** The quote read again at signing time: the price the gate sizes with (never the model's entry). */
export interface RiskQuote {
  last: number;
  bid: number | null;
  ask: number | null;
  /** How old the quote is at signing time. */
  ageSeconds: number;
}

export interface RiskInputs {
  /** The candidate the cycle screened: the order goes to this symbol, whatever the model wrote. */
  symbol: string;
  /** The model's numbers: checked against the quote; only its stop distance reaches the size. */
  proposal: RiskProposal;
  quote: RiskQuote;
  /** The oldest quote the gate sizes with (pipeline.maxDataAgeSeconds). */
  maxQuoteAgeSeconds: number;
  equity: number;
  cash: number;
  dayStartEquity: number;
  positions: RiskPosition[];
  /** Entry orders working or of unknown outcome (open, waiting, pending_submit): exposure too. */
  pendingEntries: RiskPosition[];
  /** Realised + open P&L per symbol today (negative = loss). */
  symbolPnlToday: Record<string, number>;
  /** 0 none … 4 flatten; null when it could not be read (fails closed). */
  haltLevel: number | null;
  /** From the Regime stance, 0..1: scales the risk taken per trade. */
  riskMultiplier: number;
  /** The least reward:risk accepted (strategist.minRewardToRisk), on the prices sent. */
  minRewardToRisk: number;
  /**
   * Closing prices, oldest first, per symbol (the candidate's and the open positions'): a list
   * or a view of a series' closes (a typed array's subarray, read in place, never copied).
   */
  closes: Record<string, ArrayLike<number>>;
  /** Fraction of traded value; included so the position is affordable with its commission. */
  commissionRate: number;
  /**
   * strategist.allowShort: whether a sell entry (a new short) may be signed. Absent counts as
   * false, so a caller that forgets it fails closed: no short leaves on any path.
   */
  allowShort?: boolean;
  /**
   * The CEO's budget for the day: the Regime multiplier is capped at `riskMultiplierCap`, and no
   * entry is signed once `newPositionsToday` reaches `maxNewPositions`. It only ever tightens.
   */
  budget?: { riskMultiplierCap: number; maxNewPositions: number; newPositionsToday: number };
}

export interface RiskCheck {
  name: string;
  ok: boolean;
  value: number | string;
  limit: number | string;
  reason: string;
}

export interface RiskDecision {
  verdict: 'sign' | 'veto';
  /** Shares to buy or sell; 0 on a veto. */
  qty: number;
  checks: RiskCheck[];
  /** The failed checks' reasons (empty when signed). */
  reasons: string[];
}

function returns(closes: ArrayLike<number>, lookback: number): number[] {
  const start = Math.max(1, closes.length - lookback);
  const out: number[] = [];
  for (let index = start; index < closes.length; index += 1) {
    const previous = closes[index - 1]!;
    out.push(previous > 0 ? closes[index]! / previous - 1 : 0);
  }
  return out;
}

/** Pearson correlation over the common tail of two return series; 0 when it is undefined. */
export function correlation(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  if (length < 3) return 0;
  const x = a.slice(a.length - length);
  const y = b.slice(b.length - length);
  const meanX = x.reduce((sum, value) => sum + value, 0) / length;
  const meanY = y.reduce((sum, value) => sum + value, 0) / length;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let index = 0; index < length; index += 1) {
    const dx = x[index]! - meanX;
    const dy = y[index]! - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  if (varianceX === 0 || varianceY === 0) return 0;
  return covariance / Math.sqrt(varianceX * varianceY);
}

/** A fraction as a percent, with every digit that was compared (0.15 → "15%", 0.0021 → "0.21%"). */
const pct = (value: number) => `${exact(value * 100)}%`;

/** The price an order of this side meets now: the ask for a buy, the bid for a sell, else the last. */
function referencePrice(quote: RiskQuote, long: boolean): number {
  const side = long ? quote.ask : quote.bid;
  return side !== null && Number.isFinite(side) && side > 0 ? side : quote.last;
}

export function evaluateRisk(inputs: RiskInputs, limits: RiskLimits): RiskDecision {
  const checks: RiskCheck[] = [];
  const check = (name: string, ok: boolean, value: number | string, limit: number | string, reason: string) =>
    checks.push({ name, ok, value, limit, reason });
  const { proposal, equity, symbol, quote } = inputs;
  const long = proposal.side === 'buy';

  const haltOk = inputs.haltLevel !== null && inputs.haltLevel < 2;
  check(
    'halt',
    haltOk,
    inputs.haltLevel ?? 'unreadable',
    '< 2',
    inputs.haltLevel === null
      ? 'halt state unreadable: no new entries'
      : `halt level ${inputs.haltLevel} allows ${haltOk ? 'new entries' : 'no new entries'}`,
  );
  // Fail closed on shorts in code, whoever proposed the sell (fallback, LLM, backtest): while
  // strategist.allowShort is false, no sell entry is signed.
  const shortOk = long || inputs.allowShort === true;
  check(
    'short_allowed',
    shortOk,
    proposal.side,
    inputs.allowShort === true ? 'buy or sell' : 'buy (strategist.allowShort is false)',
    'short entries are not allowed (strategist.allowShort is false): a sell entry is vetoed',
  );
  if (inputs.budget) {
    const { maxNewPositions, newPositionsToday } = inputs.budget;
    check(
      'new_positions_today',
      Number.isFinite(maxNewPositions) && newPositionsToday < maxNewPositions,
      newPositionsToday,
      `< ${maxNewPositions}`,
      `${newPositionsToday} new position(s) today; the CEO's budget allows ${maxNewPositions}`,
    );
  }
  // The order goes to the candidate: a proposal written for another symbol is not this trade.
  check(
    'symbol',
    proposal.symbol === symbol,
    proposal.symbol,
    symbol,
    `the proposal names ${proposal.symbol}, the candidate is ${symbol}`,
  );

  check(
    'quote_age',
    Number.isFinite(quote.ageSeconds) && quote.ageSeconds <= inputs.maxQuoteAgeSeconds,
    `${quote.ageSeconds}s`,
    `≤ ${inputs.maxQuoteAgeSeconds}s`,
    `the fresh quote is ${quote.ageSeconds}s old; the limit is ${inputs.maxQuoteAgeSeconds}s`,
  );
  const reference = referencePrice(quote, long);
  const valid =
    Number.isFinite(proposal.entryPrice) &&
    proposal.entryPrice > 0 &&
    Number.isFinite(proposal.stopPrice) &&
    proposal.stopPrice > 0 &&
    Number.isFinite(proposal.targetPrice) &&
    Number.isFinite(reference) &&
    reference > 0 &&
    Number.isFinite(equity) &&
    equity > 0;
  check(
    'inputs',
    valid,
    valid ? 'finite' : 'invalid',
    'finite, positive',
    'entry, stop, target, quote or equity is not a usable number',
  );
  if (!valid) return finish(checks, 0);

  const stopSideOk = long
    ? proposal.stopPrice < proposal.entryPrice
    : proposal.stopPrice > proposal.entryPrice;
  const targetSideOk = long
    ? proposal.targetPrice > proposal.entryPrice
    : proposal.targetPrice < proposal.entryPrice;
  check(
    'stop_side',
    stopSideOk,
    proposal.stopPrice,
    long ? `< entry ${proposal.entryPrice}` : `> entry ${proposal.entryPrice}`,
    'stop is on the wrong side of the entry',
  );
  check(
    'target_side',
    targetSideOk,
    proposal.targetPrice,
    long ? `> entry ${proposal.entryPrice}` : `< entry ${proposal.entryPrice}`,
    'target is on the wrong side of the entry',
  );
  // The model's entry and stop against the market now, by code, whoever signed besides.
  const entryFromQuote = Math.abs(proposal.entryPrice - reference) / reference;
  check(
    'entry_vs_quote',
    entryFromQuote <= limits.maxEntryFromQuotePct,
    pct(entryFromQuote),
    `≤ ${pct(limits.maxEntryFromQuotePct)}`,
    `entry ${proposal.entryPrice} is ${pct(entryFromQuote)} from the fresh quote ${reference}; the limit is ${pct(limits.maxEntryFromQuotePct)}`,
  );
  check(
    'stop_vs_quote',
    long ? proposal.stopPrice < reference : proposal.stopPrice > reference,
    proposal.stopPrice,
    long ? `< quote ${reference}` : `> quote ${reference}`,
    `the stop ${proposal.stopPrice} is already through the fresh quote ${reference}`,
  );
  const { reward, risk, ratio } = rewardToRisk({
    entry: proposal.entryPrice,
    stop: proposal.stopPrice,
    target: proposal.targetPrice,
  });
  check(
    'reward_to_risk',
    ratio >= inputs.minRewardToRisk,
    exact(ratio),
    `≥ ${inputs.minRewardToRisk}`,
    `reward:risk ${exact(reward)} / ${exact(risk)} = ${exact(ratio)} is below ${inputs.minRewardToRisk}`,
  );
  // The stop's distance from where the order can fill: the model's entry or the quote, the wider.
  const stopDistance = Math.max(
    Math.abs(proposal.entryPrice - proposal.stopPrice) / proposal.entryPrice,
    Math.abs(reference - proposal.stopPrice) / reference,
  );
  check(
    'stop_distance',
    stopDistance >= limits.minStopDistancePct && stopDistance <= limits.maxStopDistancePct,
    pct(stopDistance),
    `${pct(limits.minStopDistancePct)}..${pct(limits.maxStopDistancePct)}`,
    `stop distance ${pct(stopDistance)} is outside ${pct(limits.minStopDistancePct)}..${pct(limits.maxStopDistancePct)}`,
  );

  const dailyLoss = Math.max(0, (inputs.dayStartEquity - equity) / inputs.dayStartEquity);
  check(
    'daily_loss',
    dailyLoss < limits.maxDailyLossPct,
    pct(dailyLoss),
    `< ${pct(limits.maxDailyLossPct)}`,
    `down ${pct(dailyLoss)} today; the limit is ${pct(limits.maxDailyLossPct)}`,
  );
  const symbolLoss = Math.max(0, -(inputs.symbolPnlToday[symbol] ?? 0)) / equity;
  check(
    'symbol_daily_loss',
    symbolLoss < limits.maxSymbolDailyLossPct,
    pct(symbolLoss),
    `< ${pct(limits.maxSymbolDailyLossPct)}`,
    `${symbol} lost ${pct(symbolLoss)} of equity today`,
  );

  const held = inputs.positions.find((position) => position.symbol === symbol && position.qty !== 0);
  check(
    'no_open_position',
    held === undefined,
    held ? held.qty : 0,
    0,
    `already holding ${held?.qty ?? 0} ${symbol}: one position per symbol`,
  );
  // An entry still working, or sent without a known answer, may fill at any moment: it counts.
  const pending = inputs.pendingEntries.filter((entry) => entry.symbol === symbol);
  check(
    'no_pending_entry',
    pending.length === 0,
    pending.reduce((sum, entry) => sum + entry.qty, 0),
    0,
    `an entry order for ${pending.reduce((sum, entry) => sum + entry.qty, 0)} ${symbol} is working or of unknown outcome: one position or pending entry per symbol`,
  );

  const candidateReturns = returns(inputs.closes[symbol] ?? [], limits.correlationLookback);
  let worst = 0;
  let worstSymbol = '';
  for (const position of [...inputs.positions, ...inputs.pendingEntries]) {
    if (position.symbol === symbol || position.qty === 0) continue;
    const value = correlation(
      candidateReturns,
      returns(inputs.closes[position.symbol] ?? [], limits.correlationLookback),
    );
    if (Math.abs(value) > Math.abs(worst)) {
      worst = value;
      worstSymbol = position.symbol;
    }
  }
  check(
    'correlation',
    Math.abs(worst) <= limits.maxCorrelation,
    exact(worst),
    `≤ ${limits.maxCorrelation}`,
    `returns correlate ${exact(worst)} with the open ${worstSymbol} position (the limit is ${limits.maxCorrelation})`,
  );

  // Sizing: the smallest of risk at the stop, the position cap, gross exposure room and cash, all
  // at the quote. The one model number is the stop distance, held inside the configured bounds.
  const cap = inputs.budget ? Math.max(0, inputs.budget.riskMultiplierCap) : 1;
  // NaN anywhere is no size (Math.min would carry it into the quantity).
  const multiplier = Number.isFinite(cap) ? Math.min(1, cap, Math.max(0, inputs.riskMultiplier)) : 0;
  const boundedDistance = Math.min(
    limits.maxStopDistancePct,
    Math.max(limits.minStopDistancePct, stopDistance),
  );
  const perShareRisk = reference * boundedDistance;
  const byRisk =
    perShareRisk > 0
      ? (equity * limits.maxRiskPerTradePct * multiplier) / perShareRisk
      : Number.POSITIVE_INFINITY;
  const byPosition = (equity * limits.maxPositionPct) / reference;
  const gross = [...inputs.positions, ...inputs.pendingEntries].reduce(
    (sum, position) => sum + Math.abs(position.qty * position.price),
    0,
  );
  const byExposure = Math.max(0, equity * limits.maxGrossExposurePct - gross) / reference;
  const byCash = long
    ? Math.max(0, inputs.cash) / (reference * (1 + inputs.commissionRate))
    : Number.POSITIVE_INFINITY;
  const qty = Math.max(0, Math.floor(Math.min(byRisk, byPosition, byExposure, byCash)));
  const binding = [
    ['risk per trade', byRisk],
    ['position cap', byPosition],
    ['gross exposure', byExposure],
    ['cash', byCash],
  ].sort((a, b) => Number(a[1]) - Number(b[1]))[0]![0];
  check(
    'size',
    qty >= 1,
    qty,
    '≥ 1 share',
    `no whole share fits the limits (bound by ${binding}; risk multiplier ${multiplier})`,
  );
  return finish(checks, qty);
}

function finish(checks: RiskCheck[], qty: number): RiskDecision {
  const failed = checks.filter((each) => !each.ok);
  return {
    verdict: failed.length === 0 ? 'sign' : 'veto',
    qty: failed.length === 0 ? qty : 0,
    checks,
    reasons: failed.map((each) => each.reason),
  };
}
