import type { CeoBudget } from '../agents/index.ts';
import { topics } from '../bus/index.ts';
import { inFlight } from './concurrency.ts';
import type { CycleDeps } from './cycle-types.ts';
import type { DeskView } from './desk.ts';

/** The Macro Officer's view as the Regime agent's `macro` input. */
export const macroText = (macro: DeskView['macro']) =>
  macro ? `${macro.stance} (${macro.regime}/${macro.bias}): ${macro.rationale}` : null;

/** The budget of a day the CEO could not set: no new position. */
export function closedBudget(reason: string): CeoBudget {
  return { stance: 'risk_off', riskMultiplierCap: 0, maxNewPositions: 0, rationale: `closed: ${reason}` };
}

/** A cycle with the budget closed (no new position), its `ceo.budget` message saying why. */
export async function closedView(
  deps: CycleDeps,
  cycleId: string,
  day: string,
  directiveId: number | null,
  macro: DeskView['macro'],
  macroMessage: { id: number; written: Promise<unknown> },
  reason: string,
): Promise<DeskView> {
  const macroMessageId = macroMessage.id;
  const { stance, riskMultiplierCap, maxNewPositions } = closedBudget(reason);
  const message = await deps.publish({
    fromAgent: 'ceo',
    toAgent: 'risk-gate',
    topic: topics.ceoBudget,
    cycleId,
    causationId: directiveId ?? macroMessageId,
    payload: {
      day,
      directiveId,
      stance,
      riskMultiplierCap,
      maxNewPositions,
      newPositionsToday: 0,
      closed: reason,
      ...(deps.deskRecord ? { desk: deps.deskRecord.key } : {}),
    },
  });
  return {
    macro,
    macroText: macroText(macro),
    macroMessageId,
    written: inFlight(macroMessage.written.then(() => undefined)),
    budget: {
      day,
      stance,
      riskMultiplierCap,
      maxNewPositions,
      directiveId,
      messageId: message.id,
      used: () => 0,
      reserve: () => {},
      release: () => {},
    },
  };
}
