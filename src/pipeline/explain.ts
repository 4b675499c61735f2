import { type Bus, type BusMessage, topics } from '../bus/index.ts';
import type { Queryable } from '../store/index.ts';
import { type DecisionChain, decisionChain } from './explain-chain.ts';
import { explainSql } from './explain-sql.ts';

export interface OrderRecord {
  clientOrderId: string;
  parentClientOrderId: string | null;
  leg: string;
  symbol: string;
  side: string;
  type: string;
  qty: number;
  limitPrice: number | null;
  stopPrice: number | null;
  status: string;
  rejectReason: string | null;
  fills: Array<{ qty: number; price: number; commission: number; ts: string }>;
}

export interface Explanation {
  cycleId: string;
  /** The order the question named, when it named one. */
  orderId: string | null;
  /** The message the question named, when it named one (`signet explain 1234` or `#1234`). */
  messageId: number | null;
  messages: BusMessage[];
  /**
   * The decision chain in order: the desk (Macro Officer, CEO directive and budget), then per
   * candidate the Regime stance, the proposal, the signatures and the order, each challenger's
   * shadow decision beside the proposal (`shadow: true`, never a step of the chain).
   */
  chain: DecisionChain;
  /**
   * The Macro Officer's view and the CEO's budget the cycle ran under, and the day's CEO directive
   * (published in the day's first cycle, so listed here when this cycle is a later one).
   */
  agents: {
    macroOfficer: Record<string, unknown> | null;
    ceo: Record<string, unknown> | null;
    ceoDirective: BusMessage | null;
  };
  orders: OrderRecord[];
  journal: Array<{
    ts: string;
    symbol: string | null;
    agent: string;
    outcome: string;
    decidedBy: string;
    path: string;
  }>;
}

/** A message id as the operator types it: `1234` or `#1234`. */
const messageIdPattern = /^#?(\d{1,15})$/;

/**
 * Everything about one decision, from an order id, a cycle id or a message id: every agent
 * message in delivery order (inputs, proposal, signatures), the decision chain with the shadow
 * decisions beside it, the orders with their fills, the journal files.
 */
export async function explain(db: Queryable, bus: Bus, id: string): Promise<Explanation | null> {
  const byOrder = await db.query<{ cycle_id: string | null; message_id: string | number | null }>(
    explainSql.cycleOfOrder(),
    [id],
  );
  const orderRow = byOrder.rows[0];
  let cycleId = orderRow?.cycle_id ?? id;
  let messages = await bus.replayAll({ cycleId });
  let messageId: number | null = null;
  const asMessage = messageIdPattern.exec(id);
  if (!orderRow && messages.length === 0 && asMessage) {
    // Not an order, not a cycle: a message id, explained by the cycle it belongs to.
    const byMessage = await db.query<{ cycle_id: string | null }>(explainSql.cycleOfMessage(), [
      Number(asMessage[1]),
    ]);
    const messageCycle = byMessage.rows[0]?.cycle_id;
    if (messageCycle) {
      cycleId = messageCycle;
      messageId = Number(asMessage[1]);
      messages = await bus.replayAll({ cycleId });
    }
  }
  const orderRows = await db.query<{
    client_order_id: string;
    parent_client_order_id: string | null;
    leg: string;
    symbol: string;
    side: string;
    type: string;
    qty: number;
    limit_price: number | null;
    stop_price: number | null;
    status: string;
    reject_reason: string | null;
  }>(explainSql.ordersOfCycle(), [cycleId]);
  if (messages.length === 0 && orderRows.rows.length === 0) return null;
  const orders: OrderRecord[] = [];
  for (const row of orderRows.rows) {
    const fills = await db.query<{ qty: number; price: number; commission: number; ts: Date }>(
      explainSql.fillsOfOrder(),
      [row.client_order_id],
    );
    orders.push({
      clientOrderId: row.client_order_id,
      parentClientOrderId: row.parent_client_order_id,
      leg: row.leg,
      symbol: row.symbol,
      side: row.side,
      type: row.type,
      qty: Number(row.qty),
      limitPrice: row.limit_price === null ? null : Number(row.limit_price),
      stopPrice: row.stop_price === null ? null : Number(row.stop_price),
      status: row.status,
      rejectReason: row.reject_reason,
      fills: fills.rows.map((fill) => ({
        qty: Number(fill.qty),
        price: Number(fill.price),
        commission: Number(fill.commission),
        ts: fill.ts.toISOString(),
      })),
    });
  }
  const journal = await db.query<{
    ts: Date;
    symbol: string | null;
    agent: string;
    outcome: string;
    decided_by: string;
    path: string;
  }>(explainSql.journalOfCycle(), [cycleId]);
  const agents = await agentsOf(bus, messages);
  const orderMessageId = orderRow?.message_id;
  return {
    cycleId,
    orderId: orderRow ? id : null,
    messageId,
    messages,
    chain: decisionChain(
      cycleId,
      messages,
      agents.ceoDirective,
      orderRow
        ? {
            clientOrderId: id,
            messageId:
              orderMessageId === null || orderMessageId === undefined ? null : Number(orderMessageId),
          }
        : null,
    ),
    agents,
    orders,
    journal: journal.rows.map((row) => ({
      ts: row.ts.toISOString(),
      symbol: row.symbol,
      agent: row.agent,
      outcome: row.outcome,
      decidedBy: row.decided_by,
      path: row.path,
    })),
  };
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** The Macro Officer and the CEO of a cycle, read off its messages (and its day's directive). */
async function agentsOf(bus: Bus, messages: readonly BusMessage[]): Promise<Explanation['agents']> {
  const view = messages.find((message) => message.topic === topics.macroView);
  const budget = messages.find((message) => message.topic === topics.ceoBudget);
  const budgetPayload = asRecord(budget?.payload);
  const directiveId = typeof budgetPayload.directiveId === 'number' ? budgetPayload.directiveId : null;
  let directive = messages.find((message) => message.topic === topics.ceoDirective) ?? null;
  const directiveCycleId = budgetPayload.directiveCycleId;
  if (directiveId !== null && directive?.id !== directiveId && typeof directiveCycleId === 'string') {
    const earlier = await bus.replayAll({ cycleId: directiveCycleId, topics: [topics.ceoDirective] });
    directive = earlier.find((message) => message.id === directiveId) ?? null;
  }
  const viewPayload = asRecord(view?.payload);
  const directivePayload = asRecord(directive?.payload);
  return {
    macroOfficer: view
      ? {
          messageId: view.id,
          ok: viewPayload.ok,
          decidedBy: viewPayload.decidedBy ?? null,
          fresh: viewPayload.fresh,
          index: viewPayload.index ?? null,
          ...asRecord(viewPayload.answer),
        }
      : null,
    ceo: budget
      ? {
          messageId: budget.id,
          directiveId,
          decidedBy: directivePayload.decidedBy ?? null,
          rationale: asRecord(directivePayload.applied).rationale ?? null,
          ...budgetPayload,
        }
      : null,
    ceoDirective: directive,
  };
}
