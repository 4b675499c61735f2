import path from 'node:path';
import { z } from 'zod';
import { sliceSeries } from './bar.ts';
import { allocateColumns, type BarColumns } from './columns.ts';
import { type Column, readHeader, rowCapacity } from './csv-layout.ts';
import { parseFiles } from './csv-parallel.ts';
import { type CsvRowText, csvRowSchema, fieldLabels } from './csv-row.ts';
import { scanRows } from './csv-scan.ts';
import { MarketDataError } from './errors.ts';
import type { BarSeries, Feed, FeedRange, FeedResult, SkippedRow } from './feed.ts';
import { FileBuffer } from './file-buffer.ts';

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
    /** Parse on a second thread too: true, false, or left out to decide by the files' total size. */
    parallel: z.boolean().optional(),
  })
  .strict();

export type CsvFeedOptions = z.input<typeof csvFeedOptionsSchema>;

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
  const adjusted = options.adjusted === true;
  const header = readHeader(text, adjusted);
  const { index } = header;
  if (header.missing === 'adjClose') {
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
  if (header.layout === null) {
    const column = header.missing ?? 'date';
    throw new MarketDataError(
      `${source}:1: header has no "${fieldLabels[column] ?? column}" column (header: "${header.line.slice(0, 120)}")`,
      {
        source,
        line: 1,
        field: fieldLabels[column] ?? column,
        fix: 'Use the Yahoo layout "Date,Open,High,Low,Close,Adj Close,Volume" or "Date,Open,High,Low,Close,Volume[,OpenInterest]".',
      },
    );
  }
  const layout = header.layout;
  const capacity = rowCapacity(text);
  const bars = allocateColumns(capacity).columns;
  const count = scanRows(text, header.rowsStart, layout, bars, (line, lineStart, lineEnd, problemKind) => {
    const lineText = text.toString('utf8', lineStart, lineEnd);
    if (problemKind === 'fields') {
      const fields = lineText.split(',').length;
      problem(options, skipped, line, '(row)', `has ${fields} field(s), the header has ${layout.fieldCount}`);
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
  });
  return { series: seriesOf(options.symbol, bars, count), skipped };
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
      const reader = new FileBuffer();
      const outcomes = await parseFiles({
        files: settings.files,
        adjusted: settings.adjusted,
        parallel: settings.parallel,
        parseOnMain: (at) => {
          const file = settings.files[at]!;
          return parseCsvBars(readFile(reader, file), {
            source: file,
            symbol: symbols[at]!,
            adjusted: settings.adjusted,
            skipBadRows: settings.skipBadRows,
          });
        },
        fromColumns: (at, columns, count) => ({
          series: seriesOf(symbols[at]!, columns, count),
          skipped: [],
        }),
      });
      const series: BarSeries[] = [];
      const skipped: SkippedRow[] = [];
      for (const [at, outcome] of outcomes.entries()) {
        // In file order, as one thread would: the first file with a problem is the one reported.
        if (!outcome.ok) throw outcome.error;
        const file = settings.files[at]!;
        if (outcome.value.series.length === 0) {
          throw new MarketDataError(`${file} has no usable bars`, {
            source: file,
            fix: 'Give a file with a header line and at least one valid row.',
          });
        }
        series.push(sliceSeries(outcome.value.series, range?.from, range?.to));
        skipped.push(...outcome.value.skipped);
      }
      return { series, skipped };
    },
  };
}

function readFile(reader: FileBuffer, file: string): Buffer {
  try {
    // Synchronous on purpose: a thread-pool round trip per file costs more than the read
    // itself (a 300 kB file reads in ~0.2 ms), and the feed is for backtests and tools.
    return reader.read(file);
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
}

/** The first `count` rows of scanned columns, as a series (views: nothing is copied). */
function seriesOf(symbol: string, columns: BarColumns, count: number): BarSeries {
  return {
    symbol,
    length: count,
    time: columns.time.subarray(0, count),
    open: columns.open.subarray(0, count),
    high: columns.high.subarray(0, count),
    low: columns.low.subarray(0, count),
    close: columns.close.subarray(0, count),
    volume: columns.volume.subarray(0, count),
  };
}
