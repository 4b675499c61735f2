import { describeDeciders } from '../../agents/index.ts';
import { type BacktestReport, tallyLines } from '../../backtest/index.ts';
import { ValidationError } from '../../errors/index.ts';

/** What `signet backtest` prints and how it reads numbers, for both pipelines. */
export function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new ValidationError(
      `${flag} "${value}" is not a number`,
      [{ path: flag, message: 'not a number' }],
      {
        fix: `Give ${flag} a number, e.g. ${flag} 0.001.`,
      },
    );
  }
  return parsed;
}

/**
 * A progress bar on a terminal's stderr: done/total bars, percent, bars a second and the time
 * left at that pace; redrawn at most every 100 ms (a long run has millions of steps).
 */
export function progressBar(
  now: () => number = () => performance.now(),
): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let started: number | undefined;
  let drawn = 0;
  return (done, total) => {
    const at = now();
    started ??= at;
    if (done !== total && at - drawn < 100) return;
    drawn = at;
    process.stderr.write(`\r${progressLine(done, total, at - started)}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}

/** "[#####.....] 50% 120/240 bars, 95 bars/s, 1m 3s left" */
export function progressLine(done: number, total: number, elapsedMs: number): string {
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const left = rate > 0 ? (total - done) / rate : Number.NaN;
  const eta = Number.isFinite(left)
    ? `${left >= 60 ? `${Math.floor(left / 60)}m ` : ''}${Math.round(left % 60)}s left`
    : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / Math.max(1, total)) * 100)}% ${done}/${total} bars, ${rate.toFixed(0)} bars/s${eta ? `, ${eta}` : ''}`;
}

export function summary(report: BacktestReport): string {
  const m = report.metrics;
  const show = (value: number | null, suffix = '') => (value === null ? 'n/a' : `${value}${suffix}`);
  const lines = [
    `${report.strategy.name} ${JSON.stringify(report.strategy.parameters)} on ${report.symbols.join(', ')}: ${report.bars} bars, ${report.from} → ${report.to}`,
    `final value   ${report.finalValue.toFixed(2)}   (cash ${report.finalCash.toFixed(2)}, start ${report.initialCash.toFixed(2)})`,
    `trades        ${report.closedTrades} closed, win rate ${show(m.winRatePct, ' %')}, profit factor ${show(m.profitFactor)}`,
    `return        ${m.totalReturnPct} %, CAGR ${show(m.cagrPct, ' %')}, max drawdown ${m.maxDrawdownPct} %`,
    `risk          Sharpe ${show(m.sharpe)}, Sortino ${show(m.sortino)}, exposure ${m.exposurePct} %`,
    `commission    ${report.totalCommission.toFixed(2)}, rejected orders ${report.rejectedOrders}`,
  ];
  if (report.deciders) lines.splice(1, 0, `deciders      ${describeDeciders(report.deciders)}`);
  for (const position of report.openPositions) {
    lines.push(
      `open          ${position.size < 0 ? `short ${-position.size}` : position.size} ${position.symbol} since ${position.entryDate} at ${position.entryPrice}, last ${position.lastPrice} (unrealized ${position.unrealizedPnl.toFixed(2)})`,
    );
  }
  if (report.pipeline) lines.push(...tallyLines(report.pipeline));
  return lines.join('\n');
}
