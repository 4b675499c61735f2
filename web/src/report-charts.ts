import { getBlob } from './api.ts';
import { h } from './dom.ts';
import { armsChart, type EquityPoint, equityChart } from './price-chart.ts';

type ReportSource = 'backtest' | 'evaluation';

/** A `{ times, values }` equity file of a report (epoch ms, portfolio value); null when absent or unreadable. */
async function readEquity(file: string, source: ReportSource): Promise<EquityPoint[] | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      await (await getBlob(`/reports/file?source=${source}&path=${encodeURIComponent(file)}`)).text(),
    );
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
  return points.length < 2 ? null : points;
}

const folderOf = (open: string) => open.slice(0, -'report.html'.length);

/**
 * The equity and drawdown of a backtest report drawn with lightweight-charts (zoom, pan,
 * crosshair), from the report's `equity.json`. The report's own HTML stays static in its
 * script-less sandboxed frame; a report written before equity.json existed shows none.
 */
export async function reportEquity(open: string): Promise<HTMLElement | null> {
  if (!open.endsWith('/report.html')) return null;
  const points = await readEquity(`${folderOf(open)}equity.json`, 'backtest');
  if (!points) return null;
  return h('div', { class: 'report-charts' }, h('h3', {}, 'Equity and drawdown'), equityChart(points));
}

/** An evaluation's arms, their files (`src/evaluation/report.ts` `armEquityFile`) and colours (its SVG's). */
const evaluationArms = [
  { arm: 'llm', name: 'LLM', colour: '#1f64c8' },
  { arm: 'fallback', name: 'fallback', colour: '#e67e22' },
  { arm: 'buy-and-hold', name: 'buy-and-hold', colour: '#7f8c8d' },
] as const;

/**
 * The equity of an evaluation's three arms on one chart, their drawdowns (%) below, from the
 * `equity-<arm>.json` files beside its report.html; an arm without its file is left out, an
 * evaluation written before them shows none.
 */
export async function evaluationEquity(open: string): Promise<HTMLElement | null> {
  if (!open.endsWith('/report.html')) return null;
  const arms = [];
  for (const each of evaluationArms) {
    const points = await readEquity(`${folderOf(open)}equity-${each.arm}.json`, 'evaluation');
    if (points) arms.push({ name: each.name, colour: each.colour, points });
  }
  if (arms.length === 0) return null;
  return h(
    'div',
    { class: 'report-charts' },
    h('h3', {}, 'Equity and drawdown (%) by arm'),
    h('p', { class: 'muted' }, arms.map((arm) => arm.name).join(' · ')),
    armsChart(arms),
  );
}
