import {
  type MessageInput,
  type OrderFilledPayload,
  type PositionClosedPayload,
  publishWith,
  topics,
} from '../bus/index.ts';
import { withFields } from '../platform/index.ts';
import type { Queryable } from '../store/index.ts';
import type { BrokerEvent, ClosedTrade, Fill, OrderLeg } from './broker.ts';

/**
 * The one place fill and round-trip messages are built: the paper broker's recorder, the fast
 * backtest's log, Alpaca's stream and reconciliation, and the MT5 bridge all say `order.filled`
 * and `position.closed` with these payloads, so the optimizer and the journal read every venue
 * the same way.
 */

export interface FillFacts {
  fill: Fill;
  leg: OrderLeg | string;
  /** Cash after the fill when the venue says so at fill time (the paper broker), else null. */
  cashAfter: number | null;
  positionAfter: number | null;
  broker?: string;
}

export function fillPayload(facts: FillFacts): OrderFilledPayload {
  const { fill } = facts;
  return {
    clientOrderId: fill.clientOrderId,
    symbol: fill.symbol,
    side: fill.side,
    leg: facts.leg,
    qty: fill.qty,
    price: fill.price,
    commission: fill.commission,
    cashAfter: facts.cashAfter,
    positionAfter: facts.positionAfter,
    ...(facts.broker === undefined ? {} : { broker: facts.broker }),
  };
}

/** The paper broker's fill event as a payload (live, and in a backtest's log). */
export function fillEventPayload(
  event: Extract<BrokerEvent, { kind: 'fill' }>,
  broker?: string,
): OrderFilledPayload {
  return fillPayload({
    fill: event.fill,
    leg: event.order.leg,
    cashAfter: event.cashAfter,
    positionAfter: event.positionAfter,
    broker,
  });
}

export function closedTradePayload(trade: ClosedTrade, broker?: string): PositionClosedPayload {
  return {
    symbol: trade.symbol,
    entryTime: trade.entryTime,
    exitTime: trade.exitTime,
    entryPrice: trade.entryPrice,
    exitPrice: trade.exitPrice,
    qty: trade.qty,
    grossPnl: trade.grossPnl,
    commission: trade.commission,
    pnl: trade.pnl,
    bars: trade.bars,
    exitLeg: trade.exitLeg,
    entryClientOrderId: trade.entryClientOrderId,
    exitClientOrderId: trade.exitClientOrderId,
    ...(broker === undefined ? {} : { broker }),
  };
}

export interface MessageLinks {
  cycleId: string | null;
  causationId: number | null;
}

export function fillMessage(facts: FillFacts, links: MessageLinks): MessageInput {
  return {
    fromAgent: 'broker',
    toAgent: 'executor',
    topic: topics.orderFilled,
    cycleId: links.cycleId,
    causationId: links.causationId,
    ts: new Date(facts.fill.time),
    payload: fillPayload(facts),
  };
}

export function closedTradeMessage(trade: ClosedTrade, links: MessageLinks, broker?: string): MessageInput {
  return {
    fromAgent: 'broker',
    toAgent: 'monitor',
    topic: topics.positionClosed,
    cycleId: links.cycleId,
    causationId: links.causationId,
    ts: new Date(trade.exitTime),
    payload: closedTradePayload(trade, broker),
  };
}

const tradeSql = {
  /** The symbol's fills at this broker up to one fill, in the order they were recorded. */
  runningPosition: () =>
    `SELECT f.id, f.client_order_id, f.broker_fill_id, f.symbol, f.side, f.qty::float8 AS qty,
            f.price::float8 AS price, f.commission::float8 AS commission,
            (extract(epoch FROM f.ts) * 1000)::float8 AS time, o.leg, o.cycle_id, o.message_id,
            o.parent_client_order_id
       FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
      WHERE f.broker = $1
        AND f.symbol = (SELECT symbol FROM fills WHERE broker = $1 AND broker_fill_id = $2)
        AND f.id <= (SELECT id FROM fills WHERE broker = $1 AND broker_fill_id = $2)
      ORDER BY f.id`,
  /** The order a bracket child or exit belongs to, for the cycle and the cause. */
  orderLinks: () => 'SELECT cycle_id, message_id FROM orders WHERE client_order_id = $1',
};

interface LedgerFill {
  clientOrderId: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  commission: number;
  time: number;
  leg: string;
  net: number;
}

const flat = (qty: number) => Math.abs(qty) < 1e-9;

/**
 * Our position after each fill. Only an entry opens or adds; a closing leg (a stop, a target,
 * an exit, a flatten) only reduces, so a fill on a position Signet never held (closed by hand,
 * adopted from the broker) leaves the ledger's position as it was instead of skewing every
 * round trip after it.
 */
export function withRunningPosition(fills: ReadonlyArray<Omit<LedgerFill, 'net'>>): LedgerFill[] {
  let net = 0;
  return fills.map((fill) => {
    const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
    if (fill.leg === 'entry') net += signed;
    else if (!flat(net) && Math.sign(net + signed) !== -Math.sign(net))
      net = flat(net + signed) ? 0 : net + signed;
    else if (!flat(net)) net = 0;
    return withFields(fill, { net });
  });
}

