import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeDeciders } from '../agents/index.ts';
import { type Contamination, describeContamination } from '../llm/index.ts';
import { type BarSeries, formatBarTime } from '../market/index.ts';
import { equityPng } from './png.ts';
import type { BacktestReport, TradeRow } from './report-data.ts';
import type { BacktestRun } from './runner.ts';

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );

export interface Chart {
  width: number;
  height: number;
  x: (at: number) => number;
  y: (value: number) => number;
}

/** A polyline of at most ~2 points per pixel column (min/max per column keeps the shape). */
export function polyline(values: ArrayLike<number>, chart: Chart): string {
  const points: string[] = [];
  const columns = Math.max(1, Math.floor(chart.width));
  const perColumn = values.length / columns;
  if (perColumn <= 2) {
    for (let at = 0; at < values.length; at += 1)
      points.push(`${chart.x(at).toFixed(1)},${chart.y(values[at]!).toFixed(1)}`);
  } else {
    for (let column = 0; column < columns; column += 1) {
      const start = Math.floor(column * perColumn);
      const end = Math.min(values.length, Math.floor((column + 1) * perColumn));
      let minAt = start;
      let maxAt = start;
      for (let at = start; at < end; at += 1) {
        if (values[at]! < values[minAt]!) minAt = at;
        if (values[at]! > values[maxAt]!) maxAt = at;
      }
      for (const at of minAt <= maxAt ? [minAt, maxAt] : [maxAt, minAt]) {
        points.push(`${chart.x(at).toFixed(1)},${chart.y(values[at]!).toFixed(1)}`);
      }
    }
  }
  return points.join(' ');
}

export function chartFor(values: ArrayLike<number>, width: number, height: number, floor?: number): Chart {
  let low = floor ?? Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let at = 0; at < values.length; at += 1) {
    low = Math.min(low, values[at]!);
    high = Math.max(high, values[at]!);
  }
  if (!(high > low)) high = low + 1;
  const pad = 30;
  return {
    width: width - 2 * pad,
    height,
    x: (at) => pad + (at / Math.max(1, values.length - 1)) * (width - 2 * pad),
    y: (value) => height - 20 - ((value - low) / (high - low)) * (height - 40),
  };
}

export function axisLabels(times: ArrayLike<number>, chart: Chart): string {
  const labels: string[] = [];
  for (let k = 0; k <= 4; k += 1) {
    const at = Math.round((k / 4) * (times.length - 1));
    labels.push(
      `<text x="${chart.x(at).toFixed(1)}" y="${chart.height - 4}" font-size="10" text-anchor="middle" fill="#666">${formatBarTime(times[at]!)}</text>`,
    );
  }
  return labels.join('');
}

function equitySvg(run: BacktestRun): string {
  const chart = chartFor(run.values, 900, 260);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="260" role="img" aria-label="equity curve">
<polyline fill="none" stroke="#1f64c8" stroke-width="1.5" points="${polyline(run.values, chart)}"/>
<line x1="30" x2="870" y1="${chart.y(run.report.initialCash).toFixed(1)}" y2="${chart.y(run.report.initialCash).toFixed(1)}" stroke="#999" stroke-dasharray="4 4"/>
${axisLabels(run.times, chart)}</svg>`;
}

function drawdownSvg(run: BacktestRun): string {
  const drawdown = new Float64Array(run.values.length);
  let peak = run.report.initialCash;
  run.values.forEach((value, at) => {
    peak = Math.max(peak, value);
    drawdown[at] = peak > 0 ? -((peak - value) / peak) * 100 : 0;
  });
  const chart = chartFor(drawdown, 900, 160);
  const line = polyline(drawdown, chart);
  const zero = chart.y(0).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="160" role="img" aria-label="drawdown">
<polygon fill="#f3c5c5" stroke="#c0392b" stroke-width="1" points="30,${zero} ${line} 870,${zero}"/>
${axisLabels(run.times, chart)}</svg>`;
}

