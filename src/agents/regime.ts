import { type BarSeries, exact } from '../market/index.ts';
import { barsUpTo, type Indicators, indicatorsAt } from './market-context.ts';
import { type Stance, stanceSchema } from './outputs.ts';
import { type AgentOutcome, type AgentRuntime, runAgent } from './run-agent.ts';

export interface RegimeRequest {
  series: BarSeries;
  /** Index of the newest bar the agent may see. */
  index: number;
  timeframe: string;
  cycleId: string;
  macro: string | null;
}

/**
 * Indicator rules, used when no LLM can be asked: high volatility first (it overrides trend),
 * then trend by the 20/50 moving averages and the close, else ranging.
 */
export function fallbackStance(indicators: Indicators, close: number): Stance {
  const { sma20, sma50, volatility20Pct } = indicators;
  if (volatility20Pct !== null && volatility20Pct > 3) {
    return {
      regime: 'volatile',
      bias: 'neutral',
      riskMultiplier: 0.3,
      rationale: `fallback: 20-bar volatility ${exact(volatility20Pct)}% > 3%`,
    };
  }
  if (sma20 === null || sma50 === null) {
    return {
      regime: 'ranging',
      bias: 'neutral',
      riskMultiplier: 0.5,
      rationale: 'fallback: not enough history for the 50-bar average',
    };
  }
  if (sma20 > sma50 && close > sma20) {
    return {
      regime: 'trending_up',
      bias: 'long',
      riskMultiplier: 1,
      rationale: `fallback: close ${exact(close)} > SMA20 ${exact(sma20)} > SMA50 ${exact(sma50)}`,
    };
  }
  if (sma20 < sma50 && close < sma20) {
    return {
      regime: 'trending_down',
      bias: 'short',
      riskMultiplier: 0.5,
      rationale: `fallback: close ${exact(close)} < SMA20 ${exact(sma20)} < SMA50 ${exact(sma50)}`,
    };
  }
  return {
    regime: 'ranging',
    bias: 'neutral',
    riskMultiplier: 0.6,
    rationale: `fallback: averages mixed (SMA20 ${exact(sma20)}, SMA50 ${exact(sma50)}, close ${exact(close)})`,
  };
}

export function regimeInputs(request: RegimeRequest): Record<string, unknown> {
  const { series, index } = request;
  return {
    symbol: series.symbol,
    timeframe: request.timeframe,
    asOf: new Date(series.time[index]!).toISOString(),
    bars: barsUpTo(series, index, 60),
    indicators: indicatorsAt(series, index),
    macro: request.macro,
  };
}

export function runRegime(runtime: AgentRuntime, request: RegimeRequest): Promise<AgentOutcome<Stance>> {
  const indicators = indicatorsAt(request.series, request.index);
  return runAgent(runtime, {
    agent: 'regime',
    skill: 'regime',
    cycleId: request.cycleId,
    inputs: () => regimeInputs(request),
    narrow: stanceSchema,
    fallback: () => fallbackStance(indicators, request.series.close[request.index]!),
  });
}
