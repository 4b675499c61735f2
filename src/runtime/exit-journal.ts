import type { ClosedTrade } from '../broker/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';

/** The journal entry for a round trip the paper broker closed (a stop, a target, an exit). */
export function exitJournalEntry(trade: ClosedTrade, broker: string): JournalEntryInput {
  return {
    ts: new Date(trade.exitTime),
    symbol: trade.symbol,
    agent: 'monitor',
    outcome: 'exited',
    decidedBy: 'code',
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
