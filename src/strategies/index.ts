import { ValidationError } from '../errors/index.ts';
import { Breakout, breakoutParametersSchema } from './breakout.ts';
import { MeanReversion, meanReversionParametersSchema } from './mean-reversion.ts';
import { SmaCross, smaCrossParametersSchema } from './sma-cross.ts';
import type { Strategy, StrategyOptions } from './strategy.ts';

export { Breakout, type BreakoutParameters, breakoutParametersSchema } from './breakout.ts';
export { priceScale, toMicros } from './indicators.ts';
export {
  MeanReversion,
  type MeanReversionParameters,
  meanReversionParametersSchema,
} from './mean-reversion.ts';
export { SmaCross, type SmaCrossParameters, smaCrossParametersSchema } from './sma-cross.ts';
export type { Proposal, Strategy, StrategyOptions } from './strategy.ts';

export const strategyNames = ['sma-cross', 'breakout', 'mean-reversion'] as const;
export type StrategyName = (typeof strategyNames)[number];

/**
 * Builds a strategy by name; unknown parameters of that strategy are an error naming them.
 * `options.short` lets it propose short entries (default long only).
 */
export function createStrategy(
  name: string,
  parameters: Record<string, unknown> = {},
  options: StrategyOptions = {},
): Strategy {
  const build = {
    'sma-cross': () => new SmaCross(smaCrossParametersSchema.parse(parameters), options),
    breakout: () => new Breakout(breakoutParametersSchema.parse(parameters), options),
    'mean-reversion': () => new MeanReversion(meanReversionParametersSchema.parse(parameters), options),
  }[name as StrategyName];
  if (!build) {
    throw new ValidationError(
      `unknown strategy "${name}"`,
      [{ path: 'strategy', message: `use one of ${strategyNames.join(', ')}` }],
      {
        fix: `Pick one of: ${strategyNames.join(', ')}.`,
      },
    );
  }
  try {
    return build();
  } catch (error) {
    if (error instanceof Error && 'issues' in error && Array.isArray((error as { issues: unknown }).issues)) {
      const issues = (error as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues.map(
        (issue) => ({
          path: `${name}.${issue.path.map(String).join('.') || '(parameters)'}`,
          message: issue.message,
        }),
      );
      throw new ValidationError(
        `invalid parameters for ${name}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
        issues,
        { fix: 'Correct the named parameter.' },
      );
    }
    throw error;
  }
}
