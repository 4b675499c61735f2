import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sliceSeries } from './bar.ts';
import { type CsvRowText, civilDate, csvRowSchema, fieldLabels, parseDateText } from './csv-row.ts';
import { MarketDataError } from './errors.ts';
import type { BarSeries, Feed, FeedRange, FeedResult, SkippedRow } from './feed.ts';

export interface CsvParseOptions {
  /** Names the file in errors ("file:line"). */
  source: string;
  symbol: string;
  /** Scale Open/High/Low by AdjClose/Close and use AdjClose as Close (Yahoo layout only). */
  adjusted?: boolean;
  /** Leave bad rows out and report them instead of failing on the first. */
  skipBadRows?: boolean;
}

export const csvFeedOptionsSchema = z
  .object({
    files: z.array(z.string().min(1)).min(1, 'give at least one CSV file'),
    /** One symbol per file; default: the file name up to its first "-", "_" or ".", upper-cased. */
    symbols: z.array(z.string().min(1).max(32)).optional(),
    adjusted: z.boolean().default(false),
    skipBadRows: z.boolean().default(false),
  })
  .strict();

export type CsvFeedOptions = z.input<typeof csvFeedOptionsSchema>;

type Column = 'date' | 'open' | 'high' | 'low' | 'close' | 'adjClose' | 'volume' | 'openInterest';

const headerNames: Record<string, Column> = {
  date: 'date',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  'adj close': 'adjClose',
  adjclose: 'adjClose',
  adj_close: 'adjClose',
  volume: 'volume',
  openinterest: 'openInterest',
  'open interest': 'openInterest',
};

const required: Column[] = ['date', 'open', 'high', 'low', 'close', 'volume'];
const maxFields = 16;
const powersOfTen = Array.from({ length: 23 }, (_, power) => 10 ** power);

/** Where the last readNumber stopped (the comma or the line end): avoids returning a pair. */
let fieldEnd = 0;

/**
 * Reads one decimal field starting at `start` up to the next comma (or `limit`), without
 * allocating. Up to 15 significant digits the digits form an exact integer and 10^k is exact,
 * so one division is correctly rounded: the same double as Number(text). Anything else
 * (exponents, spaces, long mantissas, junk) takes the slow path, which also yields NaN for junk.
 */
function readNumber(text: Buffer, start: number, limit: number): number {
  let at = start;
  let negative = false;
  if (at < limit && text[at] === 45) {
    negative = true;
    at += 1;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  let plain = true;
  for (; at < limit; at += 1) {
    const code = text[at]!;
    if (code === 44) break;
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits += 1;
      if (fraction >= 0) fraction += 1;
    } else if (code === 46 && fraction < 0) {
      fraction = 0;
    } else {
      plain = false;
    }
  }
  fieldEnd = at;
  if (!plain || digits === 0 || digits > 15 || fraction > 22) return slowNumber(text, start, at);
  const value = fraction > 0 ? mantissa / powersOfTen[fraction]! : mantissa;
  return negative ? -value : value;
}

function slowNumber(text: Buffer, start: number, end: number): number {
  const slice = text.toString('utf8', start, end);
  return slice.trim().length === 0 ? Number.NaN : Number(slice);
}

/** YYYY-MM-DD read straight from bytes; anything else is decoded and given to parseDateText. */
function parseDateBytes(text: Buffer, start: number, end: number): number {
  if (end - start === 10 && text[start + 4] === 45 && text[start + 7] === 45) {
    let year = 0;
    for (let at = start; at < start + 4; at += 1) {
      const d = text[at]! - 48;
      if (d < 0 || d > 9) return Number.NaN;
      year = year * 10 + d;
    }
    const m1 = text[start + 5]! - 48;
    const m2 = text[start + 6]! - 48;
    const d1 = text[start + 8]! - 48;
    const d2 = text[start + 9]! - 48;
    if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return Number.NaN;
    return civilDate(year, m1 * 10 + m2, d1 * 10 + d2);
  }
  return parseDateText(text.toString('utf8', start, end), 0, end - start) ?? Number.NaN;
}

