import type { TradeProposal } from '../agents/index.ts';
import { type PriceTick, roundToTick, safeRounding } from '../market/index.ts';
import { withFields } from '../platform/index.ts';

/**
 * A proposal with its prices on the venue's tick, as they will be sent, and what moved. The
 * Strategist's fallback already proposes on the tick (keeping its ratio); a model's prices
 * are put on the tick here, in the safe direction, so every signer (the Risk Gate and each
 * reward:risk check included) judges the order that would go out.
 */
export function proposalOnTicks(
  proposal: TradeProposal,
  priceTick: PriceTick,
): { proposal: TradeProposal; moved: string[] } {
  const moved: string[] = [];
  const onTick = (name: 'entry' | 'stop' | 'target', price: number) => {
    const rounded = roundToTick(price, priceTick(price, proposal.symbol), safeRounding(proposal.side, name));
    if (rounded !== price) moved.push(`${name} ${price} → ${rounded}`);
    return rounded;
  };
  return {
    proposal: withFields(proposal, {
      entryPrice: onTick('entry', proposal.entryPrice),
      stopPrice: onTick('stop', proposal.stopPrice),
      targetPrice: onTick('target', proposal.targetPrice),
    }),
    moved,
  };
}
