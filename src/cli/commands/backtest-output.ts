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

export function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / total) * 100)}%`,
    );
    if (done === total) process.stderr.write('\r\x1b[K');
  };
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