function symbolFromFile(file: string): string {
  const base = path.basename(file);
  const stem = base.split(/[-_.]/)[0] || base;
  return stem.toUpperCase();
}

/**
 * Parses one CSV file's bytes (or text) into a series; throws MarketDataError (file, line,
 * field) on a bad row. Bytes are scanned directly: no decoding of the whole file.
 */
export function parseCsvBars(
  input: string | Uint8Array,
  options: CsvParseOptions,
): { series: BarSeries; skipped: SkippedRow[] } {
  const text =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.isBuffer(input)
        ? input
        : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { source } = options;
  const skipped: SkippedRow[] = [];
  const firstBreak = text.indexOf(10);
  const headerLine = (firstBreak < 0 ? text.toString('utf8') : text.toString('utf8', 0, firstBreak))
    .replace(/\r$/, '')
    .replace(/^\uFEFF/, '');
  const columns = headerLine.split(',').map((name) => headerNames[name.trim().toLowerCase()]);
  const index: Partial<Record<Column, number>> = {};
  columns.forEach((column, at) => {
    if (column && index[column] === undefined) index[column] = at;
  });
  for (const column of required) {
    if (index[column] === undefined) {
      throw new MarketDataError(
        `${source}:1: header has no "${fieldLabels[column] ?? column}" column (header: "${headerLine.slice(0, 120)}")`,
        {
          source,
          line: 1,
          field: fieldLabels[column] ?? column,
          fix: 'Use the Yahoo layout "Date,Open,High,Low,Close,Adj Close,Volume" or "Date,Open,High,Low,Close,Volume[,OpenInterest]".',
        },
      );
    }
  }
  const adjusted = options.adjusted === true;
  if (adjusted && index.adjClose === undefined) {
    throw new MarketDataError(
      `${source}:1: adjusted prices asked for, but the header has no "Adj Close" column`,
      {
        source,
        line: 1,
        field: 'Adj Close',
        fix: 'Drop the adjusted flag, or use a file in the Yahoo layout.',
      },
    );
  }
  const layout: RowLayout = {
    fieldCount: columns.length,
    date: index.date!,
    open: index.open!,
    high: index.high!,
    low: index.low!,
    close: index.close!,
    volume: index.volume!,
    adjClose: index.adjClose ?? -1,
    adjusted,
  };
  // Upper bound on rows: newlines in the text.
  let capacity = 0;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) capacity += 1;
  capacity += 1;
  const bars: BarColumns = {
    time: new Float64Array(capacity),
    open: new Float64Array(capacity),
    high: new Float64Array(capacity),
    low: new Float64Array(capacity),
    close: new Float64Array(capacity),
    volume: new Float64Array(capacity),
  };
  const count = scanRows(
    text,
    firstBreak < 0 ? text.length : firstBreak + 1,
    layout,
    bars,
    (line, lineStart, lineEnd, problemKind) => {
      const lineText = text.toString('utf8', lineStart, lineEnd);
      if (problemKind === 'fields') {
        const fields = lineText.split(',').length;
        problem(
          options,
          skipped,
          line,
          '(row)',
          `has ${fields} field(s), the header has ${layout.fieldCount}`,
        );
      } else if (problemKind === 'invalid') {
        const issue = describeRow(lineText, index);
        problem(options, skipped, line, issue.field, issue.message);
      } else {
        const dateText = lineText.split(',')[layout.date] ?? '';
        problem(
          options,
          skipped,
          line,
          'Date',
          problemKind === 'duplicate'
            ? `duplicate date ${dateText}`
            : `date ${dateText} is before the row above it (rows must run oldest to newest)`,
        );
      }
    },
  );
  const { time, open, high, low, close, volume } = bars;
  const series: BarSeries = {
    symbol: options.symbol,
    length: count,
    time: time.subarray(0, count),
    open: open.subarray(0, count),
    high: high.subarray(0, count),
    low: low.subarray(0, count),
    close: close.subarray(0, count),
    volume: volume.subarray(0, count),
  };
  return { series, skipped };
}

