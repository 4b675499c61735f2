import { z } from 'zod';
import {
  type AccountSnapshot,
  accountSnapshotSchema,
  readAccountState,
  type StoredAccountState,
} from '../account-state/index.ts';
import type { Queryable } from '../store/index.ts';

/**
 * The account as the operator sees it: every field the brain stored (a venue may add its own),
 * the known ones type-checked, plus when it was written. A snapshot whose known fields have the
 * wrong type is not shown as if it were right.
 */
export const accountFieldsSchema = z.looseObject({
  equity: z.number().optional(),
  cash: z.number().optional(),
  highWaterMark: z.number().optional(),
  dayStartEquity: z.number().optional(),
  positions: z.number().optional(),
  at: z.string().optional(),
});
export type AccountFields = z.infer<typeof accountFieldsSchema> & { updatedAt: string | null };

export interface AccountView {
  /** Complete, as the watchdog's invariants need it; null when absent or a field is missing. */
  snapshot: AccountSnapshot | null;
  /** For display; null when there is none or it does not parse. */
  fields: AccountFields | null;
}

export function accountViewOf(state: StoredAccountState | null): AccountView {
  const parsed = accountFieldsSchema.safeParse(state?.value);
  const complete = accountSnapshotSchema.safeParse(state?.value);
  return {
    snapshot: complete.success ? complete.data : null,
    fields: state && parsed.success ? { ...parsed.data, updatedAt: state.updatedAt.toISOString() } : null,
  };
}

/**
 * One read of the account the brain trades on `venue` (the configured `broker.kind`), through
 * `account-state/`, the key's one owner.
 */
export async function readAccount(db: Queryable, venue: string): Promise<AccountView> {
  return accountViewOf(await readAccountState(db, venue));
}
