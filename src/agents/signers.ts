import { type BarSeries, exact, rewardToRisk } from '../market/index.ts';
import { type HeadlineShown, newsIdsProblems } from '../news/index.ts';
import { withFields } from '../platform/index.ts';
import { checkFacts, type FactCheck } from './facts.ts';
import { barsUpTo, type Indicators, indicatorsAt, type Quote } from './market-context.ts';
import { type SignerAnswer, type Stance, signerAnswerSchema, type TradeProposal } from './outputs.ts';
import { type AgentOutcome, type AgentRuntime, runAgent } from './run-agent.ts';

/** A signer's verdict reached by code alone, before any model or fallback was asked. */
export interface CodeOutcome {
  ok: true;
  decidedBy: 'code';
  value: SignerAnswer;
}

export type SignerOutcome = AgentOutcome<SignerAnswer> | CodeOutcome;

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
  /** How far a fact may be from the data it names, in percent of the data's value. */
  factTolerancePct: number;
  /** The headlines the Strategist was shown (the only news a rationale may cite). */
  news?: HeadlineShown[];
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
  /** The least reward:risk the rules accept, on the prices sent. */
  minRewardToRisk: number;
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

/**
 * The proposal as the FactChecker skill is shown it: without `facts` when it cites none, so a
 * proposal recorded before facts existed renders exactly as it did then (and replays).
 */
function proposalAsShown(proposal: TradeProposal): Record<string, unknown> {
  const { facts, newsIds, ...rest } = proposal;
  return {
    ...rest,
    ...(facts.length > 0 ? { facts } : {}),
    ...(newsIds && newsIds.length > 0 ? { newsIds } : {}),
  };
}

/** The proposal's facts, each checked by name against the bars and indicators it names. */
export function checkProposalFacts(request: FactCheckRequest): FactCheck {
  const checked = checkFacts(request.proposal.facts, request.series, request.index, request.factTolerancePct);
  // News cited but not fetched for this bar is a fact that does not hold.
  const news = newsIdsProblems(request.proposal.newsIds ?? [], request.news ?? []);
  return news.length === 0 ? checked : withFields(checked, { problems: [...checked.problems, ...news] });
}

/**
 * The FactChecker's rules in code: fresh data, an entry near the fresh quote, a stop not yet
 * run through, and every fact the proposal relies on found, by name, in the data it names.
 * The rationale's text is not parsed: its figures are the LLM FactChecker's to read.
 */
export function fallbackFactCheck(request: FactCheckRequest): SignerAnswer {
  const fresh = freshness(request);
  const reasons: string[] = [];
  const { proposal } = request;
  if (fresh.dataAgeSeconds > request.maxDataAgeSeconds) {
    reasons.push(`data is ${fresh.dataAgeSeconds}s old; the limit is ${request.maxDataAgeSeconds}s`);
  }
  if (fresh.quoteAgeSeconds > request.maxDataAgeSeconds)
    reasons.push(
      `the fresh quote is ${fresh.quoteAgeSeconds}s old; the limit is ${request.maxDataAgeSeconds}s`,
    );
  if (Math.abs(fresh.entryVsLastPercent) > 2) {
    reasons.push(
      `entry ${proposal.entryPrice} is ${fresh.entryVsLastPercent}% from the fresh last ${request.freshQuote.last}; the limit is 2%`,
    );
  }
  const long = proposal.side === 'buy';
  if (long ? proposal.stopPrice >= request.freshQuote.last : proposal.stopPrice <= request.freshQuote.last) {
    reasons.push(
      `the stop ${proposal.stopPrice} is already through the fresh last ${request.freshQuote.last}`,
    );
  }
  const facts = checkProposalFacts(request);
  reasons.push(...facts.problems);
  if (reasons.length > 0) return { verdict: 'veto', reasons };
  return {
    verdict: 'sign',
    reasons: [
      `data ${fresh.dataAgeSeconds}s old, entry ${fresh.entryVsLastPercent}% from last, ${
        facts.verified.length > 0 ? `facts match the data: ${facts.verified.join(', ')}` : 'no facts cited'
      }`,
    ],
  };
}

