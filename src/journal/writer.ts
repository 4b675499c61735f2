import path from 'node:path';
import { ValidationError } from '../errors/index.ts';
import { GroupWriter, type Queryable } from '../store/index.ts';
import { updateFileAtomic } from './atomic.ts';
import { JournalWriteError } from './errors.ts';
import { fastJournalEntry } from './fast-parse.ts';
import { journalFiles } from './file-worker.ts';
import { entryLocation, resolveEntryPath } from './paths.ts';
import { type JournalResolution, renderJournalMarkdown, renderResolution } from './render.ts';
import { type JournalEntry, type JournalEntryInput, journalEntrySchema } from './schema.ts';
import { journalSql } from './sql.ts';

export interface JournalWriteOptions {
  /** A pool, or the caller's transaction client: the row then commits with the caller's writes. */
  db: Queryable;
  /** The context folder (holds journal/); the row's path is relative to it. */
  root: string;
  /**
   * What the row waits for besides its file: the commit of the bus message the entry names. The
   * file is placed meanwhile (its flushes beside the message's); when this fails, no row is
   * inserted and the write fails with it (the file stays, as for a row that rolls back).
   */
  rowAfter?: Promise<unknown>;
}

export interface WrittenJournalEntry {
  id: number;
  /** Relative to the context root, "/"-separated: `journal/2026-11-21/14-30-05-AAPL-vetoed.md`. */
  path: string;
  /** Absolute path of the file. */
  file: string;
}

