import { describe, expect, it } from 'vitest';
import type { TradeProposal } from '../agents/index.ts';
import { rewardToRisk } from '../market/index.ts';
import { alpacaPriceTick } from '../venues/alpaca/price-tick.ts';
import { proposalOnTicks } from './price-grid.ts';

const proposal = (side: 'buy' | 'sell', entry: number, stop: number, target: number): TradeProposal => ({
  symbol: 'SPY',
  side,
  entryType: 'limit',
  entryPrice: entry,
  stopPrice: stop,
  targetPrice: target,
  horizonBars: 5,
  rationale: 'test',
  confidence: 0.6,
  facts: [],
});

describe('a proposal put on the venue tick never widens its risk', () => {
  it('long: entry down, stop up (toward the entry), target down (toward the entry)', () => {
    const { proposal: rounded, moved } = proposalOnTicks(
      proposal('buy', 41.9951, 40.0049, 42.9707),
      alpacaPriceTick,
    );
    expect([rounded.entryPrice, rounded.stopPrice, rounded.targetPrice]).toEqual([41.99, 40.01, 42.97]);
    expect(moved).toHaveLength(3);
  });

  it('short: entry up, stop down (toward the entry), target up (toward the entry)', () => {
    const { proposal: rounded } = proposalOnTicks(
      proposal('sell', 41.9951, 43.9949, 40.0001),
      alpacaPriceTick,
    );
    expect([rounded.entryPrice, rounded.stopPrice, rounded.targetPrice]).toEqual([42, 43.99, 40.01]);
  });

  it('the risk judged after rounding is never above the risk proposed', () => {
    const cases: Array<[number, number, number]> = [
      [25.4263, 23.7149, 28.8511],
      [0.51237, 0.49991, 0.53999],
      [101.005, 99.995, 104.001],
    ];
    for (const [entry, stop, target] of cases) {
      for (const side of ['buy', 'sell'] as const) {
        const [s, t] = side === 'buy' ? [stop, target] : [2 * entry - stop, 2 * entry - target];
        const before = proposal(side, entry, s, t);
        const after = proposalOnTicks(before, alpacaPriceTick).proposal;
        expect(Math.abs(after.entryPrice - after.stopPrice)).toBeLessThanOrEqual(Math.abs(entry - s) + 1e-9);
        expect(
          rewardToRisk({ entry: after.entryPrice, stop: after.stopPrice, target: after.targetPrice }).risk,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('prices already on the tick do not move', () => {
    const { proposal: rounded, moved } = proposalOnTicks(
      proposal('buy', 25.43, 23.71, 28.85),
      alpacaPriceTick,
    );
    expect([rounded.entryPrice, rounded.stopPrice, rounded.targetPrice]).toEqual([25.43, 23.71, 28.85]);
    expect(moved).toEqual([]);
  });
});
