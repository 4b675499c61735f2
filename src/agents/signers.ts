import type { BarSeries } from '../market/index.ts';
import { type AgentBar, barsUpTo, type Indicators, indicatorsAt, type Quote } from './market-context.ts';
import { type SignerAnswer, type Stance, signerAnswerSchema, type TradeProposal } from './outputs.ts';
import { type AgentOutcome, type AgentRuntime, runAgent } from './run-agent.ts';

export interface FactCheckRequest {
  series: BarSeries;
  /** The bar the Strategist saw. */
  index: number;
  cycleId: string;
  proposal: TradeProposal;
  /** Re-read at signing time. */
  freshQuote: Quote;
  /** Signing time, epoch ms. */
  now: number;
  maxDataAgeSeconds: number;
}

export interface DoubleCheckRequest {
  series: BarSeries;
  index: number;
  timeframe: string;
  cycleId: string;
  /** The stance without its rationale. */
  stance: Pick<Stance, 'regime' | 'bias' | 'riskMultiplier'>;
  /** The bare order: the rationale and confidence are withheld on purpose (a blind check). */
  trade: Pick<
    TradeProposal,
    'side' | 'entryType' | 'entryPrice' | 'stopPrice' | 'targetPrice' | 'horizonBars'
  >;
  quote: Quote;
}

function freshness(request: FactCheckRequest) {
  const dataAgeSeconds = Math.max(0, (request.now - request.series.time[request.index]!) / 1000);
  const quoteAgeSeconds = Math.max(0, (request.now - Date.parse(request.freshQuote.t)) / 1000);
  const entryVsLastPercent =
    ((request.proposal.entryPrice - request.freshQuote.last) / request.freshQuote.last) * 100;
  return {
    quoteAgeSeconds: Number(quoteAgeSeconds.toFixed(3)),
    dataAgeSeconds: Number(dataAgeSeconds.toFixed(3)),
    maxDataAgeSeconds: request.maxDataAgeSeconds,
    entryVsLastPercent: Number(entryVsLastPercent.toFixed(4)),
  };
}

/** Numbers in a rationale that look like prices of this instrument (within 0.5×..2× the last price). */
function quotedPrices(rationale: string, last: number): number[] {
  const numbers = rationale.match(/\d+(?:\.\d+)?/g) ?? [];
  return numbers.map(Number).filter((value) => value >= last * 0.5 && value <= last * 2);
}

/**
 * The FactChecker's rules in code: fresh data, an entry near the fresh quote, and every price
 * the rationale quotes found in the data it was built on (bars or indicators, within 1 %).
 */
export function fallbackFactCheck(
  request: FactCheckRequest,
  bars: AgentBar[],
  indicators: Indicators,
): SignerAnswer {
  const fresh = freshness(request);
  const reasons: string[] = [];
  const { proposal } = request;
  if (fresh.dataAgeSeconds > request.maxDataAgeSeconds) {
    reasons.push(`data is ${fresh.dataAgeSeconds}s old; the limit is ${request.maxDataAgeSeconds}s`);
  }
  if (fresh.quoteAgeSeconds > request.maxDataAgeSeconds)
    reasons.push(`the fresh quote is ${fresh.quoteAgeSeconds}s old`);
  if (Math.abs(fresh.entryVsLastPercent) > 2) {
    reasons.push(
      `entry ${proposal.entryPrice} is ${fresh.entryVsLastPercent.toFixed(2)}% from the fresh last ${request.freshQuote.last}`,
    );
  }
  const long = proposal.side === 'buy';
  if (long ? proposal.stopPrice >= request.freshQuote.last : proposal.stopPrice <= request.freshQuote.last) {
    reasons.push(
      `the stop ${proposal.stopPrice} is already through the fresh last ${request.freshQuote.last}`,
    );
  }
  const known = [
    ...bars.flatMap((bar) => [bar.o, bar.h, bar.l, bar.c]),
    ...Object.values(indicators).filter((value): value is number => value !== null),
    proposal.entryPrice,
    proposal.stopPrice,
    proposal.targetPrice,
  ];
  for (const figure of quotedPrices(proposal.rationale, request.freshQuote.last)) {
    if (!known.some((value) => Math.abs(value - figure) <= Math.abs(value) * 0.01)) {
      reasons.push(`the rationale quotes ${figure}, which matches nothing in the data`);
    }
  }
  if (reasons.length > 0) return { verdict: 'veto', reasons };
  return {
    verdict: 'sign',
    reasons: [
      `data ${fresh.dataAgeSeconds}s old, entry ${fresh.entryVsLastPercent.toFixed(2)}% from last, quoted figures match the data`,
    ],
  };
}

