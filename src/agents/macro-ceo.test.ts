import { describe, expect, it } from 'vitest';
import { generateSimSeries, syntheticIndex, syntheticIndexCloses } from '../market/index.ts';
import { clampBudget, fallbackBudget } from './ceo.ts';
import { fallbackMacroView, macroSnapshot, macroWindow } from './macro-officer.ts';
import { sma, volatility } from './market-context.ts';

const symbols = ['AAA', 'BBB', 'CCC'];
const universe = symbols.map((symbol) => generateSimSeries({ seed: 5, bars: 400, symbols }, symbol));

describe('Macro Officer', () => {
  it('reads a synthetic equal-weight index when the feed has no index, using only bars up to now', () => {
    const index = syntheticIndex(universe, { symbol: 'SPY~synthetic', window: 260 })!;
    expect(index.length).toBe(260);
    expect(index.close[0]).toBeCloseTo(100, 6);
    const last = universe.map((series) => series.close[399]! / series.close[140]!);
    expect(index.close[259]).toBeCloseTo((100 * (last[0]! + last[1]! + last[2]!)) / 3, 6);
    // No look-ahead: the index of a cut history ends where the history ends.
    const cut = universe.map((series) => ({ ...series, length: 300 }));
    const earlier = syntheticIndex(cut, { symbol: 'X', window: 260 })!;
    expect(earlier.time[earlier.length - 1]).toBe(universe[0]!.time[299]);
    const snapshot = macroSnapshot(cut, cut, { index: 'SPY', sectors: ['XLK'], volatilePct: 2 })!;
    expect(snapshot.index).toMatchObject({ symbol: 'SPY~synthetic', synthetic: true });
    expect(snapshot.sectors.map((sector) => sector.symbol)).toEqual(symbols);
    expect(snapshot.asOf).toBe(new Date(universe[0]!.time[299]!).toISOString());
  });

  it('computes the synthetic index from its closes alone, to the same doubles, and builds its bars only when read', () => {
    const cut = universe.map((series) => ({ ...series, length: 320 }));
    const whole = syntheticIndex(cut, { symbol: 'SPY~synthetic', window: macroWindow })!;
    const closes = syntheticIndexCloses(cut, macroWindow)!;
    expect([...closes.close]).toEqual([...whole.close.subarray(0, whole.length)]);
    expect(closes.newestTime).toBe(whole.time[whole.length - 1]);
    const snapshot = macroSnapshot(cut, cut, { index: 'SPY', sectors: [], volatilePct: 2 })!;
    const end = whole.length - 1;
    const exact = (value: number | null) => (value === null ? null : Number(value.toFixed(6)));
    expect(snapshot.indicators).toEqual({
      close: exact(whole.close[end]!),
      sma50: exact(sma(whole, end, 50)),
      sma200: exact(sma(whole, end, 200)),
      sma50SlopePct: exact((sma(whole, end, 50)! / sma(whole, end - 10, 50)! - 1) * 100),
      volatility20Pct: exact(volatility(whole, end, 20)),
    });
    // The bars an LLM route is shown: the whole index, built on first read and kept.
    const series = snapshot.index.series;
    expect(series).toBe(snapshot.index.series);
    expect({ length: series.length, symbol: series.symbol }).toEqual({
      length: whole.length,
      symbol: whole.symbol,
    });
    for (const column of ['time', 'open', 'high', 'low', 'close', 'volume'] as const)
      expect([...series[column].subarray(0, series.length)]).toEqual([
        ...whole[column].subarray(0, whole.length),
      ]);
  });

  it('falls back on the index against its averages, its slope and the breadth; volatility first', () => {
    const base = macroSnapshot(universe, universe, { index: 'SPY', sectors: [], volatilePct: 2 })!;
    const up = {
      ...base,
      indicators: { close: 110, sma50: 105, sma200: 100, sma50SlopePct: 1, volatility20Pct: 1 },
      breadth: 0.67,
    };
    expect(fallbackMacroView(up, 2)).toMatchObject({
      regime: 'trending_up',
      bias: 'long',
      stance: 'risk_on',
    });
    const down = {
      ...up,
      indicators: { close: 90, sma50: 95, sma200: 100, sma50SlopePct: -1, volatility20Pct: 1 },
      breadth: 0.2,
    };
    expect(fallbackMacroView(down, 2)).toMatchObject({
      regime: 'trending_down',
      bias: 'short',
      stance: 'risk_off',
    });
    // A rising index on narrow breadth is no uptrend.
    expect(fallbackMacroView({ ...up, breadth: 0.33 }, 2)).toMatchObject({
      regime: 'ranging',
      stance: 'neutral',
    });
    const wild = { ...up, indicators: { ...up.indicators, volatility20Pct: 3.5 } };
    expect(fallbackMacroView(wild, 2)).toMatchObject({ regime: 'volatile', stance: 'risk_off' });
    const young = { ...up, indicators: { ...up.indicators, sma50: null, sma200: null, sma50SlopePct: null } };
    expect(fallbackMacroView(young, 2)).toMatchObject({ regime: 'ranging', stance: 'neutral' });
  });
});

describe('CEO', () => {
  const limits = { maxRiskMultiplierCap: 0.8, maxNewPositions: 6 };
  const macro = {
    regime: 'ranging',
    bias: 'neutral',
    stance: 'neutral',
    rationale: 'x',
    decidedBy: 'fallback',
  } as const;
  const quiet = { day: '2026-11-02', decisions: 2, executed: 1, vetoed: 1, errors: 0, noTrade: 0 };

  it('falls back on the macro stance and yesterday’s errors, within the limits', () => {
    expect(
      fallbackBudget({ macro: { ...macro, stance: 'risk_on' }, yesterday: quiet, limits }),
    ).toMatchObject({
      riskMultiplierCap: 0.8,
      maxNewPositions: 6,
    });
    expect(fallbackBudget({ macro, yesterday: quiet, limits })).toMatchObject({
      riskMultiplierCap: 0.6,
      maxNewPositions: 4,
    });
    expect(
      fallbackBudget({ macro: { ...macro, stance: 'risk_off' }, yesterday: { ...quiet, errors: 1 }, limits }),
    ).toMatchObject({
      stance: 'risk_off',
      riskMultiplierCap: 0.4,
      maxNewPositions: 1,
    });
  });

  it('clamps any answer within the configured limits and says what it changed', () => {
    const { budget, clamped } = clampBudget(
      { stance: 'risk_on', riskMultiplierCap: 1, maxNewPositions: 40, rationale: 'all in' },
      limits,
    );
    expect(budget).toMatchObject({ riskMultiplierCap: 0.8, maxNewPositions: 6 });
    expect(clamped).toEqual([
      'riskMultiplierCap 1 clamped to 0.8 (ceo.maxRiskMultiplierCap)',
      'maxNewPositions 40 clamped to 6 (ceo.maxNewPositions)',
    ]);
    expect(clampBudget({ ...budget, riskMultiplierCap: 0.3, maxNewPositions: 2 }, limits).clamped).toEqual(
      [],
    );
  });
});
