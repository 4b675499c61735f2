import { describe, expect, it } from 'vitest';
import type { Bar } from '../market/index.ts';
import { llmUse, signerPrecision, strategyStats, tradeR, vetoedSetups } from './analyze.ts';
import type { BarSource } from './bar-source.ts';
import type { OptimizerInputs } from './collect.ts';
import type { ClosedTrade, Decision, Records } from './records.ts';
import { deterministicReflection, measureTrade } from './reflections.ts';
import { renderReport } from './render.ts';

const day = 86_400_000;
const bar = (index: number, open: number, high: number, low: number, close: number): Bar => ({
  symbol: 'AAA',
  time: index * day,
  open,
  high,
  low,
  close,
  volume: 0,
});

const shortDecision = (verdict: 'sign' | 'veto'): Decision => ({
  cycleId: `c-${verdict}`,
  symbol: 'AAA',
  at: new Date(0),
  strategy: 'strategist@1.0.0 (fallback)',
  skill: 'strategist@1.0.0',
  decidedBy: 'fallback',
  trade: {
    side: 'sell',
    entryType: 'market',
    entryPrice: 100,
    stopPrice: 105,
    targetPrice: 90,
    horizonBars: 3,
    rationale: 'trending down',
    confidence: 0.6,
  },
  stance: { regime: 'trending_down', bias: 'short', riskMultiplier: 1 },
  signatures: [
    { signer: 'risk-gate', verdict, reasons: ['x'], decidedBy: 'code', at: '1970-01-01T00:00:00Z' },
  ],
  qty: 10,
  messageId: 1,
});

/** A short of 10 AAA entered at 100, covered at 92: pnl (100 − 92) × 10 − 2 commission. */
const closedShort: ClosedTrade = {
  symbol: 'AAA',
  entryTime: day,
  exitTime: 3 * day,
  entryPrice: 100,
  exitPrice: 92,
  qty: -10,
  pnl: 78,
  bars: 2,
  exitLeg: 'take_profit',
  entryClientOrderId: 'o1',
  decision: shortDecision('sign'),
};

const records = (decisions: Decision[], closed: ClosedTrade[] = []): Records => ({
  decisions,
  fills: [],
  closed,
  stances: [],
  macro: [],
  deciders: [],
});

describe('the optimizer on short trades', () => {
  it('replays a vetoed short: it gains when the price falls, pnl = (entry − exit) × |qty|', async () => {
    const source: BarSource = {
      describe: 'fixed',
      bars: async () => [bar(1, 100, 100, 99, 99.5), bar(2, 99, 100, 89, 90)],
    };
    const [setup] = await vetoedSetups(records([shortDecision('veto')]), source);
    expect(setup!.trade.side).toBe('sell');
    expect(setup!.counterfactual).toMatchObject({
      outcome: 'target',
      entryFill: 100,
      exitPrice: 90,
      perShare: 10,
      r: 2,
    });
    expect(setup!.pnl).toBe(100);
    const stopped: BarSource = {
      describe: 'fixed',
      bars: async () => [bar(1, 100, 100, 99, 99.5), bar(2, 107, 108, 101, 106)],
    };
    const [lost] = await vetoedSetups(records([shortDecision('veto')]), stopped);
    // Gapped above the stop: filled at the open 107, (100 − 107) × 10.
    expect(lost!.counterfactual).toMatchObject({ outcome: 'stop', exitPrice: 107, perShare: -7 });
    expect(lost!.pnl).toBe(-70);
  });

  it('measures a closed short in R and in return against staying short', () => {
    // risk = |100 − 105| × |−10| = 50; pnl 78 → 1.56 R.
    expect(tradeR(closedShort)).toBeCloseTo(1.56, 10);
    const [stats] = strategyStats(records([shortDecision('sign')], [closedShort]));
    expect(stats!.averageR).toBeCloseTo(1.56, 4);
    const held = [bar(1, 100, 101, 97, 98), bar(2, 98, 99, 91, 95), bar(3, 95, 96, 92, 92)];
    const measured = measureTrade(closedShort, held);
    expect(measured.side).toBe('short');
    expect(measured.returnPct).toBe(8); // (100 − 92) / 100
    expect(measured.benchmarkPct).toBe(8); // short at the first open 100, still short at the last close 92
    expect(measured.maxFavorableR).toBeCloseTo((100 - 91) / 5, 4); // the lowest low is the best for a short
    expect(measured.maxAdverseR).toBeCloseTo(-(101 - 100) / 5, 4);
    expect(measured.exitReason).toBe('target');
    const text = deterministicReflection(closedShort, measured);
    expect(text).toContain('The plan was a short sale (sell) of AAA near 100 with a stop at 105');
    expect(text).toContain('for shorting and holding AAA');
  });

  it('reads the direction from the position when the proposal is not on the bus', () => {
    const orphan: ClosedTrade = { ...closedShort, decision: undefined, exitPrice: 104 };
    const measured = measureTrade(orphan, [bar(1, 100, 105, 99, 104)]);
    expect(measured.side).toBe('short');
    expect(measured.returnPct).toBe(-4);
    expect(deterministicReflection(orphan, measured)).toMatch(/^A short position in AAA/);
    const long = measureTrade({ ...orphan, qty: 10 }, [bar(1, 100, 105, 99, 104)]);
    expect([long.side, long.returnPct, long.benchmarkPct]).toEqual(['long', 4, 4]);
  });

  it('renders a vetoed short and the reflection on a short as shorts', async () => {
    const source: BarSource = {
      describe: 'fixed',
      bars: async () => [bar(1, 100, 100, 99, 99.5), bar(2, 99, 100, 89, 90)],
    };
    const setups = await vetoedSetups(records([shortDecision('veto')]), source);
    const empty: OptimizerInputs = {
      window: [],
      related: [],
      intents: [],
      llmEvents: [],
      ledger: [],
      exits: [],
      cycles: [],
    };
    const text = renderReport({
      version: 1,
      label: 'x',
      window: { from: 'x', to: 'x' },
      generatedAt: 'x',
      barSource: 'fixed',
      activity: {
        cycles: 1,
        decisions: 1,
        proposals: 1,
        vetoed: 1,
        signed: 0,
        entryFills: 0,
        closedTrades: 1,
        pnl: 78,
      },
      strategies: [],
      vetoedSetups: setups,
      signers: signerPrecision(setups),
      regimeMacro: { macroWired: false, macroMessages: 0, compared: 0, disagreements: 0, examples: [] },
      challengers: [],
      llm: llmUse(empty, records([])),
      reflections: [
        {
          path: 'j/exit.md',
          symbol: 'AAA',
          status: 'appended',
          decidedBy: 'code',
          returnPct: 8,
          benchmarkPct: 8,
          side: 'short',
        },
      ],
      notes: [],
      findings: [],
      experiments: [],
    });
    expect(text).toContain('sell (short) market 100 stop 105 target 90');
    expect(text).toMatch(/\| j\/exit\.md \| AAA \| short \| 8\.00% \| 8\.00% \(short & hold\) \|/);
  });
});
