import { type AccountSnapshot, writeAccountState } from '../account-state/index.ts';
import type { Queryable } from '../store/index.ts';

/**
 * Stores the account as the brain sees it after a cycle, under its own key (venue and account
 * id), for the watchdog's drawdown and daily-loss checks and the console. `venue` is the
 * broker's name, which readers know as the configured `broker.kind`.
 */
export async function writeAccountSnapshot(
  db: Queryable,
  account: { venue: string; accountId: string },
  snapshot: AccountSnapshot & { bar?: number },
): Promise<void> {
  await writeAccountState(db, account, snapshot, 'brain');
}
