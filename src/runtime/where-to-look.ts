import path from 'node:path';
import { journalSql } from '../journal/index.ts';
import type { Queryable } from '../store/index.ts';

export interface Pointers {
  /** The CLI command that prints the whole chain. */
  explain: string;
  /** The console page of the chain, when the console is served. */
  console: string | null;
  /** The journal files of the decision, relative to the working directory. */
  journal: string[];
}

/**
 * Where an operator reads about one order: the same three places for every decision, so the
 * first trade a new user sees teaches them where every later one is.
 */
export async function pointersFor(
  db: Queryable,
  clientOrderId: string,
  options: { consoleUrl: string | null; contextDir: string },
): Promise<Pointers> {
  const rows = await db.query<{ path: string }>(journalSql.pathsOfOrder(), [clientOrderId]);
  return {
    explain: `npx signet explain ${clientOrderId}`,
    console: options.consoleUrl
      ? `${options.consoleUrl}#/decisions/${encodeURIComponent(clientOrderId)}`
      : null,
    journal: rows.rows.map((row) => path.join(options.contextDir, row.path)),
  };
}
