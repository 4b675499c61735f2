import { z } from 'zod';

/**
 * The Macro Officer's bars: the market index and its sectors. Symbols the feed does not carry are
 * left out: without the index, a synthetic equal-weight index of the traded symbols stands in
 * (the sim market has none); without any sector, each traded symbol stands in for one.
 */
export const macroSectionSchema = z
  .object({
    index: z.string().min(1).max(32).default('SPY'),
    sectors: z
      .array(z.string().min(1).max(32))
      .max(30)
      .default(['XLK', 'XLF', 'XLV', 'XLY', 'XLP', 'XLE', 'XLI', 'XLB', 'XLU', 'XLRE', 'XLC']),
    /** The index's 20-bar volatility (percent) above which the fallback calls the market volatile. */
    volatilePct: z.number().positive().max(100).default(2),
  })
  .strict();

/**
 * Bounds of the CEO's daily budget: code clamps whatever it answers within them. The CEO can only
 * hold the desk back (a cap on the Regime agent's multiplier, a count of new positions); it cannot
 * lift a halt or loosen a Risk Gate limit.
 */
export const ceoSectionSchema = z
  .object({
    /** Highest cap on the Regime agent's risk multiplier the CEO may set (0..1). */
    maxRiskMultiplierCap: z.number().min(0).max(1).default(1),
    /** Most new positions the CEO may allow in one trading day. */
    maxNewPositions: z.number().int().min(0).max(1_000).default(5),
  })
  .strict();

export type MacroSection = z.infer<typeof macroSectionSchema>;
export type CeoSection = z.infer<typeof ceoSectionSchema>;
