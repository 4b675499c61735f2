import { describe, expect, it } from 'vitest';
import { correlation, defaultRiskLimits, evaluateRisk, type RiskInputs } from './risk-gate.ts';

function inputs(overrides: Partial<RiskInputs> = {}): RiskInputs {
  return {
    symbol: 'ORCL',
    proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 95, targetPrice: 110 },
    quote: { last: 100, bid: null, ask: null, ageSeconds: 1 },
    maxQuoteAgeSeconds: 60,
    equity: 100_000,
    cash: 100_000,
    dayStartEquity: 100_000,
    positions: [],
    pendingEntries: [],
    symbolPnlToday: {},
    haltLevel: 0,
    riskMultiplier: 1,
    minRewardToRisk: 1.5,
    closes: {},
    commissionRate: 0.001,
    ...overrides,
  };
}

describe('risk gate', () => {
  it('sizes by the binding limit: risk at the stop, the position cap, exposure or cash', () => {
    // Risk: 1% of 100,000 = 1,000 at risk / 5 per share = 200 shares; cap: 10% = 10,000 / 100 = 100 shares.
    const capped = evaluateRisk(inputs(), defaultRiskLimits);
    expect(capped).toMatchObject({ verdict: 'sign', qty: 100, reasons: [] });
    // A wider stop makes risk the binding limit: 1,000 / 12.5 = 80 shares.
    const wide = evaluateRisk(
      inputs({
        proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 87.5, targetPrice: 120 },
      }),
      defaultRiskLimits,
    );
    expect(wide.qty).toBe(80);
    // The stance halves risk: 500 / 12.5 = 40 shares.
    expect(
      evaluateRisk(
        inputs({
          riskMultiplier: 0.5,
          proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 87.5, targetPrice: 120 },
        }),
        defaultRiskLimits,
      ).qty,
    ).toBe(40);
    // Cash 3,000 with 0.1% commission: floor(3000 / 100.1) = 29 shares.
    expect(evaluateRisk(inputs({ cash: 3_000 }), defaultRiskLimits).qty).toBe(29);
    // Gross exposure: 95,000 held of a 100% cap leaves 5,000 → 50 shares.
    const exposed = evaluateRisk(
      inputs({ positions: [{ symbol: 'YHOO', qty: 950, price: 100 }] }),
      defaultRiskLimits,
    );
    expect(exposed.qty).toBe(50);
  });

  it('vetoes an oversize-only situation with the reason: no whole share fits', () => {
    const decision = evaluateRisk(inputs({ cash: 50 }), defaultRiskLimits);
    expect(decision.verdict).toBe('veto');
    expect(decision.qty).toBe(0);
    expect(decision.reasons.join(' ')).toMatch(/no whole share fits the limits \(bound by cash/);
  });

  it('vetoes when halted or when the halt level cannot be read', () => {
    expect(evaluateRisk(inputs({ haltLevel: 2 }), defaultRiskLimits).reasons).toContain(
      'halt level 2 allows no new entries',
    );
    expect(evaluateRisk(inputs({ haltLevel: null }), defaultRiskLimits).reasons).toContain(
      'halt state unreadable: no new entries',
    );
    const warned = evaluateRisk(inputs({ haltLevel: 1 }), defaultRiskLimits);
    expect(warned.verdict).toBe('sign');
    // A passing check's reason says what passed (it is shown in `signet explain`).
    expect(warned.checks.find((check) => check.name === 'halt')?.reason).toBe(
      'halt level 1 allows new entries',
    );
  });

  it('vetoes stops on the wrong side, too tight or too wide, and targets on the wrong side', () => {
    const wrong = evaluateRisk(
      inputs({ proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 101, targetPrice: 90 } }),
      defaultRiskLimits,
    );
    expect(wrong.reasons).toEqual(
      expect.arrayContaining([
        'stop is on the wrong side of the entry',
        'target is on the wrong side of the entry',
      ]),
    );
    const tight = evaluateRisk(
      inputs({
        proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 99.9, targetPrice: 110 },
      }),
      defaultRiskLimits,
    );
    expect(tight.reasons.join()).toMatch(/stop distance 0\.1% is outside 0\.2%\.\.15%/);
    const wide = evaluateRisk(
      inputs({ proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 70, targetPrice: 150 } }),
      defaultRiskLimits,
    );
    expect(wide.verdict).toBe('veto');
    const nan = evaluateRisk(
      inputs({
        proposal: { symbol: 'ORCL', side: 'buy', entryPrice: Number.NaN, stopPrice: 95, targetPrice: 110 },
      }),
      defaultRiskLimits,
    );
    expect(nan.reasons.join()).toMatch(/not a usable number/);
  });

  it('vetoes after the daily loss limit, a symbol loss limit, or with a position already open', () => {
    expect(evaluateRisk(inputs({ equity: 96_000, cash: 96_000 }), defaultRiskLimits).reasons.join()).toMatch(
      /down 4% today/,
    );
    expect(
      evaluateRisk(inputs({ symbolPnlToday: { ORCL: -1_500 } }), defaultRiskLimits).reasons.join(),
    ).toMatch(/ORCL lost 1\.5%/);
    expect(
      evaluateRisk(
        inputs({ positions: [{ symbol: 'ORCL', qty: 10, price: 100 }] }),
        defaultRiskLimits,
      ).reasons.join(),
    ).toMatch(/already holding 10 ORCL/);
  });

  it('vetoes a candidate whose returns move with an open position', () => {
    const base = Array.from({ length: 80 }, (_, index) => 100 + Math.sin(index / 3) * 5 + index * 0.1);
    const twin = base.map((value) => value * 2 + 1);
    const decision = evaluateRisk(
      inputs({
        positions: [{ symbol: 'TWIN', qty: 10, price: twin.at(-1)! }],
        closes: { ORCL: base, TWIN: twin },
      }),
      defaultRiskLimits,
    );
    expect(decision.reasons.join()).toMatch(
      /returns correlate 0\.9999\d* with the open TWIN position \(the limit is 0\.85\)/,
    );
    expect(correlation([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(correlation([1, 1, 1], [1, 2, 3])).toBe(0);
  });

  it("checks and sizes the candidate's order at the quote: another symbol, an entry far from the quote or a stop through it is a veto", () => {
    const otherSymbol = evaluateRisk(
      inputs({ proposal: { symbol: 'MSFT', side: 'buy', entryPrice: 100, stopPrice: 95, targetPrice: 110 } }),
      defaultRiskLimits,
    );
    expect(otherSymbol.verdict).toBe('veto');
    expect(otherSymbol.reasons).toContain('the proposal names MSFT, the candidate is ORCL');
    // A losing day on the candidate is counted on the candidate, not on the symbol the model wrote.
    expect(
      evaluateRisk(
        inputs({
          symbolPnlToday: { ORCL: -1_500 },
          proposal: { symbol: 'MSFT', side: 'buy', entryPrice: 100, stopPrice: 95, targetPrice: 110 },
        }),
        defaultRiskLimits,
      ).reasons.join(),
    ).toMatch(/ORCL lost 1\.5%/);
    const far = evaluateRisk(
      inputs({ quote: { last: 80, bid: null, ask: null, ageSeconds: 1 } }),
      defaultRiskLimits,
    );
    expect(far.reasons.join()).toMatch(/entry 100 is 25% from the fresh quote 80; the limit is 2%/);
    const through = evaluateRisk(
      inputs({ quote: { last: 94, bid: null, ask: 94, ageSeconds: 1 } }),
      defaultRiskLimits,
    );
    expect(through.reasons).toContain('the stop 95 is already through the fresh quote 94');
    const stale = evaluateRisk(
      inputs({ quote: { last: 100, bid: null, ask: null, ageSeconds: 61 } }),
      defaultRiskLimits,
    );
    expect(stale.reasons).toContain('the fresh quote is 61s old; the limit is 60s');
    const unpriced = evaluateRisk(
      inputs({ quote: { last: 0, bid: null, ask: null, ageSeconds: 1 } }),
      defaultRiskLimits,
    );
    expect(unpriced.verdict).toBe('veto');
    expect(unpriced.reasons.join()).toMatch(/quote or equity is not a usable number/);
  });

  it('sizes at the ask, never at the model entry: only the stop distance comes from the model, and it is bounded', () => {
    // Entry 100 (1% under the ask of 101), stop 95: the distance from the ask (5.94%) is the wider one.
    const decision = evaluateRisk(
      inputs({
        quote: { last: 100.5, bid: 100, ask: 101, ageSeconds: 1 },
        proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 95, targetPrice: 110 },
      }),
      defaultRiskLimits,
    );
    // Cap 10,000 / 101 = 99 shares (at the entry it would be 100); risk 1,000 / 6 = 166.
    expect(decision).toMatchObject({ verdict: 'sign', qty: 99 });
    // A huge stop distance is a veto, not a tiny size; a tiny one is a veto, not a huge size.
    const huge = evaluateRisk(
      inputs({ proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 40, targetPrice: 200 } }),
      defaultRiskLimits,
    );
    expect(huge).toMatchObject({ verdict: 'veto', qty: 0 });
    expect(huge.reasons.join()).toMatch(/stop distance 60% is outside 0\.2%\.\.15%/);
    const tiny = evaluateRisk(
      inputs({
        proposal: { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 99.99, targetPrice: 100.5 },
      }),
      { ...defaultRiskLimits, maxPositionPct: 1 },
    );
    expect(tiny).toMatchObject({ verdict: 'veto', qty: 0 });
    expect(tiny.reasons.join()).toMatch(/stop distance 0\.01% is outside/);
  });

  it('counts a working or unknown-outcome entry order as exposure: one position or pending entry per symbol', () => {
    const pending = evaluateRisk(
      inputs({ pendingEntries: [{ symbol: 'ORCL', qty: 30, price: 100 }] }),
      defaultRiskLimits,
    );
    expect(pending.verdict).toBe('veto');
    expect(pending.reasons.join()).toMatch(/an entry order for 30 ORCL is working or of unknown outcome/);
    // Another symbol's pending entry takes gross exposure room: 95,000 pending of a 100% cap leaves 50 shares.
    const room = evaluateRisk(
      inputs({ pendingEntries: [{ symbol: 'YHOO', qty: 950, price: 100 }] }),
      defaultRiskLimits,
    );
    expect(room).toMatchObject({ verdict: 'sign', qty: 50 });
  });
  describe('short entries (issue 21)', () => {
    const sell = { symbol: 'ORCL', side: 'sell' as const, entryPrice: 100, stopPrice: 105, targetPrice: 90 };

    it('vetoes every sell entry while strategist.allowShort is false, or when the caller leaves it out', () => {
      for (const allowShort of [false, undefined]) {
        const decision = evaluateRisk(inputs({ proposal: sell, allowShort }), defaultRiskLimits);
        expect(decision).toMatchObject({ verdict: 'veto', qty: 0 });
        expect(decision.reasons).toEqual([
          'short entries are not allowed (strategist.allowShort is false): a sell entry is vetoed',
        ]);
      }
      // A buy is not touched by the rule.
      expect(evaluateRisk(inputs({ allowShort: false }), defaultRiskLimits).verdict).toBe('sign');
    });

    it('with allowShort, sizes a short like a long (risk at the stop above, position cap) and checks the sides', () => {
      // Risk 1,000 / 5 per share = 200; cap 10,000 / 100 = 100 shares; cash does not bind a short.
      const signed = evaluateRisk(inputs({ proposal: sell, allowShort: true, cash: 50 }), defaultRiskLimits);
      expect(signed).toMatchObject({ verdict: 'sign', qty: 100, reasons: [] });
      const wide = evaluateRisk(
        inputs({ proposal: { ...sell, stopPrice: 112.5, targetPrice: 75 }, allowShort: true }),
        defaultRiskLimits,
      );
      expect(wide.qty).toBe(80);
      const stopBelow = evaluateRisk(
        inputs({ proposal: { ...sell, stopPrice: 95 }, allowShort: true }),
        defaultRiskLimits,
      );
      expect(stopBelow.verdict).toBe('veto');
      expect(stopBelow.reasons).toContain('stop is on the wrong side of the entry');
      const targetAbove = evaluateRisk(
        inputs({ proposal: { ...sell, targetPrice: 110 }, allowShort: true }),
        defaultRiskLimits,
      );
      expect(targetAbove.reasons).toContain('target is on the wrong side of the entry');
      // The sell meets the bid: a stop at or under the bid is already through it.
      const through = evaluateRisk(
        inputs({
          proposal: { ...sell, stopPrice: 100.5, targetPrice: 99 },
          quote: { last: 100, bid: 100.6, ask: 100.7, ageSeconds: 1 },
          allowShort: true,
          minRewardToRisk: 1,
        }),
        defaultRiskLimits,
      );
      expect(through.reasons.join(' ')).toMatch(/already through the fresh quote 100.6/);
    });
  });

  it("applies the CEO's budget: the multiplier capped, no entry past the day's new positions", () => {
    const wide = { symbol: 'ORCL', side: 'buy', entryPrice: 100, stopPrice: 87.5, targetPrice: 120 } as const;
    // 1,000 at risk / 12.5 = 80 shares; the cap of 0.5 halves it whatever the Regime said.
    const capped = evaluateRisk(
      inputs({
        proposal: wide,
        budget: { riskMultiplierCap: 0.5, maxNewPositions: 3, newPositionsToday: 2 },
      }),
      defaultRiskLimits,
    );
    expect(capped).toMatchObject({ verdict: 'sign', qty: 40 });
    // A cap above the Regime's multiplier does not raise it.
    expect(
      evaluateRisk(
        inputs({
          proposal: wide,
          riskMultiplier: 0.25,
          budget: { riskMultiplierCap: 1, maxNewPositions: 3, newPositionsToday: 0 },
        }),
        defaultRiskLimits,
      ).qty,
    ).toBe(20);
    const spent = evaluateRisk(
      inputs({ budget: { riskMultiplierCap: 1, maxNewPositions: 3, newPositionsToday: 3 } }),
      defaultRiskLimits,
    );
    expect(spent.verdict).toBe('veto');
    expect(spent.reasons).toContain("3 new position(s) today; the CEO's budget allows 3");
    // A closed budget (the CEO failed): nothing is signed.
    expect(
      evaluateRisk(
        inputs({ budget: { riskMultiplierCap: 0, maxNewPositions: 0, newPositionsToday: 0 } }),
        defaultRiskLimits,
      ).verdict,
    ).toBe('veto');
  });
});
