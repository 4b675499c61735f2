import type { Command } from 'commander';
import { type BacktestJob, runBacktestJob } from '../../backtest/index.ts';
import { ValidationError } from '../../errors/index.ts';
import type { CliContext } from '../context.ts';
import { parseDate } from '../format.ts';
import { number, progressBar, summary } from './backtest-output.ts';

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
  size?: string;
  short?: boolean;
  stopPct?: string;
  takeProfitPct?: string;
  exitOnSignal?: boolean;
  from?: string;
  to?: string;
  db: boolean;
  json?: boolean;
  report?: string | true;
  runId?: string;
  pipeline: string;
  llm?: boolean;
  allowContaminated?: boolean;
  warmup: string;
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
    .option('--size <shares>', 'fixed size: every position is this many shares (instead of --size-pct)')
    .option(
      '--short',
      'trade the short side too (needs --size): sma-cross reverses on every cross (long on a golden cross, short on a death cross); breakout and mean-reversion take mirror-image entries',
    )
    .option('--stop-pct <fraction>', 'bracket stop-loss this far below the signal close')
    .option('--take-profit-pct <fraction>', 'bracket take-profit this far above the signal close')
    .option('--exit-on-signal', 'let exit signals close bracketed positions too')
    .option('--from <date>', 'first bar date (inclusive)')
    .option('--to <date>', 'last bar date (inclusive)')
    .option('--no-db', 'run in process only; do not write the bus log to the database')
    .option('--run-id <id>', 'id prefix for the logged run (default: input fingerprint + time)')
    .option(
      '--report [dir]',
      'write report.html, trades.csv, equity.png and equity.json: to DIR, or without one to a folder of this run under ingress.reportsDir (default context/reports/backtests), which the console shows',
    )
    .option('--json', 'print the result as JSON')
    .option(
      '--pipeline <kind>',
      'fast: the strategy alone, in process; full: the whole agent cycle as `signet start` runs it (needs the database)',
      'fast',
    )
    .option(
      '--llm',
      'full pipeline: ask the configured LLM routes (default: every agent’s deterministic fallback)',
    )
    .option(
      '--allow-contaminated',
      "full pipeline with --llm: run over bars before a model's training cutoff anyway; the result is flagged",
    )
    .option('--warmup <n>', 'full pipeline: bars of history before the first cycle', '60')
    .action(async (flags: BacktestFlags) => {
      const feed = flags.feed ?? (flags.data && flags.data.length > 0 ? 'csv' : undefined);
      // The config, logger and database modules load only when this run uses one of them: a
      // fast run over CSV files or the sim feed with --no-db never reads signet.yaml.
      const inProcess = (feed === 'csv' || feed === 'sim') && flags.pipeline === 'fast';
      if (!inProcess || flags.db || flags.report) await context.prepare();
      // The full pipeline, the venues' feeds and the report load when asked for: a fast backtest
      // over CSV files or the sim feed starts without their modules (startup is most of its time).
      const venues =
        feed === 'csv' || feed === 'sim' ? {} : (await import('./backtest-venues.ts')).venueFeeds(context);
      const feeds = ['csv', 'sim', ...Object.keys(venues)];
      if (feed === undefined || !feeds.includes(feed)) {
        throw new ValidationError(
          feed ? `unknown feed ${feed}` : 'no bars: give --data FILE... or --feed sim --seed N',
          [
            {
              path: feed ? '--feed' : '--data',
              message: feed ? `not ${feeds.slice(0, -1).join(', ')} or ${feeds.at(-1)}` : 'missing',
            },
          ],
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
      const input: BacktestJob = {
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
          ...(flags.size === undefined ? {} : { size: number(flags.size, '--size') }),
          ...(flags.short === true ? { short: true } : {}),
          stopPct: number(flags.stopPct, '--stop-pct'),
          takeProfitPct: number(flags.takeProfitPct, '--take-profit-pct'),
          exitOnSignal: flags.exitOnSignal === true,
        },
        from: flags.from ? parseDate(flags.from, '--from').getTime() : undefined,
        to: flags.to ? parseDate(flags.to, '--to').getTime() : undefined,
        runId: flags.runId,
      };
      if (flags.pipeline === 'full' && (flags.short === true || flags.size !== undefined)) {
        throw new ValidationError(
          '--size and --short run on the fast pipeline only',
          [{ path: flags.short === true ? '--short' : '--size', message: 'not with --pipeline full' }],
          {
            fix: 'Drop --pipeline full (the full cycle follows the Risk Gate, which sizes and allows shorts).',
          },
        );
      }
      if (flags.pipeline === 'full') {
        // The database (an embedded server starting, most often) opens while the full pipeline's
        // modules load: each was about a fifth of a short run's wall time, one after the other.
        if (flags.db) void context.store();
        const { runFullPipeline } = await import('./backtest-pipeline.ts');
        await runFullPipeline(
          input,
          {
            llm: flags.llm === true,
            warmup: number(flags.warmup, '--warmup') ?? 60,
            db: flags.db,
            json: flags.json === true,
            report: flags.report,
            allowContaminated: flags.allowContaminated === true,
          },
          context,
          venues,
        );
        return;
      }
      if (flags.pipeline !== 'fast')
        throw new ValidationError(
          `unknown pipeline ${flags.pipeline}`,
          [{ path: '--pipeline', message: 'not fast or full' }],
          {
            fix: 'Pass --pipeline fast (the default) or --pipeline full.',
          },
        );
      const result = await runBacktestJob(input, {
        database: flags.db ? () => context.store() : undefined,
        onProgress: progressBar(),
        venues,
      });
      for (const row of result.skipped) {
        process.stderr.write(`skipped ${row.source}:${row.line}: field "${row.field}": ${row.message}\n`);
      }
      if (result.logged > 0) {
        process.stderr.write(`bus: ${result.logged} messages written for run ${result.run.runId}\n`);
      }
      if (flags.report) {
        const { writeReportOf } = await import('./backtest-report.ts');
        await writeReportOf(flags.report, result.run, context.config());
      }
      if (flags.json) context.json(result.run.report);
      else context.out(summary(result.run.report));
    });
}