export function runFactChecker(
  runtime: AgentRuntime,
  request: FactCheckRequest,
): Promise<AgentOutcome<SignerAnswer>> {
  const bars = barsUpTo(request.series, request.index, 60);
  const indicators = indicatorsAt(request.series, request.index);
  return runAgent(runtime, {
    agent: 'fact-checker',
    skill: 'fact-checker',
    cycleId: request.cycleId,
    inputs: {
      symbol: request.series.symbol,
      asOf: new Date(request.now).toISOString(),
      proposal: request.proposal,
      freshQuote: request.freshQuote,
      freshness: freshness(request),
      bars,
      indicators,
    },
    narrow: signerAnswerSchema,
    fallback: () => fallbackFactCheck(request, bars, indicators),
  });
}

/**
 * A second, independent opinion in code (it never sees the rationale): trade with the
 * 50-bar trend, not into an overbought or oversold extreme, and with enough reward for the risk.
 */
export function fallbackDoubleCheck(
  request: DoubleCheckRequest,
  indicators: Indicators,
  minRewardToRisk = 1.5,
): SignerAnswer {
  const { trade } = request;
  const close = request.series.close[request.index]!;
  const long = trade.side === 'buy';
  const reasons: string[] = [];
  if (indicators.sma50 !== null && (long ? close < indicators.sma50 : close > indicators.sma50)) {
    reasons.push(
      `${long ? 'buying below' : 'selling above'} the 50-bar average (${close} vs ${indicators.sma50.toFixed(2)})`,
    );
  }
  if (indicators.rsi14 !== null && (long ? indicators.rsi14 > 75 : indicators.rsi14 < 25)) {
    reasons.push(`RSI14 ${indicators.rsi14.toFixed(1)} is ${long ? 'overbought' : 'oversold'}`);
  }
  const risk = Math.abs(trade.entryPrice - trade.stopPrice);
  const reward = Math.abs(trade.targetPrice - trade.entryPrice);
  const ratio = risk > 0 ? reward / risk : 0;
  // Prices are rounded to 4 decimals, so an exact 1.5 may come out as 1.4999…: allow for that.
  if (ratio < minRewardToRisk - 1e-6)
    reasons.push(`reward:risk ${ratio.toFixed(2)} is below ${minRewardToRisk}`);
  if (request.stance.bias !== 'neutral' && (request.stance.bias === 'long') !== long) {
    reasons.push(`the trade is against the ${request.stance.bias} bias of a ${request.stance.regime} regime`);
  }
  if (reasons.length > 0) return { verdict: 'veto', reasons };
  return {
    verdict: 'sign',
    reasons: [
      `with the trend, RSI14 ${indicators.rsi14?.toFixed(1) ?? 'n/a'}, reward:risk ${ratio.toFixed(2)}`,
    ],
  };
}

export function runDoubleChecker(
  runtime: AgentRuntime,
  request: DoubleCheckRequest,
): Promise<AgentOutcome<SignerAnswer>> {
  const indicators = indicatorsAt(request.series, request.index);
  return runAgent(runtime, {
    agent: 'double-checker',
    skill: 'double-checker',
    cycleId: request.cycleId,
    inputs: {
      symbol: request.series.symbol,
      timeframe: request.timeframe,
      asOf: new Date(request.series.time[request.index]!).toISOString(),
      quote: request.quote,
      stance: request.stance,
      trade: request.trade,
      bars: barsUpTo(request.series, request.index, 60),
      indicators,
    },
    narrow: signerAnswerSchema,
    fallback: () => fallbackDoubleCheck(request, indicators),
  });
}
