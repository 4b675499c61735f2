import { z } from 'zod';
import { type BarSeries, exact, syntheticIndex, syntheticIndexCloses } from '../market/index.ts';
import { barsUpTo, sma, volatility } from './market-context.ts';
import { type AgentOutcome, type AgentRuntime, runAgent } from './run-agent.ts';

/** The Macro Officer's answer (mirrors skills/macro-officer/SKILL.md's output schema). */
export const macroViewSchema = z.object({
  regime: z.enum(['trending_up', 'trending_down', 'ranging', 'volatile']),
  bias: z.enum(['long', 'short', 'neutral']),
  stance: z.enum(['risk_on', 'neutral', 'risk_off']),
  rationale: z.string().min(1),
});
export type MacroView = z.infer<typeof macroViewSchema>;

/** Which bars the Macro Officer reads (config `macro`). */
export interface MacroSymbols {
  /** The market index; absent from the bars → a synthetic equal-weight index of the universe. */
  index: string;
  /** Sector symbols; none present in the bars → every traded symbol stands in for one. */
  sectors: readonly string[];
  /** Above this 20-bar volatility of the index (percent), the market is volatile. */
  volatilePct: number;
}

export interface MacroSnapshot {
  asOf: string;
  index: { symbol: string; synthetic: boolean; series: BarSeries };
  indicators: {
    close: number;
    sma50: number | null;
    sma200: number | null;
    /** SMA50 now against SMA50 ten bars ago, in percent. */
    sma50SlopePct: number | null;
    volatility20Pct: number | null;
  };
  sectors: Array<{ symbol: string; close: number; sma50: number | null; return20Pct: number | null }>;
  breadth: number | null;
}

const round = (value: number | null, digits = 6) => (value === null ? null : Number(value.toFixed(digits)));

/** Index history the Macro Officer needs: the 200-bar average and its inputs. */
export const macroWindow = 260;

/**
 * What the Macro Officer sees, from the bars of one cycle: the index (the configured one when the
 * bars hold it, else the synthetic index of the universe), each sector against its 50-bar
 * average, and the breadth. Null when there are no bars at all.
 */
export function macroSnapshot(
  bars: readonly BarSeries[],
  universe: readonly BarSeries[],
  symbols: MacroSymbols,
): MacroSnapshot | null {
  const bySymbol = new Map(bars.map((series) => [series.symbol, series]));
  const configured = bySymbol.get(symbols.index);
  const index =
    configured && configured.length > 0 ? realIndex(configured) : synthesizedIndex(universe, symbols);
  if (!index) return null;
  const { closes, asOf } = index;
  const end = closes.close.length - 1;
  const sma50 = sma(closes, end, 50);
  const sma50Before = end >= 10 ? sma(closes, end - 10, 50) : null;
  const sectorSeries = symbols.sectors
    .map((symbol) => bySymbol.get(symbol))
    .filter((each): each is BarSeries => each !== undefined && each.length > 0);
  const sectors = (sectorSeries.length > 0 ? sectorSeries : universe.filter((each) => each.length > 0)).map(
    (each) => {
      const last = each.length - 1;
      return {
        symbol: each.symbol,
        close: each.close[last]!,
        sma50: round(sma(each, last, 50)),
        return20Pct: last >= 20 ? round((each.close[last]! / each.close[last - 20]! - 1) * 100) : null,
      };
    },
  );
  const judged = sectors.filter((each) => each.sma50 !== null);
  return {
    asOf: new Date(asOf).toISOString(),
    index: index.described,
    indicators: {
      close: round(closes.close[end]!)!,
      sma50: round(sma50),
      sma200: round(sma(closes, end, 200)),
      sma50SlopePct: sma50 !== null && sma50Before !== null ? round((sma50 / sma50Before - 1) * 100) : null,
      volatility20Pct: round(volatility(closes, end, 20)),
    },
    sectors,
    breadth:
      judged.length === 0
        ? null
        : round(judged.filter((each) => each.close > each.sma50!).length / judged.length, 4),
  };
}

/** The index the snapshot reads: its closes (the indicators' input), its newest time, and how the snapshot names it. */
interface IndexRead {
  closes: { close: Float64Array };
  asOf: number;
  described: MacroSnapshot['index'];
}

