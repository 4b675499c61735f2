import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { JournalNotFoundError, JournalPathError } from './errors.ts';
import { type JournalOutcome, journalOutcomes } from './schema.ts';

/** The journal lives in this folder of the context root; paths in rows are relative to the root. */
export const journalFolder = 'journal';

/** The day's operator log (`journal/<day>/operator.md`): one line per chat command. */
export const operatorLogName = 'operator.md';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const entryNamePattern = new RegExp(
  `^(\\d{2})-(\\d{2})-(\\d{2})-([A-Za-z0-9_-]+)-(${journalOutcomes.join('|')})(?:-(\\d+))?\\.md$`,
);

/** Symbol as a file-name part: letters, digits, "_" and "-" only ("BTC/USD" → "BTC_USD"). */
export function sanitizeSymbol(symbol: string | null): string {
  if (symbol === null) return 'SYSTEM';
  const cleaned = symbol
    .trim()
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 32);
  return cleaned === '' || /^[_-]+$/.test(cleaned) ? 'UNKNOWN' : cleaned;
}

export function isValidDay(day: string): boolean {
  if (!dayPattern.test(day)) return false;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

/** `journal/<YYYY-MM-DD>` and `<HH-MM-SS>-<SYMBOL>-<outcome>` for a decision, in UTC. */
export function entryLocation(
  ts: Date,
  symbol: string | null,
  outcome: JournalOutcome,
): { dir: string; base: string } {
  const iso = ts.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replaceAll(':', '-');
  return { dir: `${journalFolder}/${day}`, base: `${time}-${sanitizeSymbol(symbol)}-${outcome}` };
}

/** The file name for the n-th candidate: the first has no suffix, then -2, -3, ... */
export function candidateName(base: string, attempt: number): string {
  return attempt <= 1 ? `${base}.md` : `${base}-${attempt}.md`;
}

export interface EntryName {
  time: string;
  symbol: string;
  outcome: JournalOutcome;
  /** 1 for the first file of that second, symbol and outcome; 2, 3, ... for collisions. */
  sequence: number;
}

export function parseEntryName(name: string): EntryName | undefined {
  const match = entryNamePattern.exec(name);
  if (!match) return undefined;
  return {
    time: `${match[1]}:${match[2]}:${match[3]}`,
    symbol: match[4] ?? '',
    outcome: match[5] as JournalOutcome,
    sequence: match[6] ? Number(match[6]) : 1,
  };
}

/**
 * Resolves a relative entry path (`journal/<day>/<name>.md`, as stored in agent_journal.path)
 * under the context root, refusing anything else: absolute paths, "..", other folders, other
 * file names, and symbolic links that lead outside the journal.
 */
export async function resolveEntryPath(root: string, requested: string): Promise<string> {
  if (typeof requested !== 'string' || requested === '')
    throw new JournalPathError(String(requested), 'empty');
  if (requested.includes('\0')) throw new JournalPathError(requested, 'contains a NUL byte');
  if (requested.includes('\\')) throw new JournalPathError(requested, 'use "/" as the separator');
  if (path.posix.isAbsolute(requested) || path.win32.isAbsolute(requested))
    throw new JournalPathError(requested, 'must be relative to the context folder');
  const parts = requested.split('/');
  if (parts.some((part) => part === '..' || part === '.' || part === ''))
    throw new JournalPathError(requested, 'must not contain "..", "." or empty segments');
  const [folder, day, name, ...rest] = parts;
  if (folder !== journalFolder || day === undefined || name === undefined || rest.length > 0)
    throw new JournalPathError(requested, `must be ${journalFolder}/<YYYY-MM-DD>/<entry>.md`);
  if (!isValidDay(day)) throw new JournalPathError(requested, `"${day}" is not a day (YYYY-MM-DD)`);
  if (name !== operatorLogName && !parseEntryName(name))
    throw new JournalPathError(requested, `"${name}" is not a journal entry name`);
  const journalRoot = path.resolve(root, journalFolder);
  const target = path.resolve(journalRoot, day, name);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(target), realpath(journalRoot)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new JournalNotFoundError(requested);
    throw error;
  }
  if (!real.startsWith(`${realRoot}${path.sep}`))
    throw new JournalPathError(requested, 'leads outside the journal folder');
  return real;
}