/**
 * The round trip a fill that brought the position to flat closed: the fills since the position
 * last left flat. Null when the round trip did not start with one of our entries (a position
 * adopted from the broker has no entry to measure from).
 */
export function roundTrip(fills: readonly LedgerFill[], barMs: number | undefined): ClosedTrade | null {
  const last = fills.at(-1);
  if (!last || !flat(last.net)) return null;
  let start = fills.length - 1;
  while (start > 0 && !flat(fills[start - 1]!.net)) start -= 1;
  const trip = fills.slice(start);
  const first = trip[0]!;
  if (first.leg !== 'entry' || trip.length < 2) return null;
  const direction = first.side === 'buy' ? 1 : -1;
  const opening = trip.filter((fill) => fill.side === first.side);
  const closing = trip.filter((fill) => fill.side !== first.side);
  const qty = opening.reduce((sum, fill) => sum + fill.qty, 0);
  const average = (list: readonly LedgerFill[]) =>
    list.reduce((sum, fill) => sum + fill.qty * fill.price, 0) /
    list.reduce((sum, fill) => sum + fill.qty, 0);
  const entryPrice = average(opening);
  const exitPrice = average(closing);
  const grossPnl = (exitPrice - entryPrice) * qty * direction;
  const commission = trip.reduce((sum, fill) => sum + fill.commission, 0);
  return {
    symbol: '',
    entryTime: first.time,
    exitTime: last.time,
    entryPrice,
    exitPrice,
    qty,
    grossPnl,
    commission,
    pnl: grossPnl - commission,
    bars: barMs && barMs > 0 ? Math.max(0, Math.round((last.time - first.time) / barMs)) : 0,
    exitLeg: last.leg as OrderLeg,
    entryClientOrderId: first.clientOrderId,
    exitClientOrderId: last.clientOrderId,
  };
}

export interface LedgerFillOptions {
  /** The bar length of the session's timeframe, for a closed trade's bar count (0 without). */
  barMs?: number;
}

/**
 * Publishes what one recorded fill means, inside the caller's transaction: `order.filled`, and
 * `position.closed` when it brought the symbol's position at this broker back to flat. Call it
 * once per fill actually inserted (the venue adapters know: a repeated fill inserts nothing).
 * Returns the closed trade, if any.
 */
export async function publishLedgerFill(
  tx: Queryable,
  broker: string,
  brokerFillId: string,
  options: LedgerFillOptions = {},
): Promise<ClosedTrade | undefined> {
  const rows = (
    await tx.query<{
      client_order_id: string;
      symbol: string;
      side: 'buy' | 'sell';
      qty: number;
      price: number;
      commission: number;
      time: number;
      leg: string;
      cycle_id: string | null;
      message_id: number | null;
      parent_client_order_id: string | null;
    }>(tradeSql.runningPosition(), [broker, brokerFillId])
  ).rows;
  const row = rows.at(-1);
  if (!row) return undefined;
  const fills = withRunningPosition(
    rows.map((each) => ({
      clientOrderId: each.client_order_id,
      side: each.side,
      qty: Number(each.qty),
      price: Number(each.price),
      commission: Number(each.commission),
      time: Number(each.time),
      leg: each.leg,
    })),
  );
  const fill = fills.at(-1)!;
  const own = await linksOf(tx, row.cycle_id, row.message_id, row.parent_client_order_id);
  await publishWith(
    tx,
    fillMessage(
      {
        fill: {
          clientOrderId: fill.clientOrderId,
          symbol: row.symbol,
          side: fill.side,
          qty: fill.qty,
          price: fill.price,
          commission: fill.commission,
          time: fill.time,
        },
        leg: fill.leg,
        cashAfter: null,
        positionAfter: fill.net,
        broker,
      },
      own,
    ),
  );
  const trade = roundTrip(fills, options.barMs);
  if (!trade) return undefined;
  const closed = withFields(trade, { symbol: row.symbol });
  const entry = await linksOf(tx, null, null, closed.entryClientOrderId);
  await publishWith(tx, closedTradeMessage(closed, entry, broker));
  return closed;
}

/** The cycle and the message behind an order: its own, else its parent's (bracket legs carry none). */
async function linksOf(
  tx: Queryable,
  cycleId: string | null,
  messageId: number | null,
  parent: string | null,
): Promise<MessageLinks> {
  if ((cycleId && messageId) || !parent)
    return { cycleId, causationId: messageId === null ? null : Number(messageId) };
  const row = (
    await tx.query<{ cycle_id: string | null; message_id: number | null }>(tradeSql.orderLinks(), [parent])
  ).rows[0];
  return {
    cycleId: cycleId ?? row?.cycle_id ?? null,
    causationId:
      messageId !== null ? Number(messageId) : row?.message_id == null ? null : Number(row.message_id),
  };
}
