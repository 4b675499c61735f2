/**
 * Calendar dates of CSV rows, without zod: the byte scanner (csv-scan.ts) and the thread that
 * parses files beside the main one (csv-worker.ts) load this module alone.
 */

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm): cheaper than Date.UTC. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(text: string, at: number): number {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : -1;
}

/** Epoch ms of a calendar date at midnight UTC, or NaN when the month or day does not exist. */
export function civilDate(year: number, month: number, day: number): number {
  if (month < 1 || month > 12 || day < 1) return Number.NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const limit = month === 2 && leap ? 29 : daysInMonth[month - 1]!;
  if (day > limit) return Number.NaN;
  return daysFromCivil(year, month, day) * 86_400_000;
}

/**
 * Parses `YYYY-MM-DD` (a daily bar, midnight UTC) or an ISO 8601 time with an explicit zone
 * ("Z" or "+hh:mm") from text[start, end) to epoch ms; null when it is neither.
 */
export function parseDateText(text: string, start: number, end: number): number | null {
  if (end - start === 10 && text.charCodeAt(start + 4) === 45 && text.charCodeAt(start + 7) === 45) {
    let year = 0;
    for (let at = start; at < start + 4; at += 1) {
      const d = digit(text, at);
      if (d < 0) return null;
      year = year * 10 + d;
    }
    const m1 = digit(text, start + 5);
    const m2 = digit(text, start + 6);
    const d1 = digit(text, start + 8);
    const d2 = digit(text, start + 9);
    if (m1 < 0 || m2 < 0 || d1 < 0 || d2 < 0) return null;
    const time = civilDate(year, m1 * 10 + m2, d1 * 10 + d2);
    return Number.isNaN(time) ? null : time;
  }
  const slice = text.slice(start, end).trim();
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(slice)) return null;
  const parsed = Date.parse(slice.replace(' ', 'T'));
  return Number.isFinite(parsed) ? parsed : null;
}
