import type { BarSeries } from '../market/index.ts';
import type { Strategy } from '../strategies/index.ts';
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
}

export const defaultStrategistRules: StrategistRules = {
  minRewardToRisk: 1.5,
  maxHorizonBars: 20,
  entryTypes: ['market'],
  allowShort: false,
  stopAtr: 2,
  targetAtr: 3,
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
}

const round = (value: number) => Number(value.toFixed(4));

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
  };
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
  const entry = series.close[index]!;
  const direction = signal.side === 'buy' ? 1 : -1;
  return {
    decision: 'trade',
    symbol,
    side: signal.side,
    entryType: 'market',
    entryPrice: round(entry),
    stopPrice: round(entry - direction * rules.stopAtr * atr),
    targetPrice: round(entry + direction * rules.targetAtr * atr),
    horizonBars: rules.maxHorizonBars,
    rationale: `fallback (${request.fallbackStrategy.name}): ${signal.reason}; stop ${rules.stopAtr}×ATR14 (${atr.toFixed(4)}), target ${rules.targetAtr}×ATR14`,
    confidence: 0.5,
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
    inputs: strategistInputs(request),
    narrow: strategistAnswerSchema,
    fallback: () => fallbackProposal(request),
  });
}
