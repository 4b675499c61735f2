import type { PriceTick } from '../../market/index.ts';

/**
 * US stocks routed through IB: SEC Rule 612 (Reg NMS sub-penny rule) allows $0.01 steps at or
 * above $1.00 and $0.0001 below. IB refuses a price off the contract's grid with error 110 ("The
 * price does not conform to the minimum price variation for this contract",
 * https://interactivebrokers.github.io/tws-api/message_codes.html).
 */
export const ibkrPriceTick: PriceTick = (price) => (Math.abs(price) >= 1 ? 0.01 : 0.0001);
