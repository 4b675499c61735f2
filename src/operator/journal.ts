import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type JournalDocument,
  type JournalListing,
  journalFolder,
  listJournal,
  readJournalEntry,
} from '../journal/index.ts';

/** Days that have journal entries, newest first. */
export async function journalDays(root: string): Promise<string[]> {
  let names: string[] = [];
  try {
    names = await readdir(path.join(root, journalFolder));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return names
    .filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name))
    .sort()
    .reverse();
}

/**
 * The entries of one UTC day; with `text`, only those whose markdown contains it (any case).
 * Throws `JournalPathError` for a day that is not YYYY-MM-DD.
 */
export async function journalEntries(root: string, day: string, text?: string): Promise<JournalListing[]> {
  const entries = await listJournal({ root, day });
  if (!text) return entries;
  const needle = text.toLowerCase();
  const kept: JournalListing[] = [];
  for (const entry of entries) {
    const document = await readJournalEntry({ root, path: entry.path });
    if (document.text.toLowerCase().includes(needle)) kept.push(entry);
  }
  return kept;
}

/** One entry by its listed path; throws `JournalPathError` for a path leading out of the journal. */
export function journalEntry(root: string, entryPath: string): Promise<JournalDocument> {
  return readJournalEntry({ root, path: entryPath });
}

/** The text of an entry (a halt's, shown before a resume), or a line saying it cannot be read. */
export async function journalText(root: string, entryPath: string): Promise<string> {
  try {
    return (await readJournalEntry({ root, path: entryPath })).text;
  } catch (error) {
    return `(journal entry ${entryPath} cannot be read: ${(error as Error).message})`;
  }
}
