import { defaultStrategistRules } from '../agents/index.ts';
import type { Config } from '../config/index.ts';
import type { PriceTick } from '../market/index.ts';
import type { CycleSettings } from '../pipeline/index.ts';
import { createStrategy, type Strategy } from '../strategies/index.ts';

/** The cycle's settings from signet.yaml; the bar timeframe, the commission and the price tick depend on the venue. */
export function cycleSettingsFrom(
  config: Config,
  venue: { timeframe: string; commissionRate: number; priceTick: PriceTick },
): CycleSettings {
  const { strategist, pipeline } = config;
  return {
    limits: config.risk,
    rules: {
      ...defaultStrategistRules,
      minRewardToRisk: strategist.minRewardToRisk,
      maxHorizonBars: strategist.maxHorizonBars,
      allowShort: strategist.allowShort,
      stopAtr: strategist.stopAtr,
      targetAtr: strategist.targetAtr,
      priceTick: venue.priceTick,
    },
    timeframe: venue.timeframe,
    topK: pipeline.topK,
    parallelism: pipeline.parallelism,
    signerTimeoutMs: pipeline.signerTimeoutMs,
    maxDataAgeSeconds: pipeline.maxDataAgeSeconds,
    factTolerancePct: pipeline.factTolerancePct,
    commissionRate: venue.commissionRate,
    macro: config.macro,
    ceo: config.ceo,
  };
}

/**
 * The deterministic strategy that decides for the Strategist when no LLM can be asked; it
 * proposes short entries (sma-cross's death cross, the mirror images) only when shorts are allowed.
 */
export function fallbackStrategyFrom(config: Config): Strategy {
  return createStrategy(config.strategist.fallback, config.strategist.fallbackParameters, {
    short: config.strategist.allowShort,
  });
}
