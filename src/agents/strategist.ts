import {
  type BarSeries,
  exact,
  type PriceTick,
  paperPriceTick,
  rewardToRisk,
  roundToTick,
} from '../market/index.ts';
import type { HeadlineShown } from '../news/index.ts';
import { withFields } from '../platform/index.ts';
import { type Challenger, shadowAgentName } from '../skills/index.ts';
import type { Strategy } from '../strategies/index.ts';
import type { Fact } from './facts.ts';
import { barsUpTo, indicatorsAt, quoteAt } from './market-context.ts';
import { type Stance, type StrategistAnswer, strategistAnswerSchema } from './outputs.ts';
import { type AgentOutcome, type AgentRuntime, runAgent } from './run-agent.ts';

export interface StrategistRules {
  minRewardToRisk: number;
  maxHorizonBars: number;
  entryTypes: Array<'market' | 'limit' | 'stop'>;
  allowShort: boolean;
  /** Fallback stop and target distances, in ATRs. */
  stopAtr: number;
  targetAtr: number;
  /** The venue's price tick: every price proposed is on it (the ratios are the sent prices'). */
  priceTick: PriceTick;
}

export const defaultStrategistRules: StrategistRules = {
  minRewardToRisk: 1.5,
  maxHorizonBars: 20,
  entryTypes: ['market'],
  allowShort: false,
  stopAtr: 2,
  targetAtr: 3,
  priceTick: paperPriceTick,
};

export interface StrategistRequest {
  series: BarSeries;
  index: number;
  timeframe: string;
  cycleId: string;
  stance: Stance & { decidedBy: 'llm' | 'fallback' | 'code' };
  position: {
    side: 'long' | 'short';
    entryPrice: number;
    stopPrice: number;
    targetPrice: number | null;
    openedAt: string;
  } | null;
  rules: StrategistRules;
  /** The deterministic strategy that decides when no LLM can be asked. */
  fallbackStrategy: Strategy;
  /** Headlines about the symbol published no later than the bar (none without a news feed). */
  news?: HeadlineShown[];
}

/** A Strategist answer that declines to trade: every trade field null. */
export function noTradeAnswer(symbol: string, rationale: string, confidence = 0): StrategistAnswer {
  return {
    decision: 'no_trade',
    symbol,
    side: null,
    entryType: null,
    entryPrice: null,
    stopPrice: null,
    targetPrice: null,
    horizonBars: null,
    rationale,
    confidence,
    facts: [],
    newsIds: [],
  };
}

/**
 * Stop and target on the venue's tick, keeping the ratio intended: the stop is rounded to the
 * nearest tick, then the target is placed `ratio` risks away and rounded away from the entry,
 * so reward:risk on the prices sent is never below the ratio (null when no stop fits).
 */
export function bracketOnTicks(
  close: number,
  direction: 1 | -1,
  stopDistance: number,
  ratio: number,
  priceTick: PriceTick,
): { entry: number; stop: number; target: number } | null {
  const entry = roundToTick(close, priceTick(close));
  const rawStop = entry - direction * stopDistance;
  if (!(rawStop > 0)) return null;
  const stop = roundToTick(rawStop, priceTick(rawStop));
  const { risk } = rewardToRisk({ entry, stop, target: entry });
  if (risk <= 0 || (direction === 1 ? stop >= entry : stop <= entry)) return null;
  const rawTarget = entry + direction * risk * ratio;
  let target = roundToTick(rawTarget, priceTick(rawTarget), direction === 1 ? 'up' : 'down');
  // Only binary noise in risk × ratio can leave the target a tick short: step it out.
  for (let step = 0; step < 3 && rewardToRisk({ entry, stop, target }).ratio < ratio; step += 1) {
    const tick = priceTick(target);
    target = roundToTick(target + direction * tick, tick);
  }
  if (!(target > 0) || rewardToRisk({ entry, stop, target }).ratio < ratio) return null;
  return { entry, stop, target };
}

