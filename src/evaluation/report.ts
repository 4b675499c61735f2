import { mkdir } from 'node:fs/promises';
import {
  axisLabels,
  type Chart,
  chartFor,
  contaminationBanner,
  equityJson,
  equityPng,
  escapeHtml,
  polyline,
  writeReportFiles,
} from '../backtest/index.ts';
import { describeContamination } from '../llm/index.ts';
import type { ArmSummary } from './arms.ts';
import type { ConfidenceInterval } from './bootstrap.ts';
import type { EvaluationResult } from './evaluate.ts';
import { perturbationHtml, perturbationMarkdown } from './perturbation-report.ts';
import { regimes } from './regimes.ts';

const colours: Record<string, string> = { llm: '#1f64c8', fallback: '#e67e22', 'buy-and-hold': '#7f8c8d' };
const regimeColours: Record<string, string> = {
  bull: '#d5f5e3',
  bear: '#fadbd8',
  sideways: '#fdf2e9',
  unknown: '#f4f6f7',
};

/** The JSON document: everything but the per-bar curves. */
export function evaluationJson(result: EvaluationResult): Record<string, unknown> {
  const { curves: _curves, times: _times, regimeLabels: _labels, ...rest } = result;
  return rest;
}

const show = (value: number | null | undefined, suffix = '') =>
  value === null || value === undefined ? 'n/a' : `${value}${suffix}`;
const interval = (ci: ConfidenceInterval | null, digits = 2) =>
  ci
    ? `${ci.estimate.toFixed(digits)} [${ci.low.toFixed(digits)}, ${ci.high.toFixed(digits)}] (${Math.round(ci.level * 100)} %, ${ci.resamples} resamples, seed ${ci.seed})`
    : 'n/a (too few bars)';

function armRows(result: EvaluationResult): Array<[string, ArmSummary]> {
  return [
    ['(a) LLM routes', result.arms.llm],
    ['(b) deterministic fallbacks', result.arms.fallback],
    ['(c) buy-and-hold', result.arms.buyAndHold],
  ];
}

const armHeader = [
  'Arm',
  'Return %',
  'Sharpe',
  'Sortino',
  'Max DD %',
  'Trades',
  'Hit rate %',
  'LLM $',
  'Commission',
];
const armCells = (summary: ArmSummary) => [
  String(summary.totalReturnPct),
  show(summary.sharpe),
  show(summary.sortino),
  String(summary.maxDrawdownPct),
  String(summary.trades),
  show(summary.hitRatePct),
  summary.llmCostUsd.toFixed(2),
  summary.commission.toFixed(2),
];

export function evaluationMarkdown(result: EvaluationResult): string {
  const lines = [
    `# Evaluation ${result.runId}`,
    '',
    `${result.symbols.join(', ')} · ${result.window.from} → ${result.window.to} · ${result.window.decisionBars} decision bars after ${result.window.warmupBars} warm-up bars · benchmark ${result.benchmark}`,
    '',
  ];
  if (result.contamination)
    lines.push(`> **LOOK-AHEAD CONTAMINATION**: ${describeContamination(result.contamination)}.`, '');
  lines.push(
    '## Arms',
    '',
    `| ${armHeader.join(' | ')} |`,
    `|${armHeader.map(() => '---').join('|')}|`,
    ...armRows(result).map(([name, summary]) => `| ${name} | ${armCells(summary).join(' | ')} |`),
    '',
    '## (a) − (b): the LLM against its own fallbacks',
    '',
    `- total return: ${result.llmMinusFallback.totalReturnPct} percentage points`,
    `- annualised mean return difference (%): ${interval(result.llmMinusFallback.annualisedReturnDiffPct)}`,
    `- Sharpe of the daily differences: ${interval(result.llmMinusFallback.sharpeOfDifference)}`,
    '',
    '## By market regime (benchmark close vs its 200-day SMA and the SMA’s 20-day slope)',
    '',
    `Bars: ${Object.entries(result.regimes.bars)
      .map(([regime, count]) => `${regime} ${count}`)
      .join(', ')}`,
    '',
    '| Arm | Regime | Bars | Return % | Sharpe |',
    '|---|---|---|---|---|',
  );
  for (const [arm, byRegime] of Object.entries(result.regimes.arms))
    for (const [regime, figures] of Object.entries(byRegime))
      if (figures.bars > 0)
        lines.push(
          `| ${arm} | ${regime} | ${figures.bars} | ${figures.returnPct} | ${show(figures.sharpe)} |`,
        );
  lines.push('', '## Input perturbation', '', ...perturbationMarkdown(result.perturbation), '');
  return `${lines.join('\n')}\n`;
}

