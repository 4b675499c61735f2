import { describe, expect, it } from 'vitest';
import type { Bar } from '../market/index.ts';
import { type ProposedTrade, replayProposal } from './counterfactual.ts';

const day = 86_400_000;
const bars = (rows: Array<[number, number, number, number]>): Bar[] =>
  rows.map(([open, high, low, close], index) => ({
    symbol: 'X',
    time: (index + 1) * day,
    open,
    high,
    low,
    close,
    volume: 0,
  }));

const long: ProposedTrade = {
  side: 'buy',
  entryType: 'market',
  entryPrice: 100,
  stopPrice: 95,
  targetPrice: 110,
  horizonBars: 3,
};

describe('replayProposal', () => {
  it('enters at the next open and exits at the target when only the target is reached', () => {
    const result = replayProposal(
      long,
      bars([
        [100, 101, 99, 100],
        [101, 111, 100, 110],
      ]),
    );
    expect(result).toMatchObject({ outcome: 'target', entryFill: 100, exitPrice: 110, perShare: 10, r: 2 });
  });

  it('counts a bar that reaches both stop and target as the stop (the paper broker’s rule)', () => {
    const result = replayProposal(
      long,
      bars([
        [100, 100, 100, 100],
        [100, 112, 94, 100],
      ]),
    );
    expect(result).toMatchObject({ outcome: 'stop', exitPrice: 95, r: -1 });
  });

  it('fills a stop at the open when the bar gaps through it', () => {
    const result = replayProposal(
      long,
      bars([
        [100, 100, 100, 100],
        [90, 92, 89, 91],
      ]),
    );
    expect(result).toMatchObject({ outcome: 'stop', exitPrice: 90, r: -2 });
  });

  it('ignores exits on the entry bar: the bracket is active from the next bar', () => {
    const result = replayProposal(
      long,
      bars([
        [100, 120, 90, 100],
        [100, 101, 99, 100],
        [100, 101, 99, 100],
        [100, 101, 99, 103],
      ]),
    );
    expect(result).toMatchObject({ outcome: 'horizon', exitPrice: 103, truncated: false });
    expect(result.r).toBeCloseTo(0.6, 10);
  });

  it('marks to the last bar when the data ends before the horizon', () => {
    const result = replayProposal(
      long,
      bars([
        [100, 101, 99, 100],
        [100, 101, 99, 102],
      ]),
    );
    expect(result).toMatchObject({ outcome: 'horizon', exitPrice: 102, truncated: true });
  });

  it('mirrors the rules for a short', () => {
    const short: ProposedTrade = { ...long, side: 'sell', stopPrice: 105, targetPrice: 90 };
    expect(
      replayProposal(
        short,
        bars([
          [100, 100, 100, 100],
          [99, 100, 89, 90],
        ]),
      ),
    ).toMatchObject({ outcome: 'target', r: 2 });
    expect(
      replayProposal(
        short,
        bars([
          [100, 100, 100, 100],
          [99, 106, 89, 90],
        ]),
      ),
    ).toMatchObject({ outcome: 'stop', r: -1 });
  });

  it('reports a limit entry that is never reached, and no later bars, without guessing', () => {
    const limit: ProposedTrade = {
      ...long,
      entryType: 'limit',
      entryPrice: 90,
      stopPrice: 85,
      targetPrice: 100,
    };
    expect(
      replayProposal(
        limit,
        bars([
          [100, 101, 95, 100],
          [100, 101, 95, 100],
          [100, 101, 95, 100],
        ]),
      ).outcome,
    ).toBe('not_entered');
    expect(replayProposal(long, []).outcome).toBe('no_data');
  });
});