/** Where each column sits in a row, and whether prices are to be adjusted. */
interface RowLayout {
  fieldCount: number;
  date: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** -1 when the file has no Adj Close column. */
  adjClose: number;
  adjusted: boolean;
}

interface BarColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

type RowProblem = 'fields' | 'invalid' | 'duplicate' | 'unordered';

/**
 * The hot loop, in a function of its own: V8 optimises a long loop while it runs (on-stack
 * replacement), and code after the loop that had not run yet threw that optimised code away at
 * the end of every file (28 deoptimisations over 100 files). Reads rows from `start` into
 * `bars` and returns how many it kept; a bad row goes to `onProblem` (which throws, or records
 * it and lets the scan go on).
 */
function scanRows(
  text: Buffer,
  start: number,
  layout: RowLayout,
  bars: BarColumns,
  onProblem: (line: number, lineStart: number, lineEnd: number, kind: RowProblem) => void,
): number {
  const { fieldCount, adjusted } = layout;
  const iDate = layout.date;
  const iOpen = layout.open;
  const iHigh = layout.high;
  const iLow = layout.low;
  const iClose = layout.close;
  const iVolume = layout.volume;
  const iAdj = layout.adjClose;
  const { time, open, high, low, close, volume } = bars;
  const values = new Float64Array(maxFields);
  let count = 0;
  let previousTime = Number.NEGATIVE_INFINITY;
  let line = 1;
  let lineStart = start;
  while (lineStart < text.length) {
    line += 1;
    let lineEnd = text.indexOf(10, lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const next = lineEnd + 1;
    if (lineEnd > lineStart && text[lineEnd - 1] === 13) lineEnd -= 1;
    if (lineEnd === lineStart) {
      lineStart = next;
      continue;
    }
    // One pass over the line: each field is parsed where it is found.
    let fields = 0;
    let at = lineStart;
    let t = Number.NaN;
    while (fields < maxFields) {
      if (fields === iDate) {
        let comma = text.indexOf(44, at);
        if (comma < 0 || comma > lineEnd) comma = lineEnd;
        t = parseDateBytes(text, at, comma);
        fieldEnd = comma;
      } else {
        values[fields] = readNumber(text, at, lineEnd);
      }
      fields += 1;
      if (fieldEnd >= lineEnd) break;
      at = fieldEnd + 1;
    }
    if (fields !== fieldCount) {
      onProblem(line, lineStart, lineEnd, 'fields');
      lineStart = next;
      continue;
    }
    const o = values[iOpen]!;
    const h = values[iHigh]!;
    const l = values[iLow]!;
    const c = values[iClose]!;
    const v = values[iVolume]!;
    const a = iAdj >= 0 ? values[iAdj]! : 1;
    // Comparisons with NaN are false, so each test below also rejects NaN.
    const valid =
      !Number.isNaN(t) &&
      o > 0 &&
      h > 0 &&
      l > 0 &&
      c > 0 &&
      a > 0 &&
      v >= 0 &&
      h < Number.POSITIVE_INFINITY &&
      v < Number.POSITIVE_INFINITY &&
      a < Number.POSITIVE_INFINITY &&
      h >= l &&
      o >= l &&
      o <= h &&
      c >= l &&
      c <= h;
    if (!valid) {
      onProblem(line, lineStart, lineEnd, 'invalid');
      lineStart = next;
      continue;
    }
    if (t <= previousTime) {
      onProblem(line, lineStart, lineEnd, t === previousTime ? 'duplicate' : 'unordered');
      lineStart = next;
      continue;
    }
    previousTime = t;
    if (adjusted) {
      const factor = a / c;
      open[count] = o * factor;
      high[count] = h * factor;
      low[count] = l * factor;
      close[count] = a;
    } else {
      open[count] = o;
      high[count] = h;
      low[count] = l;
      close[count] = c;
    }
    time[count] = t;
    volume[count] = v;
    count += 1;
    lineStart = next;
  }
  return count;
}

function problem(
  options: CsvParseOptions,
  skipped: SkippedRow[],
  line: number,
  field: string,
  message: string,
): void {
  const { source } = options;
  if (!options.skipBadRows) {
    throw new MarketDataError(`${source}:${line}: field "${field}": ${message}`, { source, line, field });
  }
  skipped.push({ source, line, field, message });
}

/** The slow, descriptive path: which field of a row breaks which rule (from the zod schema). */
function describeRow(
  lineText: string,
  index: Partial<Record<Column, number>>,
): { field: string; message: string } {
  const parts = lineText.split(',');
  const field = (column: Column) => {
    const at = index[column];
    return at === undefined ? undefined : parts[at];
  };
  const row: CsvRowText = {
    date: field('date') ?? '',
    open: field('open') ?? '',
    high: field('high') ?? '',
    low: field('low') ?? '',
    close: field('close') ?? '',
    adjClose: field('adjClose'),
    volume: field('volume') ?? '',
  };
  const parsed = csvRowSchema.safeParse(row);
  if (parsed.success) return { field: '(row)', message: 'is not a valid bar' };
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '(row)');
  const raw = (row as Record<string, string | undefined>)[key];
  return { field: fieldLabels[key] ?? key, message: `${issue.message} (value "${raw ?? ''}")` };
}

