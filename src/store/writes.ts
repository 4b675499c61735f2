import type { Queryable } from './queryable.ts';

/** One data-modifying statement and its values: sent alone, or with others as one statement. */
export interface SqlWrite {
  readonly text: string;
  readonly values: unknown[];
}

const parameterPattern = /\$(\d+)/g;

/**
 * Writes as data-modifying CTEs (`write_0 AS (…), write_1 AS (…)`) for one statement, their
 * parameters numbered after the `values` already taken; their values are appended to `values`.
 * Why one statement: it is one round trip and its own transaction, where a transaction costs a
 * round trip for BEGIN, one per write and one for COMMIT. PostgreSQL runs every data-modifying
 * CTE once and to completion, read or not, and all of them see the snapshot the statement began
 * with, not one another's rows: a write that depends on another's outcome computes it in its
 * own SQL (see ledgerSql.endLegsWithAnswer). The texts hold no `$n` outside their parameters
 * (true of every builder in Signet: none quotes a dollar sign).
 */
export function writesAsCtes(writes: readonly SqlWrite[], values: unknown[]): string {
  let key = String(values.length);
  for (const write of writes) key += `\u0000${write.text}`;
  let ctes = builtCtes.get(key);
  if (ctes === undefined) {
    ctes = buildCtes(writes, values.length);
    if (builtCtes.size >= maxBuiltCtes) builtCtes.clear();
    builtCtes.set(key, ctes);
  }
  for (const write of writes) values.push(...write.values);
  return ctes;
}

/**
 * The CTE texts built so far, by the values before them and the writes' texts: an order's
 * statement comes in a few shapes, and the same text each time is one the store's statement
 * namer finds at once (a new string is hashed anew). Bounded: texts built with varying content
 * cannot grow it without end.
 */
const builtCtes = new Map<string, string>();
const maxBuiltCtes = 256;

function buildCtes(writes: readonly SqlWrite[], taken: number): string {
  const ctes: string[] = [];
  let offset = taken;
  for (const [index, write] of writes.entries()) {
    const shift = offset;
    ctes.push(
      `write_${index} AS (${write.text.replace(parameterPattern, (_, number: string) => `$${Number(number) + shift}`)})`,
    );
    offset += write.values.length;
  }
  return ctes.join(',\n');
}

/** Runs writes as one statement (one alone as it is); every one of them commits, or none. */
export async function runWrites(q: Queryable, writes: readonly SqlWrite[]): Promise<void> {
  if (writes.length === 0) return;
  if (writes.length === 1) {
    await q.query(writes[0]!.text, writes[0]!.values);
    return;
  }
  const values: unknown[] = [];
  const ctes = writesAsCtes(writes, values);
  await q.query(`WITH ${ctes}\nSELECT 1`, values);
}
