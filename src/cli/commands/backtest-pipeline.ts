import path from 'node:path';
import { describeDeciders } from '../../agents/index.ts';
import { type BacktestJob, fingerprint, loadBacktestBars, type VenueFeeds } from '../../backtest/index.ts';
import { Bus } from '../../bus/index.ts';
import type { Config } from '../../config/index.ts';
import { ValidationError } from '../../errors/index.ts';
import { guardContamination, journalContamination } from '../../evaluation/index.ts';
import { describeContamination } from '../../llm/index.ts';
import { tuneTieringForBatchRun } from '../../platform/index.ts';
import { loadAgents, runPipelineBacktest } from '../../runtime/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import type { CliContext } from '../context.ts';
import { progressBar, summary } from './backtest-output.ts';
import { writeReportOf } from './backtest-report.ts';

export interface FullPipelineFlags {
  /** Ask the configured LLM routes; without it every agent decides by its fallback. */
  llm: boolean;
  warmup: number;
  db: boolean;
  json: boolean;
  report?: string | true;
  /** Run an LLM backtest over bars before a used model's training cutoff, flagged. */
  allowContaminated: boolean;
}

/**
 * `signet backtest --pipeline full`: the bars of the job through the whole agent cycle, as
 * `signet start` runs it, on the paper broker. --cash/--commission/--slippage set the paper
 * account; --strategy and its parameters set the Strategist's fallback; sizing is the Risk
 * Gate's (`risk:` in signet.yaml), as live.
 */
export async function runFullPipeline(
  input: BacktestJob,
  flags: FullPipelineFlags,
  context: CliContext,
  venues: VenueFeeds,
): Promise<void> {
  if (!flags.db)
    throw new ValidationError(
      'the full pipeline writes what live writes: it needs the database',
      [{ path: '--no-db', message: 'not with --pipeline full' }],
      { fix: 'Drop --no-db (the embedded database starts by itself), or use --pipeline fast.' },
    );
  // A bounded run: V8 compiles every function to baseline code at once and only what runs a lot
  // with TurboFan (the cycle's orchestration is not compiled, and recompiled, hundreds of bars in).
  tuneTieringForBatchRun();
  const { job, series, skipped } = await loadBacktestBars(input, venues);
  for (const row of skipped)
    process.stderr.write(`skipped ${row.source}:${row.line}: field "${row.field}": ${row.message}\n`);
  // Checked here so a wrong --strategy is named before anything starts.
  const strategy = createStrategy(job.strategy, job.parameters);
  const base = context.config();
  const config: Config = {
    ...base,
    paper: {
      ...base.paper,
      ...definedOnly({
        cash: job.settings.cash,
        commission: job.settings.commission,
        slippage: job.settings.slippage,
      }),
    },
    strategist: {
      ...base.strategist,
      fallback: job.strategy as Config['strategist']['fallback'],
      fallbackParameters: { ...strategy.parameters },
    },
  };
  const store = await context.store();
  // Before any LLM call (and before the router exists): a window the models may have learned.
  const contamination = flags.llm
    ? await guardContamination({
        config,
        store,
        series,
        allow: flags.allowContaminated,
        command: 'signet backtest --pipeline full --llm',
      })
    : undefined;
  const logger = context.logger();
  const bus = new Bus({ store, logger, settings: config.bus });
  const runId =
    job.runId ??
    `btfull-${fingerprint(series, strategy, { ...config.paper, llm: flags.llm })}-${Date.now().toString(36)}`;
  const journalRoot = path.join(config.dataPath, 'backtests', runId);
  // A route that refuses our request is journaled in this run's journal (and paged).
  const loaded = await loadAgents(config, {
    store,
    bus,
    logger,
    watch: false,
    llm: flags.llm,
    journalRoot,
  });
  try {
    const result = await runPipelineBacktest({
      config,
      store,
      bus,
      logger,
      agents: loaded.agents,
      series,
      runId,
      warmupBars: flags.warmup,
      journalRoot,
      deciders: loaded.router.configured ? loaded.deciders : `fallback ${config.strategist.fallback}`,
      onProgress: progressBar(),
    });
    if (contamination) {
      result.run.report.contamination = contamination;
      await journalContamination({ contamination, store, journalRoot, runId });
      process.stderr.write(`CONTAMINATED ${describeContamination(contamination)}\n`);
    }
    process.stderr.write(
      `pipeline: ${result.cycles} cycles; ${Object.entries(result.outcomes)
        .filter(([, count]) => count > 0)
        .map(([outcome, count]) => `${count} ${outcome}`)
        .join(
          ', ',
        )}; decided by ${describeDeciders(result.deciders)}; journal ${path.join(result.journalRoot, 'journal')}; bus: signet bus replay --cycle ${runId}/<date>\n`,
    );
    // Loud, never silent: a route that refused our request is named at the end of the run too.
    for (const rejection of loaded.rejections)
      process.stderr.write(`REJECTED ${rejection.headline}\n  fix: ${rejection.fix}\n`);
    if (flags.report) await writeReportOf(flags.report, result.run, config);
    // Counted by who actually decided; `configured` is only what was asked for.
    const pipeline = {
      ...result.decisions,
      runId,
      cycles: result.cycles,
      outcomes: result.outcomes,
      deciders: result.deciders,
      configured: loaded.deciders,
      rejections: loaded.rejections.map(({ route, skill, status, providerMessage, headline }) => ({
        route,
        skill,
        status,
        providerMessage,
        headline,
      })),
    };
    if (flags.json) context.json({ ...result.run.report, pipeline });
    else context.out(summary(result.run.report));
  } finally {
    await loaded.close();
    await bus.stop();
  }
}

function definedOnly<T extends Record<string, number | undefined>>(
  values: T,
): Partial<Record<keyof T, number>> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<
    Record<keyof T, number>
  >;
}
