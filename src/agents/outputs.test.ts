import { describe, expect, it } from 'vitest';
import { strategistAnswerSchema } from './outputs.ts';

const noTrade = {
  decision: 'no_trade',
  symbol: 'ORCL',
  side: null,
  entryType: null,
  entryPrice: null,
  stopPrice: null,
  targetPrice: null,
  horizonBars: null,
  rationale: 'flat market',
  confidence: 0.4,
  facts: [],
};

describe('the Strategist answer schema', () => {
  it('reads newsIds absent or null (a strict provider answers an optional field with null) as citing none', () => {
    expect(strategistAnswerSchema.parse(noTrade).newsIds).toEqual([]);
    expect(strategistAnswerSchema.parse({ ...noTrade, newsIds: null }).newsIds).toEqual([]);
    expect(strategistAnswerSchema.parse({ ...noTrade, newsIds: ['n1'] }).newsIds).toEqual(['n1']);
    expect(() => strategistAnswerSchema.parse({ ...noTrade, newsIds: [''] })).toThrow();
  });
});
