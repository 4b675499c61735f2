import type { BusPosition } from './envelope.ts';

/** Orders positions by (transaction id, message id); xid8 values are unsigned 64-bit, so BigInt. */
export function comparePositions(a: BusPosition, b: BusPosition): number {
  const ta = BigInt(a.txId);
  const tb = BigInt(b.txId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

export function maxPosition(a: BusPosition, b: BusPosition): BusPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

export const startPosition: BusPosition = { txId: '0', id: 0 };