function parseEntry(input: JournalEntryInput): JournalEntry {
  const fast = fastJournalEntry(input);
  if (fast) return fast;
  const parsed = journalEntrySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: `journal.${issue.path.map(String).join('.') || '(root)'}`,
    message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new ValidationError(
    `invalid journal entry: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
    { fault: 'system', fix: 'correct the named field(s) where the journal entry is built' },
  );
}

function rowSummary(entry: JournalEntry): Record<string, unknown> {
  return {
    signatures: Object.fromEntries(
      entry.signatures.map((signature) => [signature.signer, signature.verdict]),
    ),
    broker: entry.broker?.status ?? null,
    ...entry.summary,
  };
}

/** An entry validated and rendered, with where its file goes. */
export interface PreparedJournalEntry {
  entry: JournalEntry;
  markdown: string;
  /** Relative folder (`journal/<day>`) and file base name (without `.md` or a collision suffix). */
  dir: string;
  base: string;
  absoluteDir: string;
}

/** Validates an entry and says where its file goes (throws on an invalid entry). */
export function locateJournalEntry(
  input: JournalEntryInput,
  root: string,
): Omit<PreparedJournalEntry, 'markdown'> {
  const entry = parseEntry(input);
  const { dir, base } = entryLocation(entry.ts, entry.symbol, entry.outcome);
  return { entry, dir, base, absoluteDir: path.resolve(root, dir) };
}

/** Validates and renders an entry: everything but the file and the row (throws on an invalid entry). */
export function prepareJournalEntry(input: JournalEntryInput, root: string): PreparedJournalEntry {
  const { entry, dir, base, absoluteDir } = locateJournalEntry(input, root);
  return { entry, markdown: renderJournalMarkdown(entry), dir, base, absoluteDir };
}

/**
 * Places a prepared entry's file atomically under a free name, through the file worker (fsynced
 * there, off the main thread, unless `sync` is false: a file flushed behind); returns the file's
 * name in its folder.
 */
export function placeJournalFile(prepared: PreparedJournalEntry, sync = true): Promise<string> {
  return journalFiles.place(prepared.absoluteDir, prepared.base, prepared.markdown, sync);
}

/** The `agent_journal` row's `path` among its values. */
export const rowPathColumn = 8;
/** The summary's JSON text, the last value of a row whose file is flushed before it. */
export const rowSummaryColumn = 9;
/** The entry's markdown, after the summary in a row whose file is flushed behind (flush-behind.ts). */
export const rowMarkdownColumn = 10;

/** The `agent_journal` row's values, in the insert's column order (path ninth). */
export function journalRowValues(entry: JournalEntry, relative: string): unknown[] {
  return [
    entry.ts,
    entry.cycleId,
    entry.symbol,
    entry.agent,
    entry.outcome,
    entry.decidedBy,
    entry.clientOrderId ?? entry.broker?.clientOrderId ?? null,
    entry.messageId,
    relative,
    JSON.stringify(rowSummary(entry)),
  ];
}

/**
 * A text as a text parameter's UTF-8 stores it (a lone surrogate becomes U+FFFD), where its JSON
 * escape would be refused by jsonb; anything else as it is.
 */
function wellFormed(value: unknown): unknown {
  return typeof value === 'string' ? value.toWellFormed() : value;
}

/**
 * A many-row insert's rows (`$1`, journalSql's manyRows) from rows of `journalRowValues`: one
 * JSON array of objects, each row's summary (a JSON text already) spliced in as it is, and its
 * markdown when the row carries one (a row flushed behind).
 */
export function manyRowsJson(rows: readonly unknown[][]): string {
  const texts = rows.map((row) => {
    const fields = JSON.stringify({
      ts: row[0],
      cycle_id: wellFormed(row[1]),
      symbol: wellFormed(row[2]),
      agent: row[3],
      outcome: row[4],
      decided_by: row[5],
      client_order_id: wellFormed(row[6]),
      message_id: row[7],
      path: wellFormed(row[rowPathColumn]),
      markdown: wellFormed(row[rowMarkdownColumn]),
    });
    return `${fields.slice(0, -1)},"summary":${row[rowSummaryColumn]}}`;
  });
  return `[${texts.join(',')}]`;
}

/**
 * Rows of entries written meanwhile go in one statement (GroupWriter): a cycle's candidates
 * journal at once, one row as `one`'s statement, several as `many`'s; the ids in the order given.
 */
export function journalRowWriter(
  db: Queryable,
  one: (row: unknown[]) => [text: string, values: unknown[]],
  many: (rows: unknown[][]) => [text: string, values: unknown[]],
): GroupWriter<unknown[], number> {
  return new GroupWriter(async (rows) => {
    const [text, values] = rows.length === 1 ? one(rows[0]!) : many(rows);
    const result = await db.query<{ id: string | number }>(text, values);
    if (result.rows.length !== rows.length) throw new Error('agent_journal insert returned no row');
    return result.rows.map((row) => Number(row.id));
  });
}

/**
 * Keyed by the queryable: a pool's rows commit together, a transaction's stay in that
 * transaction.
 */
const rowWriters = new WeakMap<Queryable, GroupWriter<unknown[], number>>();

function rowWriterFor(db: Queryable): GroupWriter<unknown[], number> {
  let writer = rowWriters.get(db);
  if (!writer) {
    writer = journalRowWriter(
      db,
      (row) => [journalSql.insert(), row],
      (rows) => [journalSql.insertMany(), [manyRowsJson(rows)]],
    );
    rowWriters.set(db, writer);
  }
  return writer;
}

/**
 * Journals one decision: renders the markdown, writes it atomically under
 * `<root>/journal/<YYYY-MM-DD>/<HH-MM-SS>-<SYMBOL>-<outcome>.md` (UTC; a name already taken
 * gets -2, -3, ...; nothing is ever overwritten), then inserts the `agent_journal` row pointing
 * to it. The file is written first: a row never points to a missing file, and a row that rolls
 * back leaves a file a person can still read.
 */
export async function writeJournalEntry(
  input: JournalEntryInput,
  options: JournalWriteOptions,
): Promise<WrittenJournalEntry> {
  // Seen as handled now: it is awaited only once the file is placed.
  options.rowAfter?.catch(() => {});
  const prepared = prepareJournalEntry(input, options.root);
  // The row's values as the entry is now (it may share objects with the caller's input).
  const values = journalRowValues(prepared.entry, '');
  const name = await placeJournalFile(prepared);
  await options.rowAfter;
  const relative = `${prepared.dir}/${name}`;
  values[rowPathColumn] = relative;
  const id = await rowWriterFor(options.db).submit(values);
  return { id, path: relative, file: path.join(prepared.absoluteDir, name) };
}

/**
 * Appends a "Resolution" section to an existing entry (an exit, a trade reflection), atomically:
 * the whole file is rewritten to a temp file and renamed over the old one, so a reader sees the
 * entry either without or with the whole section. `entryPath` is the row's relative path.
 */
export async function appendJournalResolution(
  entryPath: string,
  resolution: JournalResolution,
  options: { root: string },
): Promise<void> {
  const file = await resolveEntryPath(options.root, entryPath);
  const section = renderResolution(resolution);
  try {
    await updateFileAtomic(file, (current) => `${current.replace(/\n*$/, '\n')}\n${section}`);
  } catch (error) {
    throw new JournalWriteError(file, error);
  }
}
