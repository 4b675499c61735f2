import type { Broker } from '../broker/index.ts';
import {
  agentOutcomePayload,
  type Bus,
  type BusMessage,
  type MessageInput,
  type PublishOptions,
  readPayload,
  type Signature,
  topics,
} from '../bus/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';
import { answerIntent } from '../ledger/index.ts';
import type { Queryable } from '../store/index.ts';
import { pipelineSql, submissionAnswer } from './sql.ts';

export interface IntentRepairDeps {
  db: Queryable & { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> };
  bus: Pick<Bus, 'replayAll'>;
  publish(input: MessageInput, options?: PublishOptions): Promise<{ id: number }>;
  broker: Broker;
  brokerName: string;
  journal(entry: JournalEntryInput): Promise<void>;
  clock: { now(): number };
}

export interface IntentRepair {
  clientOrderId: string;
  repair: 'submitted' | 'not_sent' | 'journal_completed';
}

const notSentReason =
  'the brain stopped before the broker received this order; it is not resent (the decision is stale)';

/**
 * After a restart: orders whose intent was committed but whose submission is unknown are looked
 * up at the broker by client order id (never resent blindly), and decisions whose journal entry
 * was never written get it now, rebuilt from the bus. Running it twice changes nothing more.
 */
export async function completeInterruptedOrders(deps: IntentRepairDeps): Promise<IntentRepair[]> {
  const repairs: IntentRepair[] = [];
  const ts = new Date(deps.clock.now());
  const pending = await deps.db.query<{
    client_order_id: string;
    cycle_id: string | null;
    message_id: number | null;
    symbol: string;
  }>(pipelineSql.pendingIntents(), [deps.brokerName]);
  for (const row of pending.rows) {
    const order = await deps.broker.getOrder(row.client_order_id);
    await deps.db.transaction(async (tx) => {
      if (order) {
        await answerIntent(tx, row.client_order_id, submissionAnswer(order));
        await deps.publish(
          {
            fromAgent: 'reconciler',
            toAgent: 'executor',
            topic: topics.orderSubmitted,
            ts,
            cycleId: row.cycle_id,
            causationId: row.message_id,
            payload: {
              clientOrderId: row.client_order_id,
              status: order.status,
              reconciled: true,
              children: order.linkedClientOrderIds,
            },
          },
          { tx },
        );
      } else {
        await answerIntent(tx, row.client_order_id, {
          status: 'not_sent',
          reason: notSentReason,
          filledQty: 0,
          avgFillPrice: null,
        });
        await deps.publish(
          {
            fromAgent: 'reconciler',
            toAgent: 'operator',
            topic: topics.orderNotSent,
            ts,
            cycleId: row.cycle_id,
            causationId: row.message_id,
            payload: { clientOrderId: row.client_order_id, reason: notSentReason },
          },
          { tx },
        );
      }
    });
    repairs.push({ clientOrderId: row.client_order_id, repair: order ? 'submitted' : 'not_sent' });
  }

  const unjournaled = await deps.db.query<{
    client_order_id: string;
    cycle_id: string;
    symbol: string;
    status: string;
    reject_reason: string | null;
  }>(pipelineSql.entriesWithoutJournal(), [deps.brokerName]);
  for (const row of unjournaled.rows) {
    const messages = await deps.bus.replayAll({ cycleId: row.cycle_id });
    // The cycle's last word on this symbol, read through the catalog's schemas.
    const last = <Payload extends { symbol: string }>(read: (message: BusMessage) => Payload | undefined) => {
      let found: { message: BusMessage; payload: Payload } | undefined;
      for (const message of messages) {
        const payload = read(message);
        if (payload?.symbol === row.symbol) found = { message, payload };
      }
      return found;
    };
    const proposal = last((message) =>
      message.topic === topics.strategistProposal
        ? agentOutcomePayload.safeParse(message.payload).data
        : undefined,
    )?.payload;
    const stance = last((message) => readPayload(topics.regimeStance, message))?.payload;
    const signatures: Signature[] =
      last((message) => readPayload(topics.signaturesCollected, message))?.message.signatures ?? [];
    const outcome = row.status === 'not_sent' ? 'error' : row.status === 'rejected' ? 'rejected' : 'executed';
    await deps.journal({
      ts,
      cycleId: row.cycle_id,
      symbol: row.symbol,
      agent: 'reconciler',
      outcome,
      decidedBy: proposal?.decidedBy ?? 'code',
      proposal: proposal?.answer ?? null,
      stance: stance?.answer ?? null,
      signatures,
      broker: {
        status: row.status,
        broker: deps.brokerName,
        clientOrderId: row.client_order_id,
        message: row.reject_reason,
      },
      clientOrderId: row.client_order_id,
      notes: [
        'Completed by reconciliation after a restart: the brain stopped before this entry was written.',
      ],
    });
    repairs.push({ clientOrderId: row.client_order_id, repair: 'journal_completed' });
  }
  return repairs;
}
