import { describe, expect, it, vi } from 'vitest';
import { SkillInputError } from './errors.ts';
import type { FastCheck } from './fast-check.ts';
import { loadPhilosophy } from './philosophy.ts';
import { scanSkillsDir } from './registry.ts';
import { buildLlmRequest, renderInputs } from './render.ts';
import { shippedPhilosophyFile, shippedSkillsDir } from './shipped.ts';
import { fieldChecks, validateInputs } from './validate-inputs.ts';

const bars = Array.from({ length: 30 }, (_, index) => ({
  t: new Date(Date.UTC(2026, 10, 2, index)).toISOString(),
  o: 100 + index,
  h: 101.5 + index,
  l: 99.25 + index,
  c: 100.75 + index,
  v: index % 5 === 0 ? null : 1_000 + index,
}));
const indicators = { sma20: 119.4, sma50: null, atr14: 2.1, rsi14: 61.2 };
const quote = { t: '2026-11-03T06:00:00.000Z', last: 130.1, bid: 130.05, ask: 130.15 };
const stance = { regime: 'trending_up', bias: 'long', riskMultiplier: 0.75 } as const;
const trade = {
  side: 'buy',
  entryType: 'market',
  entryPrice: 130.1,
  stopPrice: 126.5,
  targetPrice: 138,
  horizonBars: 12,
} as const;
const rationale = 'Higher highs since bar 1; close 130.75 above sma20 119.4.';

/** Sample inputs and a valid answer per shipped skill: the contract the agents code against. */
const samples: Record<string, { inputs: Record<string, unknown>; answer: unknown }> = {
  regime: {
    inputs: { symbol: 'AAPL', timeframe: '1h', asOf: quote.t, bars, indicators, macro: null },
    answer: { regime: 'trending_up', bias: 'long', riskMultiplier: 0.8, rationale: 'Higher highs.' },
  },
  strategist: {
    inputs: {
      symbol: 'AAPL',
      timeframe: '1h',
      asOf: quote.t,
      quote,
      bars,
      indicators,
      stance: { ...stance, rationale: 'Higher highs.', decidedBy: 'llm' },
      position: null,
      news: [
        {
          id: '24918784',
          t: '2022-01-05T22:00:37.000Z',
          headline: 'Corsair Reports Purchase Of Majority Ownership In iDisplay',
          source: 'benzinga',
          url: 'https://www.benzinga.com/m-a/22/01/24918784/',
        },
      ],
      rules: {
        minRewardToRisk: 1.5,
        maxHorizonBars: 48,
        entryTypes: ['market', 'limit'],
        allowShort: false,
      },
    },
    answer: {
      decision: 'trade',
      symbol: 'AAPL',
      ...trade,
      rationale,
      confidence: 0.55,
      facts: [
        { name: 'close', value: 130.75 },
        { name: 'sma20', value: 119.4 },
      ],
      newsIds: [],
    },
  },
  'fact-checker': {
    inputs: {
      symbol: 'AAPL',
      asOf: quote.t,
      proposal: {
        symbol: 'AAPL',
        ...trade,
        rationale,
        confidence: 0.55,
        facts: [{ name: 'close', value: 130.75 }],
      },
      freshQuote: quote,
      freshness: { quoteAgeSeconds: 2, dataAgeSeconds: 40, maxDataAgeSeconds: 3_900, entryVsLastPercent: 0 },
      bars,
      indicators,
      news: [],
    },
    answer: { verdict: 'veto', reasons: ['rationale cites close 130.75; the last bar closed at 129.75'] },
  },
  'double-checker': {
    inputs: { symbol: 'AAPL', timeframe: '1h', asOf: quote.t, quote, stance, trade, bars, indicators },
    answer: { verdict: 'sign', reasons: ['trend intact above sma20 119.4'] },
  },
  'macro-officer': {
    inputs: {
      asOf: quote.t,
      timeframe: '1d',
      index: {
        symbol: 'SPY',
        synthetic: false,
        bars,
        indicators: { close: 130.75, sma50: 121.2, sma200: null, sma50SlopePct: 0.8, volatility20Pct: 1.1 },
      },
      sectors: [{ symbol: 'XLK', close: 210.5, sma50: 201.3, return20Pct: 3.2 }],
      breadth: 1,
    },
    answer: {
      regime: 'trending_up',
      bias: 'long',
      stance: 'risk_on',
      rationale: 'SPY 130.75 above a rising SMA50 121.2; XLK above its average.',
    },
  },
  ceo: {
    inputs: {
      day: '2026-11-03',
      macro: {
        regime: 'trending_up',
        bias: 'long',
        stance: 'risk_on',
        rationale: 'uptrend',
        decidedBy: 'llm',
      },
      regimes: [{ symbol: 'AAPL', regime: 'trending_up', bias: 'long', riskMultiplier: 0.8 }],
      yesterday: { day: '2026-11-02', decisions: 3, executed: 1, vetoed: 1, errors: 0, noTrade: 1 },
      limits: { maxRiskMultiplierCap: 1, maxNewPositions: 5 },
    },
    answer: { stance: 'risk_on', riskMultiplierCap: 0.9, maxNewPositions: 3, rationale: 'Macro risk-on.' },
  },
  reflection: {
    inputs: {
      symbol: 'AAPL',
      timeframe: '1h',
      trade: { ...trade, rationale, confidence: 0.55 },
      stance,
      signatures: [{ signer: 'risk-gate', verdict: 'sign', reasons: ['within limits'] }],
      result: {
        exitReason: 'stop',
        entryFill: 130.12,
        exitFill: 126.5,
        barsHeld: 5,
        resultR: -1,
        maxFavorableR: 0.4,
        maxAdverseR: -1,
      },
    },
    answer: { reflection: 'The plan was a trend continuation. Price reversed at 131.6 and hit the stop.' },
  },
};

