import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type Headline, NewsError, type NewsFeed, type NewsQuery, visibleAt } from './headline.ts';

/**
 * One row of a news file (CSV or JSON): `id`, `time` (ISO 8601 with a zone), `symbols`
 * (";"-separated in CSV, an array in JSON), `headline`, `source`, optional `url` and `summary`.
 */
const isoTime = z
  .string()
  .refine(
    (text) => /(Z|[+-]\d\d:?\d\d)$/.test(text) && Number.isFinite(Date.parse(text)),
    'must be an ISO 8601 time with a zone, e.g. 2024-01-05T14:30:00Z',
  );

export const newsRowSchema = z.object({
  id: z.string().trim().min(1, 'is empty'),
  time: isoTime,
  symbols: z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(';'))
        .map((symbol) => symbol.trim().toUpperCase())
        .filter((symbol) => symbol.length > 0),
    )
    .refine((symbols) => symbols.length > 0, 'names no symbol (use ";" between several)'),
  headline: z.string().trim().min(1, 'is empty'),
  source: z.string().trim().min(1, 'is empty'),
  url: z
    .string()
    .trim()
    .transform((text) => (text === '' ? null : text))
    .refine((text) => text === null || /^https?:\/\//.test(text), 'must start with http:// or https://')
    .nullable()
    .optional(),
  summary: z.string().optional(),
});

const columns = ['id', 'time', 'symbols', 'headline', 'source', 'url', 'summary'] as const;

/** Splits one CSV line (RFC 4180 quotes; no newlines inside fields). */
function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < line.length; at += 1) {
    const char = line[at]!;
    if (quoted) {
      if (char === '"' && line[at + 1] === '"') {
        field += '"';
        at += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

function toHeadline(row: unknown, source: string, line: number): Headline {
  const parsed = newsRowSchema.safeParse(row);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(row)';
    throw new NewsError(`${source} line ${line}: ${field} ${issue.message}`, {
      source,
      line,
      field,
      fix: `Correct ${field} on line ${line} of ${source} (columns: ${columns.join(', ')}).`,
    });
  }
  const value = parsed.data;
  return {
    id: value.id,
    time: Date.parse(value.time),
    headline: value.headline,
    summary: value.summary ?? '',
    source: value.source,
    url: value.url ?? null,
    symbols: value.symbols,
  };
}

/** Parses a news file's text; every bad row is an error naming its line and field. */
export function parseNewsText(text: string, source: string): Headline[] {
  const trimmed = text.trimStart();
  if (source.endsWith('.json') || trimmed.startsWith('[')) {
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (error) {
      throw new NewsError(`${source}: not valid JSON (${(error as Error).message})`, {
        source,
        fix: 'Give a JSON array of {id, time, symbols, headline, source, url?, summary?} objects.',
        cause: error,
      });
    }
    if (!Array.isArray(rows))
      throw new NewsError(`${source}: the JSON is not an array of headlines`, {
        source,
        fix: 'Give a JSON array of {id, time, symbols, headline, source, url?, summary?} objects.',
      });
    // In JSON the "line" is the item's position (1-based), the only place a reader can find it.
    return rows.map((row, index) => toHeadline(row, source, index + 1));
  }
  const lines = text.split(/\r?\n/);
  const header = splitCsv(lines[0] ?? '').map((name) => name.trim());
  const missing = columns.slice(0, 5).filter((name) => !header.includes(name));
  if (missing.length > 0)
    throw new NewsError(`${source} line 1: the header lacks ${missing.join(', ')}`, {
      source,
      line: 1,
      field: missing[0]!,
      fix: `Start the file with the header ${columns.join(',')}.`,
    });
  const headlines: Headline[] = [];
  for (let at = 1; at < lines.length; at += 1) {
    const line = lines[at]!;
    if (line.trim() === '') continue;
    const fields = splitCsv(line);
    const row: Record<string, string> = {};
    header.forEach((name, index) => {
      if (fields[index] !== undefined) row[name] = fields[index]!;
    });
    headlines.push(toHeadline(row, source, at + 1));
  }
  return headlines;
}

/** Headlines from a file, for backtests: loaded once, then served with the no-look-ahead rule. */
export class FileNewsFeed implements NewsFeed {
  readonly name: string;
  readonly #headlines: Headline[];

  constructor(headlines: Headline[], name = 'file') {
    this.#headlines = headlines;
    this.name = name;
  }

  static async load(file: string): Promise<FileNewsFeed> {
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new NewsError(`cannot read the news file ${file}: ${(error as Error).message}`, {
        source: file,
        fix: 'Check the path given for the news file.',
        cause: error,
      });
    });
    return new FileNewsFeed(parseNewsText(text, file), `file:${path.basename(file)}`);
  }

  async headlines(query: NewsQuery): Promise<Headline[]> {
    return visibleAt(this.#headlines, query);
  }
}
