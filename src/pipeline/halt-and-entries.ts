import { z } from 'zod';
import type { Queryable } from '../store/index.ts';
import type { HaltRowRead } from '../watchdog/index.ts';
import type { HaltAndPendingEntries } from './cycle-types.ts';
import { pipelineSql } from './sql.ts';

/** [symbol, qty, price] as json_build_array gives them (numeric as JSON numbers). */
const entriesSchema = z.array(z.tuple([z.string(), z.number(), z.number().nullable()]));

/**
 * The Risk Gate's read as the sessions make it (CycleDeps.haltAndPendingEntries): the halt row
 * and the broker's pending entry orders in one statement, where each candidate sent two side by
 * side (a fifth of a vetoed candidate's statements), read at the same moment as before (the
 * candidate's account turn).
 */
export function haltAndPendingEntriesReader(
  query: Queryable['query'],
  brokerName: string,
  halt: HaltRowRead,
): () => Promise<HaltAndPendingEntries> {
  const text = pipelineSql.pendingEntriesWithHalt(halt.sql);
  return async () => {
    const result = await query<{ halt: unknown; entries: unknown }>(text, [brokerName]);
    const row = result.rows[0];
    const entries = entriesSchema.parse(row?.entries ?? []);
    return {
      haltLevel: halt.levelOf(row?.halt),
      entries: entries.map(([symbol, qty, price]) => ({ symbol, qty, price })),
    };
  };
}