function realIndex(series: BarSeries): IndexRead {
  const closes = { close: series.close.subarray(0, series.length) };
  return {
    closes,
    asOf: series.time[series.length - 1]!,
    described: { symbol: series.symbol, synthetic: false, series },
  };
}

/**
 * The synthetic index (no index in the bars): its closes now, its whole series (six columns)
 * built only when read, which only an LLM route's inputs do (macroInputs); the fallback reads
 * the indicators alone. Null when no symbol has bars.
 */
function synthesizedIndex(universe: readonly BarSeries[], symbols: MacroSymbols): IndexRead | null {
  const closes = syntheticIndexCloses(universe, macroWindow);
  if (!closes || closes.close.length === 0) return null;
  const symbol = `${symbols.index}~synthetic`;
  let series: BarSeries | null = null;
  const described = {
    symbol,
    synthetic: true,
    get series(): BarSeries {
      series ??= syntheticIndex(universe, { symbol, window: macroWindow })!;
      return series;
    },
  };
  return { closes, asOf: closes.newestTime, described };
}

/**
 * Deterministic macro view: volatility first (it overrides direction), then the index against its
 * 50/200-bar averages (the 50 alone when 200 bars are not there yet) with the 50-bar slope, and
 * the breadth of sectors above their average confirming; anything else is a range.
 */
export function fallbackMacroView(snapshot: MacroSnapshot, volatilePct: number): MacroView {
  const { close, sma50, sma200, sma50SlopePct, volatility20Pct } = snapshot.indicators;
  const breadth = snapshot.breadth;
  const name = snapshot.index.symbol;
  if (volatility20Pct !== null && volatility20Pct > volatilePct)
    return {
      regime: 'volatile',
      bias: 'neutral',
      stance: 'risk_off',
      rationale: `fallback: ${name} 20-bar volatility ${exact(volatility20Pct)}% > ${volatilePct}%`,
    };
  if (sma50 === null || sma50SlopePct === null)
    return {
      regime: 'ranging',
      bias: 'neutral',
      stance: 'neutral',
      rationale: `fallback: not enough ${name} history for the 50-bar average and its slope`,
    };
  const longAverage = sma200 ?? sma50;
  const averages = `close ${exact(close)}, SMA50 ${exact(sma50)} (slope ${exact(sma50SlopePct)}%)${sma200 === null ? '' : `, SMA200 ${exact(sma200)}`}`;
  const breadthText = breadth === null ? 'breadth unknown' : `breadth ${exact(breadth)}`;
  if (close > sma50 && sma50 >= longAverage && sma50SlopePct > 0 && (breadth === null || breadth >= 0.5))
    return {
      regime: 'trending_up',
      bias: 'long',
      stance: 'risk_on',
      rationale: `fallback: ${name} uptrend: ${averages}; ${breadthText}`,
    };
  if (close < sma50 && sma50 <= longAverage && sma50SlopePct < 0 && (breadth === null || breadth < 0.5))
    return {
      regime: 'trending_down',
      bias: 'short',
      stance: 'risk_off',
      rationale: `fallback: ${name} downtrend: ${averages}; ${breadthText}`,
    };
  return {
    regime: 'ranging',
    bias: 'neutral',
    stance: 'neutral',
    rationale: `fallback: ${name} mixed: ${averages}; ${breadthText}`,
  };
}

export function macroInputs(snapshot: MacroSnapshot, timeframe: string): Record<string, unknown> {
  const { series } = snapshot.index;
  return {
    asOf: snapshot.asOf,
    timeframe,
    index: {
      symbol: snapshot.index.symbol,
      synthetic: snapshot.index.synthetic,
      bars: barsUpTo(series, series.length - 1, 60),
      indicators: { ...snapshot.indicators },
    },
    sectors: snapshot.sectors,
    breadth: snapshot.breadth,
  };
}

export function runMacroOfficer(
  runtime: AgentRuntime,
  request: { snapshot: MacroSnapshot; timeframe: string; cycleId: string; volatilePct: number },
): Promise<AgentOutcome<MacroView>> {
  return runAgent(runtime, {
    agent: 'macro-officer',
    skill: 'macro-officer',
    cycleId: request.cycleId,
    // Bars as ISO-stamped rows cost: built only when a route is asked, never for the fallback.
    inputs: () => macroInputs(request.snapshot, request.timeframe),
    narrow: macroViewSchema,
    fallback: () => fallbackMacroView(request.snapshot, request.volatilePct),
  });
}
