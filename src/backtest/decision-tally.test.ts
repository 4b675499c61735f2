import { describe, expect, it } from 'vitest';
import { DecisionTallyCounter, maskNumbers, tallyLines } from './decision-tally.ts';

describe('the full pipeline decision tally', () => {
  it('counts proposals, executed and veto reasons grouped with their numbers masked', () => {
    const counter = new DecisionTallyCounter();
    counter.addCycle([
      { outcome: 'no_trade', proposed: false, reasons: ['fallback: sma-cross gives no entry on this bar'] },
    ]);
    counter.addCycle([
      {
        outcome: 'vetoed',
        proposed: true,
        reasons: [
          'double-checker: buying below the 50-bar average (close 27.700001 < sma50 27.7038)',
          'double-checker: RSI14 77.151335 is overbought (> 75)',
          'double-checker: (fallback: no LLM route is configured)',
        ],
      },
      { outcome: 'executed', proposed: true, reasons: [] },
    ]);
    counter.addCycle([
      {
        outcome: 'vetoed',
        proposed: true,
        reasons: ['double-checker: buying below the 50-bar average (close 22.68 < sma50 23.8916)'],
      },
    ]);
    const tally = counter.tally();
    expect(tally).toMatchObject({
      cycles: 3,
      proposals: 3,
      executed: 1,
      vetoed: 2,
      noTrade: 1,
      executedPerProposal: 0.3333,
    });
    expect(tally.vetoReasons).toEqual([
      {
        reason: 'double-checker: buying below the #-bar average (close # < sma50 #)',
        count: 2,
        example: 'double-checker: buying below the 50-bar average (close 27.700001 < sma50 27.7038)',
      },
      {
        reason: 'double-checker: RSI14 # is overbought (> #)',
        count: 1,
        example: 'double-checker: RSI14 77.151335 is overbought (> 75)',
      },
    ]);
    expect(tallyLines(tally)).toEqual([
      'decisions     3 cycles: 3 proposals, 1 executed (33.3 % of proposals), 2 vetoed, 0 rejected, 0 errors',
      'vetoes        2× double-checker: buying below the #-bar average (close # < sma50 #)',
      '              1× double-checker: RSI14 # is overbought (> #)',
    ]);
    expect(new DecisionTallyCounter().tally().executedPerProposal).toBeNull();
  });

  it('masks standalone numbers only, not the digits of a name', () => {
    expect(maskNumbers('fact sma30 = 35.1, but sma(30) is 34.994333: off by -0.1')).toBe(
      'fact sma30 = #, but sma(#) is #: off by #',
    );
  });
});
