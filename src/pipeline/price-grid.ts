import type { TradeProposal } from '../agents/index.ts';
import { type PriceTick, roundToTick, type TickRounding } from '../market/index.ts';

/**
 * Which way each price of a bracket goes onto the tick, so that rounding never widens the risk
 * nor flatters the reward: a buy's entry rounds down and a sell's up (never paying more than
 * proposed), the stop rounds toward the entry (the loss allowed can only shrink), and the
 * target rounds toward the entry (reward:risk is judged on the smaller reward).
 */
function rounding(side: TradeProposal['side']): Record<'entry' | 'stop' | 'target', TickRounding> {
  return side === 'buy'
    ? { entry: 'down', stop: 'up', target: 'down' }
    : { entry: 'up', stop: 'down', target: 'up' };
}

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
  const modes = rounding(proposal.side);
  const onTick = (name: 'entry' | 'stop' | 'target', price: number) => {
    const rounded = roundToTick(price, priceTick(price), modes[name]);
    if (rounded !== price) moved.push(`${name} ${price} → ${rounded}`);
    return rounded;
  };
  return {
    proposal: {
      ...proposal,
      entryPrice: onTick('entry', proposal.entryPrice),
      stopPrice: onTick('stop', proposal.stopPrice),
      targetPrice: onTick('target', proposal.targetPrice),
    },
    moved,
  };
}
