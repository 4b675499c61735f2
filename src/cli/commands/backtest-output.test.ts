import { describe, expect, it } from 'vitest';
import { DecisionTallyCounter } from '../../backtest/index.ts';
import { progressLine, summary } from './backtest-output.ts';

describe('signet backtest summary', () => {
  it('the text summary ends with the tally when the report has one', () => {
    const counter = new DecisionTallyCounter();
    counter.addCycle([{ outcome: 'executed', proposed: true, reasons: [] }]);
    const report = {
      strategy: { name: 'pipeline (fallback sma-cross)', parameters: {} },
      settings: {},
      symbols: ['ORCL'],
      bars: 2,
      from: '2014-01-02',
      to: '2014-01-03',
      initialCash: 100_000,
      finalValue: 100_000,
      finalCash: 100_000,
      openPosition: null,
      openPositions: [],
      closedTrades: 0,
      totalCommission: 0,
      rejectedOrders: 0,
      metrics: {
        totalReturnPct: 0,
        maxDrawdownPct: 0,
        sharpe: null,
        sortino: null,
        cagrPct: null,
        winRatePct: null,
        profitFactor: null,
        exposurePct: 0,
      },
      trades: [],
    };
    expect(summary(report)).not.toMatch(/decisions/);
    expect(
      summary({ ...report, pipeline: counter.tally() })
        .split('\n')
        .at(-1),
    ).toBe(
      'decisions     1 cycles: 1 proposals, 1 executed (100.0 % of proposals), 0 vetoed, 0 rejected, 0 errors',
    );
  });
});

describe('the progress bar', () => {
  it('shows bars done, the pace and the time left', () => {
    expect(progressLine(50, 200, 5_000)).toBe(
      '[########......................] 25% 50/200 bars, 10 bars/s, 15s left',
    );
    expect(progressLine(100, 10_000, 10_000)).toContain('10 bars/s, 16m 30s left');
    expect(progressLine(0, 100, 0)).toBe('[..............................] 0% 0/100 bars, 0 bars/s');
  });
});
