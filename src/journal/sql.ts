/**
 * The rows of a many-row insert: one JSON array of row objects ($1, manyRowsJson), in the order
 * given (`r.n`), with each row's markdown where the statement keeps it. One JSON text, not an
 * array parameter a column, which node-postgres escapes element by element in JavaScript (each
 * markdown's every quote and backslash, see busSql's bulkRows).
 */
function manyRows(markdown: boolean): string {
  return `ROWS FROM (jsonb_to_recordset($1::jsonb) AS (ts timestamptz, cycle_id text, symbol text, agent text,
          outcome text, decided_by text, client_order_id text, message_id bigint, path text, summary jsonb${markdown ? ', markdown text' : ''}))
        WITH ORDINALITY AS r(ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary${markdown ? ', markdown' : ''}, n)`;
}

/** A row's columns, in `journalRowValues`' order. */
const columns =
  'ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary';
/** The same from `manyRows`. */
const manyColumns = `r.ts, r.cycle_id, r.symbol, r.agent, r.outcome, r.decided_by, r.client_order_id, r.message_id,
        r.path, r.summary`;

/** The journal's SQL, as small pure builders. */
export const journalSql = {
  insert(): string {
    return `INSERT INTO agent_journal
      (${columns})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
      RETURNING id`;
  },
  /**
   * Many rows in one statement, as insertManyDeferred but committed as insert is (the live
   * journal's rows written together, see writer.ts); the ids in the order given.
   */
  insertMany(): string {
    return `WITH inserted AS (INSERT INTO agent_journal
      (${columns})
      SELECT ${manyColumns}
      FROM ${manyRows(false)}
      ORDER BY r.n
      RETURNING id) SELECT id FROM inserted ORDER BY id`;
  },
  /**
   * Many rows in one statement (manyRows), ids in the order given. Commits without waiting for
   * the WAL flush (a backtest's own journal: see DeferredJournal).
   */
  insertManyDeferred(): string {
    return `INSERT INTO agent_journal
      (${columns})
      SELECT ${manyColumns}
      FROM ${manyRows(false)},
        (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
      ORDER BY r.n`;
  },
  /**
   * A row whose file was placed without a flush: as insert, with the entry's markdown ($11) and
   * the context folder ($12) the start-up repair needs (see flush-behind.ts).
   */
  insertRepairable(): string {
    return `INSERT INTO agent_journal
      (${columns}, markdown, file_root)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
      RETURNING id`;
  },
  /** Many such rows in one statement, as insertMany: each row with its markdown, one folder ($2). */
  insertManyRepairable(): string {
    return `WITH inserted AS (INSERT INTO agent_journal
      (${columns}, markdown, file_root)
      SELECT ${manyColumns}, r.markdown, $2
      FROM ${manyRows(true)}
      ORDER BY r.n
      RETURNING id) SELECT id FROM inserted ORDER BY id`;
  },
  /** Every row with markdown of the folder $1 up to id $2 has its file on disk (only forward). */
  markFlushed(): string {
    return `INSERT INTO journal_file_mark (root, flushed_through) VALUES ($1, $2)
      ON CONFLICT (root) DO UPDATE
      SET flushed_through = GREATEST(journal_file_mark.flushed_through, EXCLUDED.flushed_through),
        updated_at = now()`;
  },
  /** The folder $1's mark: its rows up to this id have their files on disk. */
  flushedThrough(): string {
    return `SELECT flushed_through FROM journal_file_mark WHERE root = $1`;
  },
  /**
   * The folder $1's rows whose file may not be on disk: those with markdown after its mark $2.
   * The mark is a value here, not a subquery, so the plan reads the primary key from the mark on
   * (a handful of rows) instead of scanning the table: no index on `file_root` to keep up on
   * every decision's insert.
   */
  unflushedRows(): string {
    return `SELECT id, path, markdown FROM agent_journal
      WHERE id > $2 AND file_root = $1 AND markdown IS NOT NULL
      ORDER BY id`;
  },
  /** The journal files of one order's decision (the executed entry first). */
  pathsOfOrder(): string {
    return `SELECT path, outcome FROM agent_journal WHERE client_order_id = $1 ORDER BY id`;
  },
  byPath(): string {
    return `SELECT id, ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary
      FROM agent_journal WHERE path = $1 ORDER BY id`;
  },
};