describe('shipped skills', async () => {
  const result = await scanSkillsDir(shippedSkillsDir());
  const philosophy = await loadPhilosophy(shippedPhilosophyFile());

  it('all load and pass the check', () => {
    expect(result.problems).toEqual([]);
    expect(result.skills.map((skill) => skill.name)).toEqual([
      'ceo',
      'double-checker',
      'fact-checker',
      'macro-officer',
      'reflection',
      'regime',
      'strategist',
    ]);
  });

  it.each(Object.keys(samples))('%s renders sample inputs and accepts a valid answer', (name) => {
    const skill = result.skills.find((each) => each.name === name);
    const sample = samples[name];
    if (!skill || !sample) throw new Error(`no skill or sample for ${name}`);
    const request = buildLlmRequest(skill, { agent: name, philosophy, inputs: sample.inputs });
    expect(request.system).toContain('Capital preservation comes first');
    expect(request.prompt).not.toMatch(/\{\{/);
    expect(request.output.schema.safeParse(sample.answer).error).toBeUndefined();
    expect(request.output.schema.safeParse({}).success).toBe(false);
    expect(renderInputs(skill, sample.inputs)).toBe(request.prompt);
  });

  it("the four skills shown a candidate's window and indicators check each once between them, without zod", () => {
    // The same frozen values, as agents/market-context.ts hands them to every agent of a
    // candidate: a skill whose field schema checked differently (the fact checker's window once
    // lacked minItems) would check it again, and a window too short for one would pass another.
    // A valid window is proven by the fast check (skills/fast-check.ts); zod only names what is wrong.
    const window = Object.freeze(bars.map((bar) => Object.freeze({ ...bar })));
    const shown = Object.freeze({ ...indicators });
    const names = ['regime', 'strategist', 'fact-checker', 'double-checker'];
    const checks = names.map((name) => {
      const skill = result.skills.find((each) => each.name === name);
      if (!skill) throw new Error(`no skill ${name}`);
      const fields = fieldChecks(skill) ?? [];
      const field = (named: string) => {
        const check = fields.find((each) => each.field === named);
        if (!check?.fast) throw new Error(`${name}: no fast check of ${named}`);
        return {
          fast: vi.spyOn(check as { fast: FastCheck }, 'fast'),
          zod: vi.spyOn(check.schema, 'safeParse'),
        };
      };
      return { skill, bars: field('bars'), indicators: field('indicators') };
    });
    for (const { skill } of checks) {
      const sample = samples[skill.name]!;
      validateInputs(skill, { ...sample.inputs, bars: window, indicators: shown });
    }
    const calls = (pick: 'bars' | 'indicators', by: 'fast' | 'zod') =>
      checks.reduce((sum, check) => sum + check[pick][by].mock.calls.length, 0);
    expect(calls('bars', 'fast')).toBe(1);
    expect(calls('indicators', 'fast')).toBe(1);
    expect(calls('bars', 'zod')).toBe(0);
    expect(calls('indicators', 'zod')).toBe(0);
    for (const { skill } of checks)
      expect(() =>
        validateInputs(skill, { ...samples[skill.name]!.inputs, bars: window.slice(0, 19) }),
      ).toThrow(/bars: Too small/);
    for (const check of checks)
      for (const spy of [check.bars.fast, check.bars.zod, check.indicators.fast, check.indicators.zod])
        spy.mockRestore();
  });

  it('the strategist can say no trade with null trade fields', () => {
    const skill = result.skills.find((each) => each.name === 'strategist');
    const answer = {
      decision: 'no_trade',
      symbol: 'AAPL',
      side: null,
      entryType: null,
      entryPrice: null,
      stopPrice: null,
      targetPrice: null,
      horizonBars: null,
      rationale: 'Extended 14 points above sma20; nothing to buy here.',
      confidence: 0.7,
      facts: [],
      newsIds: [],
    };
    expect(skill?.output.schema.safeParse(answer).success).toBe(true);
    expect(skill?.output.schema.safeParse({ ...answer, size: 10 }).success).toBe(false);
  });

  it('the double checker cannot be shown the strategist rationale or confidence', () => {
    const skill = result.skills.find((each) => each.name === 'double-checker');
    const sample = samples['double-checker'];
    if (!skill || !sample) throw new Error('double-checker missing');
    for (const leak of [{ rationale }, { confidence: 0.55 }]) {
      const inputs = { ...sample.inputs, trade: { ...trade, ...leak } };
      expect(() => renderInputs(skill, inputs)).toThrow(SkillInputError);
    }
    expect(() => renderInputs(skill, { ...sample.inputs, rationale })).toThrow(/rationale: not declared/);
    expect(skill.inputFields).not.toContain('rationale');
  });

  it('no shipped skill asks the model for a size or an amount of money', () => {
    for (const skill of result.skills) {
      const fields = Object.keys(skill.output.jsonSchema.properties as object);
      expect(fields.filter((field) => /size|qty|quantity|amount|notional|leverage/i.test(field))).toEqual([]);
    }
  });
});
