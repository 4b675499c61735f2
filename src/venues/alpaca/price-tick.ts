import type { PriceTick } from '../../market/index.ts';

/**
 * US equities at Alpaca: SEC Rule 612 (Reg NMS sub-penny rule) allows $0.01 steps for prices
 * of $1.00 and above and $0.0001 below; Alpaca answers 422 "sub-penny increment does not fulfill
 * minimum pricing criteria" to an order price off that grid (alpacahq/alpaca-trade-api-go#260).
 */
export const alpacaPriceTick: PriceTick = (price) => (Math.abs(price) >= 1 ? 0.01 : 0.0001);
