import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { JournalPathError } from './errors.ts';
import { isValidDay, journalFolder, parseEntryName, resolveEntryPath } from './paths.ts';
import type { JournalOutcome } from './schema.ts';

export interface JournalListing {
  /** Relative to the context root, as stored in agent_journal.path. */
  path: string;
  day: string;
  /** HH:MM:SS, UTC. */
  time: string;
  /** The symbol as it appears in the file name (sanitised). */
  symbol: string;
  outcome: JournalOutcome;
  sequence: number;
}

/** The entries of one UTC day, in time order (then by collision suffix); none for a day without any. */
export async function listJournal(options: { root: string; day: string }): Promise<JournalListing[]> {
  if (!isValidDay(options.day)) throw new JournalPathError(options.day, 'day must be YYYY-MM-DD');
  const dir = path.resolve(options.root, journalFolder, options.day);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const listings: JournalListing[] = [];
  for (const name of names) {
    const parsed = parseEntryName(name);
    if (!parsed) continue; // temp files (".…tmp") and anything else a person dropped there
    listings.push({ path: `${journalFolder}/${options.day}/${name}`, day: options.day, ...parsed });
  }
  return listings.sort(
    (a, b) =>
      a.time.localeCompare(b.time) ||
      a.symbol.localeCompare(b.symbol) ||
      a.outcome.localeCompare(b.outcome) ||
      a.sequence - b.sequence,
  );
}

export interface JournalDocument {
  path: string;
  /** The whole markdown file. */
  text: string;
  /** Its YAML front matter (empty when missing or unreadable). */
  meta: Record<string, unknown>;
}

/**
 * Reads one entry by its relative path. Anything that is not `journal/<day>/<entry>.md`
 * inside the context root ("..", absolute paths, links leading out) is refused.
 */
export async function readJournalEntry(options: { root: string; path: string }): Promise<JournalDocument> {
  const file = await resolveEntryPath(options.root, options.path);
  const text = await readFile(file, 'utf8');
  let meta: Record<string, unknown> = {};
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (match) {
    try {
      const parsed: unknown = parseYaml(match[1] ?? '');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        meta = parsed as Record<string, unknown>;
    } catch {
      meta = {};
    }
  }
  return { path: options.path, text, meta };
}
