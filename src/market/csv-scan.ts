import type { BarColumns } from './columns.ts';
import { civilDate, parseDateText } from './csv-date.ts';

/**
 * The byte-level scan of a CSV file's rows (csv.ts reads the header, reports problems and
 * builds the series): fields are parsed where they are found, without decoding the text.
 */

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

/** Where each column sits in a row, and whether prices are to be adjusted. */
export interface RowLayout {
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

export type RowProblem = 'fields' | 'invalid' | 'duplicate' | 'unordered';

/**
 * The hot loop, in a function of its own: V8 optimises a long loop while it runs (on-stack
 * replacement), and code after the loop that had not run yet threw that optimised code away at
 * the end of every file (28 deoptimisations over 100 files). Reads rows from `start` into
 * `bars` and returns how many it kept; a bad row goes to `onProblem` (which throws, or records
 * it and lets the scan go on).
 */
export function scanRows(
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
