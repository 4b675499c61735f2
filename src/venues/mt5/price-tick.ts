import type { PriceTick } from '../../market/index.ts';

/**
 * MT5 symbols carry their own point (the EA's `digits`: 5 for most FX pairs, 3 for JPY pairs,
 * 1-2 for index CFDs). Until the broker layer reads it per symbol, prices go out on a grid of
 * 5 decimals: no 5-digit quote loses its last digit, and coarser symbols are no worse off than
 * before (their prices were not rounded to their point then either).
 */
export const mt5PriceTick: PriceTick = () => 0.00001;
