import {
  type AgentOutcome,
  runStrategistChallengers,
  type StrategistAnswer,
  type StrategistRequest,
} from '../agents/index.ts';
import { type BusMessage, topics } from '../bus/index.ts';
import { errorMessage } from '../errors/index.ts';
import { withFields } from '../platform/index.ts';
import { outcomePayload } from './cycle-notes.ts';
import type { CycleDeps } from './cycle-types.ts';

/** The id of one shadow decision: cycle, symbol and challenger. No order ever carries it. */
export function shadowDecisionIdFor(cycleId: string, symbol: string, challenger: string): string {
  return `shadow:${cycleId}:${symbol}:${challenger}`;
}

function decisionOf(outcome: AgentOutcome<StrategistAnswer>) {
  return outcome.ok
    ? { ok: true, decision: outcome.value.decision, side: outcome.value.side }
    : { ok: false, decision: null, side: null };
}

/** Same decision and, for a trade, the same side; null when either side has no answer. */
export function agrees(
  champion: AgentOutcome<StrategistAnswer>,
  challenger: AgentOutcome<StrategistAnswer>,
): boolean | null {
  if (!champion.ok || !challenger.ok) return null;
  return (
    champion.value.decision === challenger.value.decision &&
    (champion.value.decision === 'no_trade' || champion.value.side === challenger.value.side)
  );
}

/**
 * The Strategist's challengers on the champion's exact request, published as `strategist.shadow`
 * messages answering the champion's proposal message. Started beside the signers and awaited
 * only at the cycle's end, so they never delay an order; nothing they say reaches the signers,
 * the executor or the broker. A failure is logged, never the candidate's.
 */
export function runShadows(
  deps: CycleDeps,
  request: StrategistRequest,
  champion: AgentOutcome<StrategistAnswer>,
  championMessage: Promise<BusMessage>,
): Promise<void> {
  const { runtime } = deps;
  if (!runtime.challengers || runtime.challengers.length === 0) return Promise.resolve();
  const symbol = request.series.symbol;
  const work = async () => {
    const answers = await runStrategistChallengers(runtime, request);
    const cause = await championMessage;
    for (const { challenger, outcome } of answers) {
      await deps.publish({
        // The envelope's agent name: "strategist.shadow.conservative" (the payload names the challenger).
        fromAgent: `${challenger.champion}.shadow.${challenger.variant}`,
        toAgent: 'optimizer',
        topic: topics.strategistShadow,
        cycleId: request.cycleId,
        causationId: cause.id,
        payload: withFields(outcomePayload(symbol, outcome), {
          shadow: true,
          challenger: challenger.id,
          champion: challenger.champion,
          shadowDecisionId: shadowDecisionIdFor(request.cycleId, symbol, challenger.id),
          championDecision: decisionOf(champion),
          agreesWithChampion: agrees(champion, outcome),
        }),
      });
    }
  };
  return work().catch((error: unknown) =>
    runtime.logger.error(
      { err: error, cycleId: request.cycleId, symbol },
      `shadow challengers failed: ${errorMessage(error)}`,
    ),
  );
}
