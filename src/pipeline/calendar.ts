/**
 * The NYSE trading calendar by rule (weekends and the exchange's full-day holidays with their
 * observed dates), so schedules skip days the market is shut without asking a network service.
 * Early closes are not modelled: cycles on those afternoons simply find no new bars.
 */

const day = 86_400_000;

function utcDate(year: number, month: number, dayOfMonth: number): number {
  return Date.UTC(year, month - 1, dayOfMonth);
}

/** The n-th weekday (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = utcDate(year, month, 1);
    const offset = (weekday - new Date(first).getUTCDay() + 7) % 7;
    return first + (offset + (n - 1) * 7) * day;
  }
  const last = utcDate(year, month + 1, 1) - day;
  const offset = (new Date(last).getUTCDay() - weekday + 7) % 7;
  return last - offset * day;
}

/** Easter Sunday (Gregorian, anonymous algorithm). */
function easter(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDate(year, month, dayOfMonth);
}

/** A fixed-date holiday on a weekend is observed on Friday (Saturday) or Monday (Sunday). */
function observed(date: number): number {
  const weekday = new Date(date).getUTCDay();
  if (weekday === 6) return date - day;
  if (weekday === 0) return date + day;
  return date;
}

export function nyseHolidays(year: number): Map<number, string> {
  const holidays = new Map<number, string>();
  const add = (date: number, name: string) => holidays.set(date, name);
  // New Year's Day on a Saturday is not observed on the Friday before (NYSE rule 7.2).
  const newYear = utcDate(year, 1, 1);
  if (new Date(newYear).getUTCDay() !== 6) add(observed(newYear), "New Year's Day");
  add(nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day');
  add(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  add(easter(year) - 2 * day, 'Good Friday');
  add(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2022) add(observed(utcDate(year, 6, 19)), 'Juneteenth');
  add(observed(utcDate(year, 7, 4)), 'Independence Day');
  add(nthWeekday(year, 9, 1, 1), 'Labor Day');
  add(nthWeekday(year, 11, 4, 4), 'Thanksgiving Day');
  add(observed(utcDate(year, 12, 25)), 'Christmas Day');
  return holidays;
}

/** The calendar date of `time` in the exchange's time zone, as a UTC midnight timestamp. */
export function exchangeDate(time: number, timezone = 'America/New_York'): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(time));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return utcDate(get('year'), get('month'), get('day'));
}

/** Why the exchange is shut on that date, or null on a trading day. */
export function closedReason(time: number, timezone = 'America/New_York'): string | null {
  const date = exchangeDate(time, timezone);
  const weekday = new Date(date).getUTCDay();
  if (weekday === 0 || weekday === 6) return 'weekend';
  return nyseHolidays(new Date(date).getUTCFullYear()).get(date) ?? null;
}

export function isTradingDay(time: number, timezone = 'America/New_York'): boolean {
  return closedReason(time, timezone) === null;
}
