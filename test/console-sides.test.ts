import { describe, expect, it } from 'vitest';
import { positionDirection, tradeSide } from '../web/src/sides.ts';

describe('console: short entries and exits are marked (issue 21)', () => {
  it('names what a fill does from its leg and side', () => {
    expect(tradeSide('entry', 'buy')).toBe('long entry');
    expect(tradeSide('entry', 'sell')).toBe('short entry');
    for (const leg of ['stop_loss', 'take_profit', 'exit', 'flatten']) {
      expect(tradeSide(leg, 'sell')).toBe('long exit');
      expect(tradeSide(leg, 'buy')).toBe('short exit');
    }
    expect([positionDirection(10), positionDirection(-0.5)]).toEqual(['long', 'short']);
  });
});
