/**
 * What a fill or an order does to a position, from its leg and side: an entry that sells opens a
 * short, an exit (stop, target, flatten) that buys covers one. The console marks shorts with it.
 */
export type TradeSide = 'long entry' | 'short entry' | 'long exit' | 'short exit';

export function tradeSide(leg: string, side: string): TradeSide {
  const entry = leg === 'entry';
  if (side === 'sell') return entry ? 'short entry' : 'long exit';
  return entry ? 'long entry' : 'short exit';
}

/** A position's direction from its signed quantity. */
export const positionDirection = (qty: number): 'long' | 'short' => (qty < 0 ? 'short' : 'long');
