import { indicatorsAt } from '../agents/index.ts';
import type { BarSeries } from '../market/index.ts';

/**
 * The screen: a deterministic score per symbol (trend strength: |20-bar return| over 20-bar
 * volatility), highest first, top K. Symbols without enough history score 0 and are dropped.
 */
export function screen(
  universe: readonly BarSeries[],
  topK: number,
): Array<{ symbol: string; score: number }> {
  return universe
    .map((series) => {
      const indicators = indicatorsAt(series, series.length - 1);
      const { return20Pct, volatility20Pct } = indicators;
      const score = return20Pct === null || !volatility20Pct ? 0 : Math.abs(return20Pct) / volatility20Pct;
      return { symbol: series.symbol, score: Number(score.toFixed(6)) };
    })
    .filter((each) => each.score > 0)
    .sort((a, b) => b.score - a.score || a.symbol.localeCompare(b.symbol))
    .slice(0, topK);
}
