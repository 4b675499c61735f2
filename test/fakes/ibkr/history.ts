import type { ContractInfo, WireBar } from './messages.ts';
import type { Refusal } from './rules.ts';

/**
 * Historical bars (reqHistoricalData) and IB's pacing rules. Valid settings from
 * https://interactivebrokers.github.io/tws-api/historical_bars.html; pacing from
 * https://interactivebrokers.github.io/tws-api/historical_limitations.html.
 */
export interface FakeBarInput {
  /** yyyymmdd (a daily bar) or an ISO date-time. */
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** historical_bars.html "Valid Bar Sizes". */
const BAR_SIZES = new Set([
  '1 secs',
  '5 secs',
  '10 secs',
  '15 secs',
  '30 secs',
  '1 min',
  '2 mins',
  '3 mins',
  '5 mins',
  '10 mins',
  '15 mins',
  '20 mins',
  '30 mins',
  '1 hour',
  '2 hours',
  '3 hours',
  '4 hours',
  '8 hours',
  '1 day',
  '1 week',
  '1 month',
]);

/** historical_bars.html "Historical Data Types" (whatToShow). */
const WHAT_TO_SHOW = new Set([
  'TRADES',
  'MIDPOINT',
  'BID',
  'ASK',
  'BID_ASK',
  'ADJUSTED_LAST',
  'HISTORICAL_VOLATILITY',
  'OPTION_IMPLIED_VOLATILITY',
  'REBATE_RATE',
  'FEE_RATE',
  'YIELD_BID',
  'YIELD_ASK',
  'YIELD_BID_ASK',
  'YIELD_LAST',
  'SCHEDULE',
]);

const DURATION = /^(\d+) ([SDWMY])$/;
const UNIT_MS: Record<string, number> = {
  S: 1000,
  D: 86_400_000,
  W: 7 * 86_400_000,
  M: 30 * 86_400_000,
  Y: 365 * 86_400_000,
};

export interface HistoricalRequest {
  reqId: number;
  contract: ContractInfo;
  endDateTime: string;
  barSize: string;
  duration: string;
  useRth: boolean;
  whatToShow: string;
  formatDate: number;
  keepUpToDate: boolean;
}

/** "Error validating request" (MC 321) for settings historical_bars.html does not list. */
export function validateHistorical(r: HistoricalRequest): Refusal | undefined {
  const bad = (cause: string): Refusal => ({
    code: 321,
    message: `Error validating request.-'bP' : cause - ${cause}`,
  });
  if (!BAR_SIZES.has(r.barSize)) return bad(`Historical data bar size setting is invalid: ${r.barSize}`);
  if (!DURATION.test(r.duration)) return bad(`Historical data duration format is invalid: ${r.duration}`);
  if (!WHAT_TO_SHOW.has(r.whatToShow)) return bad(`Invalid whatToShow: ${r.whatToShow}`);
  if (r.formatDate !== 1 && r.formatDate !== 2) return bad(`Invalid formatDate: ${r.formatDate}`);
  // historical_bars.html "Keep up to date": endDateTime must be empty with keepUpToDate=True.
  if (r.keepUpToDate && r.endDateTime !== '') return bad('End date not supported with live updates');
  if (r.endDateTime !== '' && parseEnd(r.endDateTime) === undefined)
    return bad(`Invalid end date/time: ${r.endDateTime}`);
  return undefined;
}

/** "yyyymmdd hh:mm:ss[ tz]" or "yyyymmdd-hh:mm:ss" (UTC); the time zone name is read as UTC by the fake. */
export function parseEnd(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:[ -]+(\d{2}):(\d{2}):(\d{2}))?(?: \S+)?$/.exec(s.trim());
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
}

export function barTime(time: string): number {
  if (/^\d{8}$/.test(time)) return Date.UTC(+time.slice(0, 4), +time.slice(4, 6) - 1, +time.slice(6, 8));
  return Date.parse(time);
}

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The bar's date field (historical_bars.html, formatDate): bars of a day or longer are always
 * "yyyyMMdd"; intraday bars are "yyyyMMdd HH:mm:ss" with formatDate 1 (here in UTC) and epoch
 * seconds with formatDate 2.
 */
export function formatBarDate(time: string, formatDate: number, barSize: string): string {
  const t = barTime(time);
  const d = new Date(t);
  const day = `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}`;
  if (/(day|week|month)$/.test(barSize)) return day;
  if (formatDate === 2) return String(Math.floor(t / 1000));
  return `${day} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** The bars inside [end - duration, end]. */
export function selectBars(
  bars: readonly FakeBarInput[],
  r: HistoricalRequest,
  nowMs: number,
): { start: string; end: string; bars: WireBar[] } {
  const end = r.endDateTime === '' ? nowMs : parseEnd(r.endDateTime)!;
  const m = DURATION.exec(r.duration)!;
  const start = end - Number(m[1]) * UNIT_MS[m[2]!]!;
  const chosen = bars
    .filter((b) => {
      const t = barTime(b.time);
      return t >= start && t <= end;
    })
    .sort((a, b) => barTime(a.time) - barTime(b.time))
    .map((b) => toWireBar(b, r));
  const fmt = (t: number) => {
    const d = new Date(t);
    return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  };
  return { start: fmt(start), end: fmt(end), bars: chosen };
}

export function toWireBar(b: FakeBarInput, r: Pick<HistoricalRequest, 'formatDate' | 'barSize'>): WireBar {
  return {
    date: formatBarDate(b.time, r.formatDate, r.barSize),
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
  };
}

/**
 * historical_limitations.html: a pacing violation occurs on identical requests within 15 seconds,
 * six or more requests for the same contract, exchange and tick type within two seconds, or more
 * than 60 requests within any ten minute period; BID_ASK counts twice. The page scopes these to
 * bars of 30 seconds or less; the fake applies them to every bar size unless `smallBarsOnly`,
 * which is the stricter reading (a client that honours it honours the real one).
 */
export class Pacing {
  private readonly log: Array<{ t: number; identical: string; contract: string }> = [];

  constructor(
    private readonly now: () => number,
    private readonly smallBarsOnly: boolean,
  ) {}

  check(r: HistoricalRequest): Refusal | undefined {
    if (this.smallBarsOnly && !/secs$/.test(r.barSize)) return undefined;
    const t = this.now();
    const identical = JSON.stringify([
      r.contract.conId,
      r.endDateTime,
      r.barSize,
      r.duration,
      r.useRth,
      r.whatToShow,
      r.formatDate,
      r.keepUpToDate,
    ]);
    const contract = `${r.contract.conId}|${r.contract.exchange}|${r.whatToShow}`;
    const weight = r.whatToShow === 'BID_ASK' ? 2 : 1;
    const within = (ms: number) => this.log.filter((e) => t - e.t < ms);
    const violation =
      within(15_000).some((e) => e.identical === identical) ||
      within(2_000).filter((e) => e.contract === contract).length + weight >= 6 ||
      within(600_000).length + weight > 60;
    for (let i = 0; i < weight; i++) this.log.push({ t, identical, contract });
    if (!violation) return undefined;
    // MC 162 "Historical market data Service error message" with the pacing text TWS sends.
    return {
      code: 162,
      message: 'Historical Market Data Service error message:Historical data request pacing violation',
    };
  }
}
