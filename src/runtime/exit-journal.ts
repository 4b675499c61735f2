import type { ClosedTrade } from '../broker/index.ts';
import { type Bus, readPayload, type Subscription, topics } from '../bus/index.ts';
import { type JournalEntryInput, writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { runtimeSql } from './sql.ts';

/** What an exit entry says about a round trip: the fields every venue's `position.closed` carries. */
export type ExitFacts = Pick<
  ClosedTrade,
  'symbol' | 'entryTime' | 'exitTime' | 'entryPrice' | 'exitPrice' | 'qty' | 'pnl'
> & { exitLeg: string };

/**
 * The journal entry for a closed round trip (a stop, a target, an exit): the entry the
 * self-optimizer appends its reflection to. `messageId` links it to its `position.closed`.
 */
export function exitJournalEntry(
  trade: ExitFacts,
  broker: string,
  links: { messageId?: number; clientOrderId?: string } = {},
): JournalEntryInput {
  return {
    ts: new Date(trade.exitTime),
    symbol: trade.symbol,
    agent: 'monitor',
    outcome: 'exited',
    decidedBy: 'code',
    ...(links.messageId === undefined ? {} : { messageId: links.messageId }),
    ...(links.clientOrderId === undefined ? {} : { clientOrderId: links.clientOrderId }),
    broker: {
      status: 'filled',
      broker,
      message: `closed ${trade.qty} at ${trade.exitPrice} (${trade.exitLeg})`,
      details: {
        entryPrice: trade.entryPrice,
        exitPrice: trade.exitPrice,
        pnl: Number(trade.pnl.toFixed(2)),
      },
    },
    notes: [
      `Position closed: P&L ${trade.pnl.toFixed(2)} after ${new Date(trade.entryTime).toISOString().slice(0, 10)} → ${new Date(trade.exitTime).toISOString().slice(0, 10)}.`,
    ],
  };
}

export interface ExitJournalOptions {
  bus: Bus;
  store: Store;
  logger: Logger;
  /** The journal's root folder (the context directory). */
  root: string;
  /** Only this broker's round trips: another session journals its own. */
  broker: string;
}

/**
 * Journals every round trip a live venue closes, from its `position.closed` message: the fill
 * that closed it may have arrived anywhere (Alpaca's stream, the MT5 bridge in the ingress), so
 * the journal listens on the bus, durably, and each message is journaled once.
 */
export function journalClosedTrades(options: ExitJournalOptions): Promise<Subscription> {
  const { bus, store, root, broker } = options;
  return bus.subscribe(`exit-journal:${broker}`, [topics.positionClosed], async (message) => {
    const trade = readPayload(topics.positionClosed, message);
    if (!trade || trade.broker !== broker) return;
    const seen = await store.query(runtimeSql.exitJournaled(), [message.id]);
    if ((seen.rowCount ?? 0) > 0) return;
    await writeJournalEntry(
      exitJournalEntry(trade, broker, { messageId: message.id, clientOrderId: trade.entryClientOrderId }),
      { db: store, root },
    );
  });
}
