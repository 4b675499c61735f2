import type { TradeProposal } from '../agents/index.ts';
import type { Order } from '../broker/index.ts';
import type { BusMessage, Signature } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import { faultPoint } from '../faults/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';
import { answerIntentWrites, bracketLegIntents, intentsWrite } from '../ledger/index.ts';
import { withFields } from '../platform/index.ts';
import { type CandidateReport, type CycleDeps, clientOrderIdFor } from './cycle-types.ts';
import { submissionAnswer } from './sql.ts';

/** A signed proposal on its way to the broker, with what the journal must say about it. */
export interface Execution {
  cycleId: string;
  ts: Date;
  symbol: string;
  proposal: TradeProposal;
  qty: number;
  signatures: Signature[];
  stance: Record<string, unknown>;
  inputs: Record<string, unknown>;
  causationId: number;
  notes: string[];
  decidedBy: 'llm' | 'fallback';
}

/** Why an order may not leave, and the outcome it gets. */
interface Blocked {
  reason: string;
  outcome: 'halted' | 'error';
}

/** Halted at submission: the level found (null: the halt state could not be read). */
function haltedAt(haltLevel: number | null, also = ''): Blocked {
  const state = haltLevel === null ? 'halt state unreadable' : `halt level ${haltLevel}`;
  return { reason: `${state} at submission${also}`, outcome: 'halted' };
}

/** What a halt level and the cost ledger's settling say of the order (null: it may leave). */
function blockedBy(haltLevel: number | null, ledgerReason: string | null): Blocked | null {
  // A settle reports a lost row once: a halt that blocks as well names it, or nobody would.
  if (haltLevel === null || haltLevel >= 2)
    return haltedAt(haltLevel, ledgerReason === null ? '' : `; ${ledgerReason}`);
  if (ledgerReason !== null) return { reason: ledgerReason, outcome: 'error' };
  return null;
}

/**
 * The LLM cost ledger rows of the calls behind this order are written behind those calls: they
 * must all be in the table before the order goes out (an order whose decisions' cost is unknown
 * is not sent). Null when they are; else why not.
 */