function linesSvg(
  result: EvaluationResult,
  series: Array<{ arm: string; values: Float64Array }>,
  height: number,
) {
  const all = new Float64Array(series.reduce((sum, each) => sum + each.values.length, 0));
  let offset = 0;
  for (const each of series) {
    all.set(each.values, offset);
    offset += each.values.length;
  }
  const bounds = chartFor(all, 900, height);
  const count = result.times.length;
  const chart: Chart = { ...bounds, x: (at) => 30 + (at / Math.max(1, count - 1)) * 840 };
  const bands = result.regimeLabels
    .map(
      (regime, at) =>
        `<rect x="${chart.x(at).toFixed(1)}" y="0" width="${Math.max(1, 840 / count).toFixed(2)}" height="${height - 20}" fill="${regimeColours[regime]}"/>`,
    )
    .join('');
  const polylines = series
    .map(
      (each) =>
        `<polyline fill="none" stroke="${colours[each.arm]}" stroke-width="1.5" points="${polyline(each.values, chart)}"><title>${escapeHtml(each.arm)}</title></polyline>`,
    )
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${height}" role="img">${bands}
${polylines}
${axisLabels(result.times, chart)}</svg>`;
}

function drawdownOf(values: Float64Array, initial: number): Float64Array {
  const out = new Float64Array(values.length);
  let peak = initial;
  values.forEach((value, at) => {
    peak = Math.max(peak, value);
    out[at] = peak > 0 ? -((peak - value) / peak) * 100 : 0;
  });
  return out;
}

function regimeBarsSvg(result: EvaluationResult): string {
  const arms = Object.keys(result.regimes.arms);
  const values = regimes.flatMap((regime) => arms.map((arm) => result.regimes.arms[arm]![regime]!.returnPct));
  const high = Math.max(1, ...values.map(Math.abs));
  const zero = 110;
  const bars = regimes.flatMap((regime, group) =>
    arms.map((arm, index) => {
      const value = result.regimes.arms[arm]![regime]!.returnPct;
      const size = (Math.abs(value) / high) * 90;
      const x = 60 + group * 280 + index * 60;
      return `<rect x="${x}" y="${(value >= 0 ? zero - size : zero).toFixed(1)}" width="50" height="${size.toFixed(1)}" fill="${colours[arm]}"><title>${escapeHtml(`${arm} ${regime}: ${value} %`)}</title></rect><text x="${x + 25}" y="${value >= 0 ? zero - size - 3 : zero + size + 12}" font-size="10" text-anchor="middle">${value}</text>`;
    }),
  );
  const labels = regimes.map(
    (regime, group) =>
      `<text x="${60 + group * 280 + 90}" y="225" font-size="12" text-anchor="middle">${regime} (${result.regimes.bars[regime]} bars)</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="235" role="img" aria-label="return by regime"><line x1="30" x2="870" y1="${zero}" y2="${zero}" stroke="#999"/>${bars.join('')}${labels.join('')}</svg>`;
}

export function evaluationHtml(result: EvaluationResult): string {
  const initial = result.initialCash;
  const legend = Object.entries(colours)
    .map(([arm, colour]) => `<span style="color:${colour};font-weight:600">■ ${arm}</span>`)
    .join(' ');
  const rows = armRows(result)
    .map(
      ([name, summary]) =>
        `<tr><th>${escapeHtml(name)}</th>${armCells(summary)
          .map((cell) => `<td>${escapeHtml(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  const markdown = evaluationMarkdown(result);
  const difference =
    markdown.split('## (a) − (b): the LLM against its own fallbacks')[1]?.split('##')[0] ?? '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signet evaluation ${escapeHtml(result.runId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:960px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #e5e5e5;text-align:right}
th{text-align:left}svg{display:block;background:#fafbfc;border:1px solid #eee}</style></head><body>
<h1>Evaluation: ${escapeHtml(result.symbols.join(', '))}, ${escapeHtml(result.window.from)} → ${escapeHtml(result.window.to)}</h1>
${contaminationBanner(result.contamination)}
<table><thead><tr>${armHeader.map((cell) => `<th>${cell}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
<h2>(a) − (b)</h2><pre>${escapeHtml(difference.trim())}</pre>
<h2>Equity</h2><p>${legend}; background: regime (green bull, red bear, beige sideways, grey unknown)</p>
${linesSvg(result, result.curves, 280)}
<h2>Drawdown (%)</h2>${linesSvg(
    result,
    result.curves.map((curve) => ({ arm: curve.arm, values: drawdownOf(curve.values, initial) })),
    180,
  )}
<h2>Return by regime (%)</h2>${regimeBarsSvg(result)}
<h2>Input perturbation</h2>${perturbationHtml(result.perturbation)}
</body></html>
`;
}

/** The file of one arm's equity series, as the console charts it: `equity-<arm>.json`. */
export const armEquityFile = (arm: string): string => `equity-${arm}.json`;

/**
 * Writes evaluation.md, evaluation.json, report.html, equity.png and one `equity-<arm>.json` per
 * arm (`llm`, `fallback`, `buy-and-hold`; the backtest's equity.json format, `{ times, values }`)
 * into `dir`; returns their paths.
 */
export async function writeEvaluationReport(dir: string, result: EvaluationResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const llm = result.curves.find((curve) => curve.arm === 'llm');
  const initial = result.initialCash;
  const files: Record<string, string | Buffer> = {
    'evaluation.md': evaluationMarkdown(result),
    'evaluation.json': `${JSON.stringify(evaluationJson(result), null, 2)}\n`,
    'report.html': evaluationHtml(result),
  };
  if (llm) files['equity.png'] = equityPng(llm.values, initial);
  for (const curve of result.curves)
    files[armEquityFile(curve.arm)] = equityJson({ times: result.times, values: curve.values });
  return writeReportFiles(dir, files);
}