/** Reads CSV files (Yahoo or generic layout), one symbol per file. */
export function csvFeed(options: CsvFeedOptions): Feed {
  const settings = csvFeedOptionsSchema.parse(options);
  if (settings.symbols && settings.symbols.length !== settings.files.length) {
    throw new MarketDataError(
      `${settings.symbols.length} symbol(s) given for ${settings.files.length} file(s)`,
      {
        source: settings.files.join(', '),
        fix: 'Give one symbol per file, in the same order, or none to take them from the file names.',
      },
    );
  }
  const symbols = settings.symbols ?? settings.files.map(symbolFromFile);
  const seen = new Map<string, string>();
  settings.files.forEach((file, at) => {
    const symbol = symbols[at]!;
    const other = seen.get(symbol);
    if (other !== undefined) {
      throw new MarketDataError(`${file} and ${other} both give symbol ${symbol}`, {
        source: file,
        fix: 'Name the symbols explicitly (one per file), or rename the files.',
      });
    }
    seen.set(symbol, file);
  });
  return {
    kind: 'csv',
    async load(range?: FeedRange): Promise<FeedResult> {
      const series: BarSeries[] = [];
      const skipped: SkippedRow[] = [];
      for (const [at, file] of settings.files.entries()) {
        // Between files, pending I/O runs: a database connection opened before the load (the
        // backtest's log) completes its round trips while the files parse.
        if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        let text: Buffer;
        try {
          // Synchronous on purpose: a thread-pool round trip per file costs more than the read
          // itself (a 300 kB file reads in ~0.2 ms), and the feed is for backtests and tools.
          text = readFileSync(file);
        } catch (error) {
          const code = (error as { code?: string }).code;
          throw new MarketDataError(
            `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
            {
              source: file,
              fix: 'Check the path given to --data (relative paths start at the current folder).',
              cause: error,
            },
          );
        }
        const parsed = parseCsvBars(text, {
          source: file,
          symbol: symbols[at]!,
          adjusted: settings.adjusted,
          skipBadRows: settings.skipBadRows,
        });
        if (parsed.series.length === 0) {
          throw new MarketDataError(`${file} has no usable bars`, {
            source: file,
            fix: 'Give a file with a header line and at least one valid row.',
          });
        }
        series.push(sliceSeries(parsed.series, range?.from, range?.to));
        skipped.push(...parsed.skipped);
      }
      return { series, skipped };
    },
  };
}
