import { z } from 'zod';
import { type BarSeries, decimalsOf, exact } from '../market/index.ts';
import { atr, indicatorsAt, rsi, sma } from './market-context.ts';

/**
 * A figure the Strategist relies on, by name, so that code can check it against the data it
 * names. The rationale's prose is for people and the LLM FactChecker; code never re-parses it.
 */
export const factSchema = z.object({
  name: z.string().min(1).max(40),
  value: z.number().finite(),
});
export type Fact = z.infer<typeof factSchema>;

/** Bars the agents are shown (and so the bars a dated fact may name). */
export const factBarsShown = 60;
/** Longest indicator window a fact may name. */
const maxWindow = 200;

const barFields = { open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume' } as const;
type BarField = keyof typeof barFields;

/** The names a fact may carry; the skills list the same vocabulary. */
export const factVocabulary =
  'open, high, low, close, volume (the last bar; "close@2013-12-20" or "close@<bar t>" for an earlier bar shown), ' +
  'last (the quote), sma<N>, atr<N>, rsi<N>, stdev<N> (population, of the last N closes), ' +
  'highestHigh<N> / lowestLow<N> (of the N bars before the last bar), return20Pct, volatility20Pct; N from 2 to 200';

type Resolved = { ok: true; value: number; what: string } | { ok: false; problem: string };

function barIndexFor(series: BarSeries, index: number, when: string): number | null {
  const first = Math.max(0, index - factBarsShown + 1);
  const matches: number[] = [];
  for (let at = first; at <= index; at += 1) {
    const iso = new Date(series.time[at]!).toISOString();
    if (iso === when || iso.slice(0, 10) === when) matches.push(at);
  }
  return matches.length === 1 ? matches[0]! : null;
}

function barValue(series: BarSeries, at: number, field: BarField): number {
  return series[field][at]!;
}

function windowed(series: BarSeries, index: number, family: string, window: number): number | null {
  switch (family) {
    case 'sma':
      return sma(series, index, window);
    case 'atr':
      return atr(series, index, window);
    case 'rsi':
      return rsi(series, index, window);
    case 'stdev': {
      const mean = sma(series, index, window);
      if (mean === null) return null;
      let squares = 0;
      for (let at = index - window + 1; at <= index; at += 1) squares += (series.close[at]! - mean) ** 2;
      return Math.sqrt(squares / window);
    }
    case 'highestHigh':
    case 'lowestLow': {
      if (index < window) return null;
      let best = family === 'highestHigh' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      for (let at = index - window; at < index; at += 1) {
        best = family === 'highestHigh' ? Math.max(best, series.high[at]!) : Math.min(best, series.low[at]!);
      }
      return best;
    }
    default:
      return null;
  }
}

/** What a fact's name refers to, computed by code on the bars up to `index`. */
export function resolveFact(series: BarSeries, index: number, name: string): Resolved {
  const dated = /^(open|high|low|close|volume)@(.+)$/.exec(name);
  if (dated) {
    const field = dated[1] as BarField;
    const at = barIndexFor(series, index, dated[2]!);
    if (at === null)
      return {
        ok: false,
        problem: `fact "${name}" names no single bar among the ${factBarsShown} shown (give the date or the bar's t)`,
      };
    return { ok: true, value: barValue(series, at, field), what: `the ${field} of the bar at ${dated[2]}` };
  }
  if (name in barFields)
    return { ok: true, value: barValue(series, index, name as BarField), what: `the last bar's ${name}` };
  if (name === 'last') return { ok: true, value: series.close[index]!, what: "the quote's last" };
  if (name === 'return20Pct' || name === 'volatility20Pct') {
    const value = indicatorsAt(series, index)[name];
    if (value === null) return { ok: false, problem: `fact "${name}" cannot be checked: not enough bars` };
    return { ok: true, value, what: `the indicator ${name}` };
  }
  const family = /^(sma|atr|rsi|stdev|highestHigh|lowestLow)(\d+)$/.exec(name);
  if (family) {
    const window = Number(family[2]);
    if (window < 2 || window > maxWindow)
      return { ok: false, problem: `fact "${name}": the window must be 2..${maxWindow}` };
    const value = windowed(series, index, family[1]!, window);
    if (value === null) return { ok: false, problem: `fact "${name}" cannot be checked: not enough bars` };
    return { ok: true, value, what: `${family[1]}(${window}) on the last bar` };
  }
  return { ok: false, problem: `fact "${name}" names nothing code can check (names: ${factVocabulary})` };
}

export interface FactCheck {
  /** One line per fact that does not hold (empty when every fact holds). */
  problems: string[];
  /** One line per fact that holds, with the value it was compared with. */
  verified: string[];
}

/**
 * Each fact against the data it names. A fact holds when it is within `tolerancePct` percent
 * of the data's value, or within half a unit of its own last decimal (37.3 for 37.32 holds:
 * that is rounding, not a different figure). Reasons print both numbers as compared.
 */
export function checkFacts(
  facts: readonly Fact[],
  series: BarSeries,
  index: number,
  tolerancePct: number,
): FactCheck {
  const problems: string[] = [];
  const verified: string[] = [];
  for (const fact of facts) {
    const resolved = resolveFact(series, index, fact.name);
    if (!resolved.ok) {
      problems.push(resolved.problem);
      continue;
    }
    if (!Number.isFinite(resolved.value)) {
      problems.push(`fact ${fact.name} cannot be checked: the data has no value for it`);
      continue;
    }
    const difference = Math.abs(fact.value - resolved.value);
    const byTolerance = (Math.abs(resolved.value) * tolerancePct) / 100;
    const byRounding = 0.5 * 10 ** -decimalsOf(fact.value);
    const allowed = Math.max(byTolerance, byRounding);
    if (difference <= allowed) verified.push(`${fact.name} ${exact(fact.value)}`);
    else
      problems.push(
        `fact ${fact.name} = ${exact(fact.value)}, but ${resolved.what} is ${exact(resolved.value)}: off by ${exact(difference)}, more than the ${exact(allowed)} allowed (${tolerancePct}% or the last shown digit)`,
      );
  }
  return { problems, verified };
}