/** The deterministic strategy's entry signal as a Strategist answer, with ATR-based stop and target. */
export function fallbackProposal(request: StrategistRequest): StrategistAnswer {
  const { series, index, rules } = request;
  const symbol = series.symbol;
  const noTrade = (rationale: string) => noTradeAnswer(symbol, rationale);
  if (request.position)
    return noTrade('fallback: already in a position; it leaves by its stop, target or horizon');
  const held = 0;
  const signal = request.fallbackStrategy.decide(series, index, held);
  if (signal?.intent !== 'enter' || !signal)
    return noTrade(`fallback: ${request.fallbackStrategy.name} gives no entry on this bar`);
  if (signal.side === 'sell' && !rules.allowShort) return noTrade('fallback: short entries are not allowed');
  const atr = indicatorsAt(series, index).atr14;
  if (atr === null || atr <= 0) return noTrade('fallback: not enough history for ATR-based stops');
  const ratio = rules.targetAtr / rules.stopAtr;
  if (ratio < rules.minRewardToRisk)
    return noTrade(
      `fallback: targetAtr / stopAtr = ${exact(ratio)} is below minRewardToRisk ${rules.minRewardToRisk}; raise strategist.targetAtr`,
    );
  const direction = signal.side === 'buy' ? 1 : -1;
  const bracket = bracketOnTicks(series.close[index]!, direction, rules.stopAtr * atr, ratio, (price) =>
    rules.priceTick(price, series.symbol),
  );
  if (!bracket)
    return noTrade(`fallback: no stop ${rules.stopAtr}×ATR14 (${exact(atr)}) away fits the price grid`);
  const facts: Fact[] = [...signal.facts];
  if (!facts.some((fact) => fact.name === 'atr14')) facts.push({ name: 'atr14', value: atr });
  return {
    decision: 'trade',
    symbol,
    side: signal.side,
    entryType: 'market',
    entryPrice: bracket.entry,
    stopPrice: bracket.stop,
    targetPrice: bracket.target,
    horizonBars: rules.maxHorizonBars,
    rationale: `fallback (${request.fallbackStrategy.name}): ${signal.reason}; stop ${rules.stopAtr}×ATR14 (${exact(atr)}), target at ${exact(ratio)}× the risk, on the price tick`,
    confidence: 0.5,
    facts,
    newsIds: [],
  };
}

export function strategistInputs(request: StrategistRequest): Record<string, unknown> {
  const { series, index, rules } = request;
  return {
    symbol: series.symbol,
    timeframe: request.timeframe,
    asOf: new Date(series.time[index]!).toISOString(),
    quote: quoteAt(series, index),
    bars: barsUpTo(series, index, 60),
    indicators: indicatorsAt(series, index),
    stance: request.stance,
    position: request.position,
    news: request.news ?? [],
    rules: {
      minRewardToRisk: rules.minRewardToRisk,
      maxHorizonBars: rules.maxHorizonBars,
      entryTypes: rules.entryTypes,
      allowShort: rules.allowShort,
    },
  };
}

export function runStrategist(
  runtime: AgentRuntime,
  request: StrategistRequest,
): Promise<AgentOutcome<StrategistAnswer>> {
  return runAgent(runtime, {
    agent: 'strategist',
    skill: 'strategist',
    cycleId: request.cycleId,
    inputs: () => strategistInputs(request),
    narrow: strategistAnswerSchema,
    fallback: () => fallbackProposal(request),
  });
}

/** A challenger's answer on the champion's exact inputs, or why there is none. */
export interface ShadowAnswer {
  challenger: Challenger;
  outcome: AgentOutcome<StrategistAnswer>;
}

/**
 * Runs each Strategist challenger in shadow on the champion's exact inputs. A challenger has no
 * fallback (with no route it says so and costs nothing), is not counted in the deciders' tally,
 * and its calls are costed under its own ledger agent (`shadow:strategist/<variant>`), which the
 * router charges to the shadow budget.
 */
export function runStrategistChallengers(
  runtime: AgentRuntime,
  request: StrategistRequest,
): Promise<ShadowAnswer[]> {
  const challengers = runtime.challengers ?? [];
  if (challengers.length === 0) return Promise.resolve([]);
  // Built once for all challengers, and only when a route is asked (runAgent): without one, each
  // challenger says so without its inputs.
  let built: Record<string, unknown> | undefined;
  const inputs = () => {
    built ??= strategistInputs(request);
    return built;
  };
  const quiet: AgentRuntime = withFields(runtime, { tally: undefined });
  return Promise.all(
    challengers.map(async (challenger) => ({
      challenger,
      outcome: await runAgent(quiet, {
        agent: shadowAgentName(challenger.champion, challenger.variant),
        skill: challenger.skill.name,
        skillText: challenger.skill,
        cycleId: request.cycleId,
        inputs,
        narrow: strategistAnswerSchema,
      }),
    })),
  );
}
