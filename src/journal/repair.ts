import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from '../store/index.ts';
import { writeFileAtomic } from './atomic.ts';
import { JournalNotFoundError, JournalWriteError } from './errors.ts';
import { journalFiles } from './file-worker.ts';
import { resolveEntryPath } from './paths.ts';
import { journalSql } from './sql.ts';

export interface JournalRepairReport {
  /** Rows after the folder's mark whose file was looked at. */
  checked: number;
  /** The rows' paths whose file was missing or torn, written again from the row. */
  rewritten: string[];
}

type UnflushedRow = {
  id: string | number;
  path: string;
  markdown: string;
};

/** The row's file, whether or not it is there (the path checked as every journal path is). */
async function entryFile(root: string, relative: string): Promise<string> {
  try {
    return await resolveEntryPath(root, relative);
  } catch (error) {
    if (error instanceof JournalNotFoundError) return path.resolve(root, ...relative.split('/'));
    throw error;
  }
}

/**
 * Gives back the files a crash lost or tore among the decisions journaled with their flush
 * behind (flush-behind.ts): every row of this folder after its mark is checked, and its file is
 * written again from the row's markdown unless the file begins with it (a resolution appended
 * later only adds to the end). Then every such file and folder is flushed and the mark moves past
 * them. The brain runs it at start, before any cycle; a folder with nothing after its mark costs
 * two reads.
 */
export async function repairJournalFiles(options: {
  db: Queryable;
  root: string;
}): Promise<JournalRepairReport> {
  const root = path.resolve(options.root);
  const mark = await options.db.query<{ flushed_through: string | number }>(journalSql.flushedThrough(), [
    root,
  ]);
  const flushedThrough = Number(mark.rows[0]?.flushed_through ?? 0);
  const { rows } = await options.db.query<UnflushedRow>(journalSql.unflushedRows(), [root, flushedThrough]);
  const rewritten: string[] = [];
  const files: string[] = [];
  for (const row of rows) {
    const file = await entryFile(root, row.path);
    files.push(file);
    let current: string | null = null;
    try {
      current = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new JournalWriteError(file, error);
    }
    if (current?.startsWith(row.markdown.replace(/\n*$/, ''))) continue;
    try {
      await writeFileAtomic(file, row.markdown);
    } catch (error) {
      throw new JournalWriteError(file, error);
    }
    rewritten.push(row.path);
  }
  const last = rows[rows.length - 1];
  if (last) {
    await journalFiles.flush(files, [...new Set(files.map((file) => path.dirname(file)))]);
    await options.db.query(journalSql.markFlushed(), [root, Number(last.id)]);
  }
  return { checked: rows.length, rewritten };
}
