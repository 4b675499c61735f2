import type { Command } from 'commander';
import { type BacktestReport, runBacktestJob } from '../../backtest/index.ts';
import { ValidationError } from '../../errors/index.ts';
import type { CliContext } from '../context.ts';
import { parseDate } from '../format.ts';
import { venueFeeds } from './backtest-venues.ts';

interface BacktestFlags {
  data?: string[];
  feed?: string;
  seed?: string;
  simBars?: string;
  symbols?: string;
  adjusted?: boolean;
  skipBadRows?: boolean;
  strategy: string;
  fast?: string;
  slow?: string;
  entry?: string;
  exit?: string;
  period?: string;
  deviations?: string;
  cash: string;
  commission: string;
  slippage: string;
  sizePct: string;
  stopPct?: string;
  takeProfitPct?: string;
  exitOnSignal?: boolean;
  from?: string;
  to?: string;
  db: boolean;
  json?: boolean;
  report?: string;
  runId?: string;
}

function number(value: string | undefined, flag: string): number | undefined {
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

function progressBar(): ((done: number, total: number) => void) | undefined {
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

function summary(report: BacktestReport): string {
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
  for (const position of report.openPositions) {
    lines.push(
      `open          ${position.size} ${position.symbol} since ${position.entryDate} at ${position.entryPrice}, last ${position.lastPrice} (unrealized ${position.unrealizedPnl.toFixed(2)})`,
    );
  }
  return lines.join('\n');
}

export function registerBacktestCommand(program: Command, context: CliContext): void {
  program
    .command('backtest')
    .description('run a strategy over historical or simulated bars through the paper broker')
    .option('--data <file...>', 'CSV file(s): Yahoo or generic Date,Open,High,Low,Close,Volume layout')
    .option(
      '--feed <kind>',
      'csv (with --data), sim (seeded synthetic market), alpaca (history API, broker.alpaca) or mt5 (bars the EA posted)',
    )
    .option('--seed <n>', 'seed of the sim feed', '1')
    .option('--sim-bars <n>', 'bars per symbol of the sim feed', '2520')
    .option('--symbols <list>', 'comma-separated symbols (one per --data file, or the sim symbols)')
    .option('--adjusted', 'use dividend-adjusted prices (scale O/H/L by Adj Close / Close)')
    .option('--skip-bad-rows', 'skip malformed rows and report them instead of failing')
    .option('--strategy <name>', 'sma-cross | breakout | mean-reversion', 'sma-cross')
    .option('--fast <n>', 'sma-cross: fast SMA length')
    .option('--slow <n>', 'sma-cross: slow SMA length')
    .option('--entry <n>', 'breakout: entry channel length')
    .option('--exit <n>', 'breakout: exit channel length')
    .option('--period <n>', 'mean-reversion: band length')
    .option('--deviations <n>', 'mean-reversion: band width in standard deviations')
    .option('--cash <amount>', 'starting cash', '100000')
    .option('--commission <fraction>', 'commission as a fraction of traded value', '0')
    .option('--slippage <fraction>', 'slippage as a fraction of price', '0')
    .option('--size-pct <fraction>', 'buy floor(cash × fraction / close) shares on a signal', '0.95')
    .option('--stop-pct <fraction>', 'bracket stop-loss this far below the signal close')
    .option('--take-profit-pct <fraction>', 'bracket take-profit this far above the signal close')
    .option('--exit-on-signal', 'let exit signals close bracketed positions too')
    .option('--from <date>', 'first bar date (inclusive)')
    .option('--to <date>', 'last bar date (inclusive)')
    .option('--no-db', 'run in process only; do not write the bus log to the database')
    .option('--run-id <id>', 'id prefix for the logged run (default: input fingerprint + time)')
    .option('--report <dir>', 'write report.html, trades.csv and equity.png to this folder')
    .option('--json', 'print the result as JSON')
    .action(async (flags: BacktestFlags) => {
      const feed = flags.feed ?? (flags.data && flags.data.length > 0 ? 'csv' : undefined);
      if (feed !== 'csv' && feed !== 'sim' && feed !== 'alpaca' && feed !== 'mt5') {
        throw new ValidationError(
          feed ? `unknown feed ${feed}` : 'no bars: give --data FILE... or --feed sim --seed N',
          [{ path: feed ? '--feed' : '--data', message: feed ? 'not csv, sim, alpaca or mt5' : 'missing' }],
          {
            fix: 'Pass --data path/to/bars.csv, or --feed sim --seed 42, or --feed alpaca --symbols AAPL.',
          },
        );
      }
      const parameters: Record<string, number> = {};
      for (const name of ['fast', 'slow', 'entry', 'exit', 'period', 'deviations'] as const) {
        const value = number(flags[name], `--${name}`);
        if (value !== undefined) parameters[name] = value;
      }
      const result = await runBacktestJob(
        {
          feed,
          files: flags.data ?? [],
          symbols: flags.symbols?.split(',').map((symbol) => symbol.trim()),
          adjusted: flags.adjusted === true,
          skipBadRows: flags.skipBadRows === true,
          seed: number(flags.seed, '--seed'),
          simBars: number(flags.simBars, '--sim-bars'),
          strategy: flags.strategy,
          parameters,
          settings: {
            cash: number(flags.cash, '--cash'),
            commission: number(flags.commission, '--commission'),
            slippage: number(flags.slippage, '--slippage'),
            sizePct: number(flags.sizePct, '--size-pct'),
            stopPct: number(flags.stopPct, '--stop-pct'),
            takeProfitPct: number(flags.takeProfitPct, '--take-profit-pct'),
            exitOnSignal: flags.exitOnSignal === true,
          },
          from: flags.from ? parseDate(flags.from, '--from').getTime() : undefined,
          to: flags.to ? parseDate(flags.to, '--to').getTime() : undefined,
          runId: flags.runId,
        },
        {
          database: flags.db ? () => context.store() : undefined,
          onProgress: progressBar(),
          venues: venueFeeds(context),
        },
      );
      for (const row of result.skipped) {
        process.stderr.write(`skipped ${row.source}:${row.line}: field "${row.field}": ${row.message}\n`);
      }
      if (result.logged > 0) {
        process.stderr.write(`bus: ${result.logged} messages written for run ${result.run.runId}\n`);
      }
      if (flags.report) {
        const { writeBacktestReport } = await import('../../backtest/index.ts');
        const files = await writeBacktestReport(flags.report, result.run);
        process.stderr.write(`report: ${files.join(', ')}\n`);
      }
      if (flags.json) context.json(result.run.report);
      else context.out(summary(result.run.report));
    });
}
