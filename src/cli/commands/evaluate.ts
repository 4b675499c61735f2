import path from 'node:path';
import type { Command } from 'commander';
import { type BacktestJob, loadBacktestBars } from '../../backtest/index.ts';
import { Bus } from '../../bus/index.ts';
import type { Config } from '../../config/index.ts';
import { ValidationError } from '../../errors/index.ts';
import {
  type AgentsPurpose,
  assertWithinBudget,
  estimateEvaluation,
  estimateLines,
  evaluate,
  evaluationJson,
  evaluationMarkdown,
  guardContamination,
  usesLlm,
  writeEvaluationReport,
} from '../../evaluation/index.ts';
import { loadAgents } from '../../runtime/index.ts';
import type { CliContext } from '../context.ts';
import { parseDate } from '../format.ts';
import { number, progressBar } from './backtest-output.ts';

interface EvaluateFlags {
  data: string[];
  symbols?: string;
  benchmark?: string;
  adjusted?: boolean;
  from?: string;
  to?: string;
  warmup: string;
  cash?: string;
  seed: string;
  resamples: string;
  perturbation: boolean;
  allowContaminated?: boolean;
  estimate?: boolean;
  yes?: boolean;
  json?: boolean;
  runId?: string;
  out?: string;
}

export function registerEvaluateCommand(program: Command, context: CliContext): void {
  program
    .command('evaluate')
    .description(
      'the same bars through the full pipeline with the LLM routes, with every agent’s fallback, and buy-and-hold; by regime, with a perturbation check',
    )
    .requiredOption('--data <file...>', 'CSV file(s) of daily bars (Yahoo or generic layout)')
    .option('--symbols <list>', 'comma-separated symbols, one per --data file')
    .option('--benchmark <symbol>', 'the symbol whose 200-day trend sets the regime (default: the first)')
    .option('--adjusted', 'use dividend-adjusted prices')
    .option('--from <date>', 'first bar date (inclusive)')
    .option('--to <date>', 'last bar date (inclusive)')
    .option('--warmup <n>', 'bars of history before the first cycle', '60')
    .option('--cash <amount>', 'starting cash of each arm (default paper.cash)')
    .option('--seed <n>', 'seed of the bootstrap', '1')
    .option('--resamples <n>', 'bootstrap resamples', '2000')
    .option(
      '--no-perturbation',
      'skip the perturbation checks (identity: anonymised tickers, shifted dates; data: mirrored bars)',
    )
    .option(
      '--allow-contaminated',
      "run over bars before a model's training cutoff anyway; the result is flagged",
    )
    .option('--estimate', 'print the LLM calls, tokens and dollars by route, and stop')
    .option('--yes', 'run even when the estimate is above evaluate.maxUsd')
    .option('--json', 'print the result as JSON')
    .option('--run-id <id>', 'id of the evaluation (default: eval-<time>)')
    .option(
      '--out <dir>',
      'report folder (default <contextDir>/reports/evaluations/<run id>, shown in the console)',
    )
    .action(async (flags: EvaluateFlags) => {
      await runEvaluate(flags, context);
    });
}

async function runEvaluate(flags: EvaluateFlags, context: CliContext): Promise<void> {
  const warmup = number(flags.warmup, '--warmup') ?? 60;
  const input: BacktestJob = {
    feed: 'csv',
    files: flags.data,
    symbols: flags.symbols?.split(',').map((symbol) => symbol.trim()),
    adjusted: flags.adjusted === true,
    from: flags.from ? parseDate(flags.from, '--from').getTime() : undefined,
    to: flags.to ? parseDate(flags.to, '--to').getTime() : undefined,
  };
  const { series } = await loadBacktestBars(input);
  const { series: histories } = await loadBacktestBars({ ...input, from: undefined });
  const benchmarkSymbol = flags.benchmark ?? series[0]?.symbol;
  const benchmark = histories.find((each) => each.symbol === benchmarkSymbol);
  if (!benchmark)
    throw new ValidationError(
      `no bars of benchmark ${benchmarkSymbol}`,
      [{ path: '--benchmark', message: `not one of ${histories.map((each) => each.symbol).join(', ')}` }],
      { fix: 'Name one of the --symbols as --benchmark, or add its --data file.' },
    );
  const base = context.config();
  const cash = number(flags.cash, '--cash');
  const config: Config = cash === undefined ? base : { ...base, paper: { ...base.paper, cash } };
  if (!config.llm.routes.some((route) => route.enabled))
    throw new ValidationError(
      'signet evaluate compares the LLM with its own fallbacks, and no LLM route is configured',
      [{ path: 'llm.routes', message: 'no enabled route' }],
      {
        fix: 'Add a route under llm.routes (to replay recorded answers: llm.mode replay and the route that recorded them), or run `signet backtest --pipeline full` for the fallbacks alone.',
      },
    );
  const store = await context.store();
  // Refused before anything is estimated or asked.
  await guardContamination({
    config,
    store,
    series,
    allow: flags.allowContaminated === true,
    command: 'signet evaluate',
  });
  const bars = Math.max(0, ...series.map((each) => each.length));
  const estimate = await estimateEvaluation({
    config,
    store,
    symbols: series.map((each) => each.symbol),
    decisionBars: Math.max(0, bars - warmup),
    perturbation: flags.perturbation,
  });
  if (flags.estimate) {
    if (flags.json) context.json(estimate);
    else context.out(estimateLines(estimate).join('\n'));
    return;
  }
  process.stderr.write(`${estimateLines(estimate).join('\n')}\n`);
  assertWithinBudget(estimate, flags.yes === true);
  const logger = context.logger();
  const bus = new Bus({ store, logger, settings: config.bus });
  const runId = flags.runId ?? `eval-${Date.now().toString(36)}`;
  // One bar per run (the LLM arm, the fallback arm, the perturbed runs), each with its own pace.
  const progressBars = new Map<AgentsPurpose, ReturnType<typeof progressBar>>();
  try {
    const result = await evaluate({
      config,
      store,
      bus,
      logger,
      series,
      benchmark,
      warmupBars: warmup,
      runId,
      allowContaminated: flags.allowContaminated === true,
      seed: number(flags.seed, '--seed'),
      resamples: number(flags.resamples, '--resamples'),
      perturbation: flags.perturbation,
      agentsFor: async (purpose: AgentsPurpose) => {
        const loaded = await loadAgents(config, {
          store,
          bus,
          logger,
          watch: false,
          llm: usesLlm(purpose),
          journalRoot: path.join(config.dataPath, 'evaluations', `${runId}-${purpose}`),
        });
        return { agents: loaded.agents, close: () => loaded.close() };
      },
      onProgress: process.stderr.isTTY
        ? (purpose, done, total) => {
            if (!progressBars.has(purpose)) {
              process.stderr.write(`${purpose} run\n`);
              progressBars.set(purpose, progressBar());
            }
            progressBars.get(purpose)?.(done, total);
          }
        : undefined,
    });
    const folder = path.resolve(
      flags.out ??
        path.join(config.paths.contextDir, 'reports', 'evaluations', runId.replace(/[^A-Za-z0-9_-]+/g, '-')),
    );
    const files = await writeEvaluationReport(folder, result);
    process.stderr.write(`report: ${files.join(', ')}\n`);
    if (flags.json) context.json({ ...evaluationJson(result), files });
    else context.out(evaluationMarkdown(result));
  } finally {
    await bus.stop();
  }
}
