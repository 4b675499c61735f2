import { getBlob } from './api.ts';
import { h } from './dom.ts';
import { type EquityPoint, equityChart } from './price-chart.ts';

/**
 * The equity and drawdown of a backtest report drawn with lightweight-charts (zoom, pan,
 * crosshair), from the report's `equity.json`. The report's own HTML stays static in its
 * script-less sandboxed frame; a report written before equity.json existed shows none.
 */
export async function reportEquity(open: string): Promise<HTMLElement | null> {
  if (!open.endsWith('/report.html')) return null;
  const file = `${open.slice(0, -'report.html'.length)}equity.json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await (await getBlob(`/reports/file?path=${encodeURIComponent(file)}`)).text());
  } catch {
    return null;
  }
  const data = parsed as { times?: unknown; values?: unknown };
  if (!Array.isArray(data.times) || !Array.isArray(data.values)) return null;
  const points: EquityPoint[] = [];
  data.times.forEach((time, index) => {
    const value = (data.values as unknown[])[index];
    if (typeof time === 'number' && typeof value === 'number') points.push({ time, equity: value });
  });
  if (points.length < 2) return null;
  return h('div', { class: 'report-charts' }, h('h3', {}, 'Equity and drawdown'), equityChart(points));
}