/**
 * The FactChecker: the proposal's facts are checked by code first, and a fact that does not
 * hold is a veto without asking anyone; otherwise the skill (or, with no route, the fallback)
 * checks freshness, geometry and the rationale.
 */
export async function runFactChecker(
  runtime: AgentRuntime,
  request: FactCheckRequest,
): Promise<SignerOutcome> {
  const facts = checkProposalFacts(request);
  if (facts.problems.length > 0)
    return { ok: true, decidedBy: 'code', value: { verdict: 'veto', reasons: facts.problems } };
  return runAgent(runtime, {
    agent: 'fact-checker',
    skill: 'fact-checker',
    cycleId: request.cycleId,
    // Built only when a route is asked (bars as ISO-stamped rows cost), never for the fallback.
    inputs: () => ({
      symbol: request.series.symbol,
      asOf: new Date(request.now).toISOString(),
      proposal: proposalAsShown(request.proposal),
      freshQuote: request.freshQuote,
      freshness: freshness(request),
      bars: barsUpTo(request.series, request.index, 60),
      indicators: indicatorsAt(request.series, request.index),
      news: request.news ?? [],
    }),
    narrow: signerAnswerSchema,
    fallback: () => fallbackFactCheck(request),
  });
}

/**
 * A second, independent opinion in code (it never sees the rationale): trade with the
 * 50-bar trend, not into an overbought or oversold extreme, and with enough reward for the
 * risk on the prices sent. Reasons show the numbers exactly as they were compared.
 */
export function fallbackDoubleCheck(request: DoubleCheckRequest, indicators: Indicators): SignerAnswer {
  const { trade, minRewardToRisk } = request;
  const close = request.series.close[request.index]!;
  const long = trade.side === 'buy';
  const reasons: string[] = [];
  const { sma50, rsi14 } = indicators;
  if (sma50 !== null && (long ? close < sma50 : close > sma50)) {
    reasons.push(
      `${long ? 'buying below' : 'selling above'} the 50-bar average (close ${exact(close)} ${long ? '<' : '>'} sma50 ${exact(sma50)})`,
    );
  }
  if (rsi14 !== null && (long ? rsi14 > 75 : rsi14 < 25)) {
    reasons.push(`RSI14 ${exact(rsi14)} is ${long ? 'overbought (> 75)' : 'oversold (< 25)'}`);
  }
  const { reward, risk, ratio } = rewardToRisk({
    entry: trade.entryPrice,
    stop: trade.stopPrice,
    target: trade.targetPrice,
  });
  if (ratio < minRewardToRisk)
    reasons.push(
      `reward:risk ${exact(reward)} / ${exact(risk)} = ${exact(ratio)} is below ${minRewardToRisk}`,
    );
  if (request.stance.bias !== 'neutral' && (request.stance.bias === 'long') !== long) {
    reasons.push(`the trade is against the ${request.stance.bias} bias of a ${request.stance.regime} regime`);
  }
  if (reasons.length > 0) return { verdict: 'veto', reasons };
  return {
    verdict: 'sign',
    reasons: [
      `with the trend, RSI14 ${rsi14 === null ? 'n/a' : exact(rsi14)}, reward:risk ${exact(reward)} / ${exact(risk)} = ${exact(ratio)}`,
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
    inputs: () => ({
      symbol: request.series.symbol,
      timeframe: request.timeframe,
      asOf: new Date(request.series.time[request.index]!).toISOString(),
      quote: request.quote,
      stance: request.stance,
      trade: request.trade,
      bars: barsUpTo(request.series, request.index, 60),
      indicators,
    }),
    narrow: signerAnswerSchema,
    fallback: () => fallbackDoubleCheck(request, indicators),
  });
}
