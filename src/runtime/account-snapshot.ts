import { type AccountSnapshot, writeAccountState } from '../account-state/index.ts';
import { withFields } from '../platform/index.ts';
import type { Queryable } from '../store/index.ts';
import type { AccountBook } from './portfolio.ts';

/**
 * Stores the account as the brain sees it after a cycle, under its own key (venue and account
 * id), for the watchdog's drawdown and daily-loss checks and the console; raises the book's
 * high-water mark first. `venue` is the broker's name, which readers know as `broker.kind`.
 */
export async function writeAccountSnapshot(
  db: Queryable,
  account: { venue: string; accountId: string },
  book: AccountBook,
  now: { equity: number; cash: number; positions: number; at: Date; bar?: number },
): Promise<AccountSnapshot> {
  const snapshot = {
    equity: now.equity,
    cash: now.cash,
    highWaterMark: book.markEquity(now.equity),
    dayStartEquity: book.dayStartEquity,
    positions: now.positions,
    at: now.at.toISOString(),
  };
  await writeAccountState(
    db,
    account,
    now.bar === undefined ? snapshot : withFields(snapshot, { bar: now.bar }),
    'brain',
  );
  return snapshot;
}