async function ledgerSettled(deps: CycleDeps): Promise<string | null> {
  return (async () => deps.runtime.llm?.settle())().then(
    () => null,
    (error: unknown) =>
      `LLM cost ledger incomplete at submission: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/**
 * Why the order may not leave now, or null. The halt is checked again right before the order
 * leaves, not only at cycle start: a halt may have come meanwhile. With the ladder's check at
 * submission (`deps.haltAtSubmission`) the cost rows are awaited and the file read here, and the
 * row is checked inside the intent's own statement (see execute); else the halt is read while
 * the rows are written (one round trip where there were two, one after the other). When both
 * block, the outcome is the halt's and the reason names both.
 */
async function blockedBecause(deps: CycleDeps): Promise<Blocked | null> {
  const halt = deps.haltAtSubmission;
  if (halt) {
    const ledgerReason = await ledgerSettled(deps);
    // A lost cost row blocks the order anyway: the halt is read as it always was, to name both.
    if (ledgerReason !== null) return blockedBy(await deps.haltLevel().catch(() => null), ledgerReason);
    return blockedBy(halt.fileLevel(), null);
  }
  const [haltLevel, ledgerReason] = await Promise.all([
    deps.haltLevel().catch(() => null),
    ledgerSettled(deps),
  ]);
  return blockedBy(haltLevel, ledgerReason);
}

/** The order not sent: its message to the operator and its journal entry say why. */
async function notSent(
  deps: CycleDeps,
  run: Execution,
  clientOrderId: string,
  journalBase: Omit<JournalEntryInput, 'outcome' | 'broker' | 'messageId'>,
  blocked: Blocked,
): Promise<CandidateReport> {
  const { reason, outcome } = blocked;
  const { symbol, cycleId } = run;
  const message = await deps.publish({
    fromAgent: 'executor',
    toAgent: 'operator',
    topic: topics.orderBlocked,
    cycleId,
    causationId: run.causationId,
    payload: { symbol, clientOrderId, reason },
  });
  await deps.journal(
    withFields(journalBase, {
      outcome,
      broker: { status: 'not_sent', broker: deps.brokerName, clientOrderId, message: reason },
      messageId: message.id,
    }),
  );
  return { symbol, outcome, proposed: true, clientOrderId, qty: 0, reasons: [reason] };
}

/**
 * Sends a signed proposal: the halt is read again, the order intent is committed with its bus
 * message before the broker sees the order, then the bracket order goes out and the journal
 * entry records what the broker did. A broker that does not answer leaves the outcome unknown
 * (looked up by reconciliation), never resent here.
 */
export async function execute(deps: CycleDeps, run: Execution): Promise<CandidateReport> {
  const { proposal, symbol, cycleId } = run;
  const clientOrderId = clientOrderIdFor(cycleId, symbol);
  const journalBase = {
    ts: run.ts,
    cycleId,
    symbol,
    agent: 'executor',
    decidedBy: run.decidedBy,
    proposal: { ...proposal },
    stance: run.stance,
    signatures: run.signatures,
    inputs: run.inputs,
    notes: run.notes,
    clientOrderId,
  };
  const blocked = await blockedBecause(deps);
  if (blocked !== null) return notSent(deps, run, clientOrderId, journalBase, blocked);
  const request = {
    clientOrderId,
    symbol,
    side: proposal.side,
    type: proposal.entryType,
    qty: run.qty,
    leg: 'entry' as const,
    // A stop-loss is always attached: the signature gate only passes proposals with a stop.
    bracket: { stopLoss: proposal.stopPrice, takeProfit: proposal.targetPrice },
    referencePrice: proposal.entryPrice,
    cycleId,
    ...(proposal.entryType === 'limit' ? { limitPrice: proposal.entryPrice } : {}),
    ...(proposal.entryType === 'stop' ? { stopPrice: proposal.entryPrice } : {}),
  };
  // The intent (and its legs) is committed before the broker sees the order: after a crash,
  // reconciliation finds it. Message and rows are one statement (one round trip, one commit),
  // with the halt row's check when the ladder applies: a halt committed before it refuses it all.
  const halt = deps.haltAtSubmission;
  let intent: BusMessage;
  try {
    intent = await deps.publishWithWrites(
      {
        fromAgent: 'executor',
        toAgent: 'broker',
        topic: topics.orderIntent,
        cycleId,
        causationId: run.causationId,
        payload: withFields(request, { bracket: { ...request.bracket } }),
      },
      // Its legs with it, waiting until it fills: a position never points to a stop without a row.
      (messageId) => [
        intentsWrite(deps.brokerName, [
          {
            clientOrderId,
            leg: 'entry',
            symbol,
            side: proposal.side,
            type: proposal.entryType,
            qty: run.qty,
            limitPrice: request.limitPrice ?? null,
            stopPrice: request.stopPrice ?? null,
            status: 'pending_submit',
            cycleId,
            messageId,
          },
          ...bracketLegIntents(
            { clientOrderId, symbol, side: proposal.side, qty: run.qty, cycleId },
            request.bracket,
          ),
        ]),
      ],
      halt ? { guard: halt.guard } : undefined,
    );
  } catch (error) {
    // Refused by the halt row's check: nothing of the intent was written, and the order stays here.
    const level = halt?.levelOf(error);
    if (level === undefined) throw error;
    return notSent(deps, run, clientOrderId, journalBase, haltedAt(level));
  }
  faultPoint('before-order-submitted');
  let order: Order;
  try {
    order = await deps.broker.submit(request);
  } catch (error) {
    const reason = `broker did not take the order: ${(error as Error).message}`;
    await deps.publish({
      fromAgent: 'broker',
      toAgent: 'executor',
      topic: topics.orderFailed,
      cycleId,
      causationId: intent.id,
      payload: { clientOrderId, reason },
    });
    await deps.journal(
      withFields(journalBase, {
        outcome: 'error',
        broker: { status: 'unknown', broker: deps.brokerName, clientOrderId, message: reason },
        messageId: intent.id,
      }),
    );
    return { symbol, outcome: 'error', proposed: true, clientOrderId, qty: run.qty, reasons: [reason] };
  }
  // The broker's answer and its message, one statement.
  const submitted = await deps.publishWithWrites(
    {
      fromAgent: 'broker',
      toAgent: 'executor',
      topic: order.status === 'rejected' ? topics.orderRejected : topics.orderSubmitted,
      cycleId,
      causationId: intent.id,
      payload: {
        clientOrderId,
        status: order.status,
        reason: order.reason,
        children: order.linkedClientOrderIds,
      },
    },
    () => answerIntentWrites(clientOrderId, submissionAnswer(order)),
  );
  faultPoint('after-order-submitted');
  const rejected = order.status === 'rejected';
  await deps.journal(
    withFields(journalBase, {
      outcome: rejected ? 'rejected' : 'executed',
      broker: {
        status: order.status,
        broker: deps.brokerName,
        clientOrderId,
        message: order.reason,
        details: { qty: run.qty, children: order.linkedClientOrderIds },
      },
      messageId: submitted.id,
    }),
  );
  return {
    symbol,
    outcome: rejected ? 'rejected' : 'executed',
    proposed: true,
    clientOrderId,
    qty: run.qty,
    reasons: rejected ? [order.reason ?? 'rejected'] : [],
  };
}