function priceSvg(series: BarSeries, trades: readonly TradeRow[]): string {
  const chart = chartFor(series.close, 900, 260);
  const indexOfDate = new Map<string, number>();
  for (let at = 0; at < series.length; at += 1) indexOfDate.set(formatBarTime(series.time[at]!), at);
  const markers = trades
    .filter((trade) => trade.symbol === series.symbol)
    .flatMap((trade) => {
      const entry = indexOfDate.get(trade.entryDate);
      const exit = indexOfDate.get(trade.exitDate);
      const out: string[] = [];
      // A long enters with a buy (filled ▲ below the price) and exits with a sell (filled ▼
      // above); a short enters with a sell short (hollow purple ▽ above) and exits with a buy
      // to cover (hollow purple △ below). TradeRow.size < 0 marks a short.
      const short = trade.size < 0;
      const shape = (d: string, color: string) =>
        short ? `d="${d}" fill="#fafbfc" stroke="#7d3c98" stroke-width="1.5"` : `d="${d}" fill="${color}"`;
      if (entry !== undefined) {
        const x = chart.x(entry);
        const y = chart.y(trade.entryPrice);
        const d = short
          ? `M${x.toFixed(1)},${(y - 2).toFixed(1)} l-4,-8 h8 z`
          : `M${x.toFixed(1)},${(y + 2).toFixed(1)} l-4,8 h8 z`;
        const what = short ? `sell short ${-trade.size}` : `buy ${trade.size}`;
        out.push(
          `<path class="entry ${short ? 'short' : 'long'}" ${shape(d, '#1e8449')}><title>${what} at ${trade.entryPrice} on ${trade.entryDate}</title></path>`,
        );
      }
      if (exit !== undefined) {
        const x = chart.x(exit);
        const y = chart.y(trade.exitPrice);
        const d = short
          ? `M${x.toFixed(1)},${(y + 2).toFixed(1)} l-4,8 h8 z`
          : `M${x.toFixed(1)},${(y - 2).toFixed(1)} l-4,-8 h8 z`;
        const what = short ? 'buy to cover' : 'sell';
        out.push(
          `<path class="exit ${short ? 'short' : 'long'}" ${shape(d, '#c0392b')}><title>${what} at ${trade.exitPrice} on ${trade.exitDate} (${escapeHtml(trade.exitReason)}, pnl ${trade.pnl.toFixed(2)})</title></path>`,
        );
      }
      return out;
    });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="260" role="img" aria-label="${escapeHtml(series.symbol)} close with entries and exits">
<polyline fill="none" stroke="#444" stroke-width="1" points="${polyline(series.close, chart)}"/>
${markers.join('\n')}
${axisLabels(series.time, chart)}</svg>`;
}

function metricsTable(report: BacktestReport): string {
  const m = report.metrics;
  const rows: Array<[string, string]> = [
    ['Strategy', `${report.strategy.name} ${JSON.stringify(report.strategy.parameters)}`],
    ['Symbols', report.symbols.join(', ')],
    ['Period', `${report.from} → ${report.to} (${report.bars} bars)`],
    ['Initial cash', report.initialCash.toFixed(2)],
    ['Final value', report.finalValue.toFixed(2)],
    ['Final cash', report.finalCash.toFixed(2)],
    ['Total return', `${m.totalReturnPct} %`],
    ['CAGR', m.cagrPct === null ? 'n/a' : `${m.cagrPct} %`],
    ['Max drawdown', `${m.maxDrawdownPct} %`],
    ['Sharpe (daily, ×√252)', String(m.sharpe ?? 'n/a')],
    ['Sortino', String(m.sortino ?? 'n/a')],
    ['Closed trades', String(report.closedTrades)],
    ['Win rate', m.winRatePct === null ? 'n/a' : `${m.winRatePct} %`],
    ['Profit factor', String(m.profitFactor ?? 'n/a')],
    ['Exposure', `${m.exposurePct} %`],
    ['Commission paid', report.totalCommission.toFixed(2)],
    ['Rejected orders', String(report.rejectedOrders)],
  ];
  // Who actually decided, never what was configured: a run whose routes all refused says "fallback".
  if (report.deciders) rows.splice(1, 0, ['Decided by', describeDeciders(report.deciders)]);
  return `<table class="metrics">${rows.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

function decisionsTable(report: BacktestReport): string {
  const tally = report.pipeline;
  if (!tally) return '';
  const share =
    tally.executedPerProposal === null ? 'n/a' : `${(tally.executedPerProposal * 100).toFixed(1)} %`;
  const rows: Array<[string, string]> = [
    ['Cycles', String(tally.cycles)],
    ['Proposals', String(tally.proposals)],
    ['Executed', `${tally.executed} (${share} of proposals)`],
    ['Vetoed', String(tally.vetoed)],
    ['Rejected by the broker', String(tally.rejected)],
    ['Errors', String(tally.errors)],
  ];
  const reasons = tally.vetoReasons
    .map(
      (group) =>
        `<tr><td>${group.count}</td><td style="text-align:left">${escapeHtml(group.reason)}</td><td style="text-align:left">${escapeHtml(group.example)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Decisions</h2><table class="metrics">${rows.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
<h3>Veto reasons</h3><table class="vetoes"><thead><tr><th>Count</th><th>Reason</th><th>First seen as</th></tr></thead><tbody>${reasons}</tbody></table>`;
}

function tradesTable(trades: readonly TradeRow[]): string {
  const head = [
    '#',
    'Symbol',
    'Entry',
    'Entry price',
    'Exit',
    'Exit price',
    'Side',
    'Size',
    'PnL',
    'Commission',
    'Exit by',
  ];
  const body = trades
    .map(
      (trade, at) =>
        `<tr class="${trade.pnl >= 0 ? 'win' : 'loss'}"><td>${at + 1}</td><td>${escapeHtml(trade.symbol)}</td><td>${trade.entryDate}</td><td>${trade.entryPrice}</td><td>${trade.exitDate}</td><td>${trade.exitPrice}</td><td class="side">${trade.size < 0 ? 'short' : 'long'}</td><td>${trade.size}</td><td>${trade.pnl.toFixed(2)}</td><td>${trade.commission.toFixed(2)}</td><td>${escapeHtml(trade.exitReason)}</td></tr>`,
    )
    .join('\n');
  return `<table class="trades"><thead><tr>${head.map((cell) => `<th>${cell}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The red banner of a run allowed over bars a used model may have learned (empty when clean). */
export function contaminationBanner(contamination: Contamination | undefined): string {
  if (!contamination) return '';
  return `<div class="contaminated" role="alert" style="background:#c0392b;color:#fff;padding:10px 14px;margin:8px 0;font-weight:600">Look-ahead contamination: ${escapeHtml(describeContamination(contamination))}. These results may reflect what the model memorised, not what it inferred.</div>`;
}

export function reportHtml(run: BacktestRun): string {
  const report = run.report;
  const prices = run.series
    .slice(0, 5)
    .map((series) => `<h3>${escapeHtml(series.symbol)}</h3>${priceSvg(series, report.trades)}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signet backtest: ${escapeHtml(report.strategy.name)} ${escapeHtml(report.symbols.join(', '))}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:960px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #e5e5e5;text-align:right}
table.metrics th{text-align:left;font-weight:600}tr.loss td:nth-child(9){color:#c0392b}tr.win td:nth-child(9){color:#1e8449}td.side{text-align:center}
svg{display:block;background:#fafbfc;border:1px solid #eee}
</style></head><body>
<h1>Backtest: ${escapeHtml(report.strategy.name)} on ${escapeHtml(report.symbols.join(', '))}</h1>
${contaminationBanner(report.contamination)}
${metricsTable(report)}
${decisionsTable(report)}
<h2>Equity</h2>${equitySvg(run)}
<h2>Drawdown (%)</h2>${drawdownSvg(run)}
<h2>Prices: long entries ▲ and exits ▼; short entries ▽ and covers △</h2>${prices.join('\n')}
<h2>Trades</h2>${tradesTable(report.trades)}
</body></html>
`;
}

/** One row per closed trade; `size` is negative for a short (pnl = (entry − exit) × |size|). */
export function tradesCsv(trades: readonly TradeRow[]): string {
  const header =
    'symbol,entry_date,entry_price,exit_date,exit_price,size,pnl,gross_pnl,commission,exit_reason,bars';
  const rows = trades.map((trade) =>
    [
      trade.symbol,
      trade.entryDate,
      trade.entryPrice,
      trade.exitDate,
      trade.exitPrice,
      trade.size,
      trade.pnl.toFixed(2),
      trade.grossPnl.toFixed(2),
      trade.commission.toFixed(2),
      trade.exitReason,
      trade.bars,
    ].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

/**
 * The equity series as the console charts it (lightweight-charts beside the report's own SVG):
 * `{ times: epoch ms[], values: portfolio value[] }`, one point per step of the run.
 */
export function equityJson(run: Pick<BacktestRun, 'times' | 'values'>): string {
  return `${JSON.stringify({ times: Array.from(run.times), values: Array.from(run.values) })}\n`;
}

/** Writes report.html, trades.csv, equity.png and equity.json into `dir`; returns their paths. */
export async function writeBacktestReport(dir: string, run: BacktestRun): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = {
    'report.html': reportHtml(run),
    'trades.csv': tradesCsv(run.report.trades),
    'equity.png': equityPng(run.values, run.report.initialCash),
    'equity.json': equityJson(run),
  };
  return writeReportFiles(dir, files);
}

/** A report's files, by name, written into its folder; returns their paths. */
export async function writeReportFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<string[]> {
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await writeFile(file, content);
    written.push(file);
  }
  return written;
}
