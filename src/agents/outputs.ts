import { z } from 'zod';
import { type Fact, factSchema } from './facts.ts';

/**
 * The typed answers agents read (the skills' JSON Schemas say the same; these narrow them into
 * TypeScript types). A change to a SKILL.md output schema must be mirrored here.
 */
export const stanceSchema = z.object({
  regime: z.enum(['trending_up', 'trending_down', 'ranging', 'volatile']),
  bias: z.enum(['long', 'short', 'neutral']),
  riskMultiplier: z.number().min(0).max(1),
  rationale: z.string().min(1),
});
export type Stance = z.infer<typeof stanceSchema>;

export const strategistAnswerSchema = z
  .object({
    decision: z.enum(['trade', 'no_trade']),
    symbol: z.string().min(1),
    side: z.enum(['buy', 'sell']).nullable(),
    entryType: z.enum(['market', 'limit', 'stop']).nullable(),
    entryPrice: z.number().positive().nullable(),
    stopPrice: z.number().positive().nullable(),
    targetPrice: z.number().positive().nullable(),
    horizonBars: z.number().int().min(1).nullable(),
    rationale: z.string().min(1),
    confidence: z.number().min(0).max(1),
    // Answers recorded before strategist 1.1.0 have no facts: they replay as citing none.
    facts: z.array(factSchema).max(12).default([]),
    // Answers recorded before strategist 1.2.0 cite no news. Strict structured outputs make the
    // optional field required-but-nullable (src/llm/provider-schemas), so null means none too.
    newsIds: z
      .array(z.string().min(1))
      .max(12)
      .nullish()
      .transform((ids) => ids ?? []),
  })
  .superRefine((answer, context) => {
    // The skill's JSON Schema cannot say "all trade fields when decision is trade": checked here,
    // so an incomplete trade is an invalid answer (repaired once, then the route fails).
    if (answer.decision !== 'trade') return;
    for (const field of [
      'side',
      'entryType',
      'entryPrice',
      'stopPrice',
      'targetPrice',
      'horizonBars',
    ] as const) {
      if (answer[field] === null)
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} is required when decision is "trade"`,
        });
    }
  });
export type StrategistAnswer = z.infer<typeof strategistAnswerSchema>;

/** A trade proposal once "trade" was decided: every field present. */
export interface TradeProposal {
  symbol: string;
  side: 'buy' | 'sell';
  entryType: 'market' | 'limit' | 'stop';
  entryPrice: number;
  stopPrice: number;
  targetPrice: number;
  horizonBars: number;
  rationale: string;
  confidence: number;
  /** The figures the proposal relies on, by name (checked by code before any LLM signer). */
  facts: Fact[];
  /** The ids of the headlines the rationale relies on (each must be one the agents were shown). */
  newsIds?: string[];
}

export function toTradeProposal(answer: StrategistAnswer): TradeProposal | null {
  if (answer.decision !== 'trade') return null;
  const { side, entryType, entryPrice, stopPrice, targetPrice, horizonBars } = answer;
  if (
    side === null ||
    entryType === null ||
    entryPrice === null ||
    stopPrice === null ||
    targetPrice === null ||
    horizonBars === null
  ) {
    return null;
  }
  return {
    symbol: answer.symbol,
    side,
    entryType,
    entryPrice,
    stopPrice,
    targetPrice,
    horizonBars,
    rationale: answer.rationale,
    confidence: answer.confidence,
    facts: answer.facts,
    newsIds: answer.newsIds,
  };
}

export const signerAnswerSchema = z.object({
  verdict: z.enum(['sign', 'veto']),
  reasons: z.array(z.string().min(1)).min(1),
});
export type SignerAnswer = z.infer<typeof signerAnswerSchema>;
