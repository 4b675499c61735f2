import path from 'node:path';
import type { AgentRuntime } from '../agents/index.ts';
import { type BacktestRun, timelineOf } from '../backtest/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { type Contamination, llmSql } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import type { BarSeries } from '../market/index.ts';
import { runPipelineBacktest } from '../runtime/index.ts';
import type { Store } from '../store/index.ts';
import { type ArmCurve, type ArmSummary, buyAndHold, splitByRegime, summaryOfReport } from './arms.ts';
import { barReturns, bootstrapInterval, type ConfidenceInterval, mean } from './bootstrap.ts';
import { guardContamination, journalContamination } from './guard.ts';
import { type PerturbationReport, type PerturbedPurpose, perturbationChecks } from './perturbation-check.ts';
import { type Regime, regimeOf } from './regimes.ts';

/**
 * Which run the agents are for: the LLM arm, the fallback arm, or a perturbed run (`identity`,
 * `data`: the LLM's; `fallback-identity`, `fallback-data`: the fallbacks', the control).
 */
export type AgentsPurpose = 'llm' | 'fallback' | PerturbedPurpose;

/** Whether the agents of this run ask the LLM routes (the fallback arm and its control runs never do). */
export function usesLlm(purpose: AgentsPurpose): boolean {
  return purpose !== 'fallback' && !purpose.startsWith('fallback-');
}

export interface EvaluationAgents {
  agents: AgentRuntime;
  close(): Promise<void>;
}

export interface EvaluationOptions {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
  /** The window's bars (every symbol). */
  series: BarSeries[];
  /** The benchmark's whole history (regimes need 200 bars before the window). */
  benchmark: BarSeries;
  warmupBars: number;
  runId: string;
  allowContaminated: boolean;
  /** The agents of each run: the CLI loads them from the configuration, tests script them. */
  agentsFor: (purpose: AgentsPurpose) => Promise<EvaluationAgents>;
  seed?: number;
  resamples?: number;
  /** Skip the perturbed runs (each LLM one costs as much as the LLM arm). */
  perturbation?: boolean;
  /** Skip the fallbacks' perturbed runs, the checks' control (default: run them; no LLM cost). */
  perturbationControl?: boolean;
  onProgress?: (purpose: AgentsPurpose, done: number, total: number) => void;
}

export interface EvaluationResult {
  runId: string;
  symbols: string[];
  benchmark: string;
  initialCash: number;
  window: { from: string; to: string; bars: number; warmupBars: number; decisionBars: number };
  contamination?: Contamination;
  arms: { llm: ArmSummary; fallback: ArmSummary; buyAndHold: ArmSummary };
  /** (a) − (b): the LLM arm against its own fallbacks, on the same bars. */
  llmMinusFallback: {
    totalReturnPct: number;
    /** Mean per-bar return difference × 252, in percent, with its bootstrap interval. */
    annualisedReturnDiffPct: ConfidenceInterval | null;
    /** Sharpe of the per-bar return differences (an information ratio), with its interval. */
    sharpeOfDifference: ConfidenceInterval | null;
  };
  regimes: ReturnType<typeof splitByRegime>;
  /** (a) identity and (b) data perturbation of the LLM arm, each with the fallbacks as a control. */
  perturbation: PerturbationReport | { skipped: string };
  deciders: { llm: BacktestRun['report']['deciders']; fallback: BacktestRun['report']['deciders'] };
  /** Per-bar data for the plots (not in the JSON file). */
  curves: ArmCurve[];
  times: Float64Array;
  regimeLabels: Regime[];
}

/**
 * `signet evaluate`: the same bars through the full pipeline with (a) the LLM routes, (b) every
 * agent's deterministic fallback, and (c) buy-and-hold; the difference (a) − (b) with bootstrap
 * intervals; every arm by market regime; and the perturbation checks (the same bars under another
 * name and dates; mirrored bars under the real ones).
 * The contamination guard runs first, before any LLM call.
 */
export async function evaluate(options: EvaluationOptions): Promise<EvaluationResult> {
  const { config, store, runId } = options;
  const series = options.series.filter((each) => each.length > 0);
  const contamination = await guardContamination({
    config,
    store,
    series,
    allow: options.allowContaminated,
    command: 'signet evaluate',
  });
  const timeline = timelineOf(series);
  const startAt = options.warmupBars;
  const fallback = await arm(options, 'fallback', series, `${runId}-fallback`);
  const llm = await arm(options, 'llm', series, `${runId}-llm`);
  if (contamination)
    await journalContamination({ contamination, store, journalRoot: llm.journalRoot, runId: `${runId}-llm` });
  const cash = config.paper.cash;
  const hold = buyAndHold(series, timeline, cash, startAt);
  const curves: ArmCurve[] = [
    { arm: 'llm', values: llm.run.values },
    { arm: 'fallback', values: fallback.run.values },
    hold.curve,
  ];
  const labels = regimeOf(options.benchmark, timeline);
  const seed = options.seed ?? 1;
  const resamples = options.resamples ?? 2_000;
  const differences = difference(llm.run.values, fallback.run.values, cash, startAt);
  const perturbation =
    options.perturbation === false
      ? { skipped: 'not asked (--no-perturbation)' }
      : llm.run.report.deciders && Object.keys(llm.run.report.deciders.routes).length === 0
        ? { skipped: 'no model decided in the LLM arm (every agent used its fallback)' }
        : await perturbationChecks({
            store,
            series,
            runId,
            seed,
            control: options.perturbationControl !== false,
            run: async (purpose, perturbed, perturbedRunId) => {
              await arm(options, purpose, perturbed, perturbedRunId);
            },
          });
  return {
    runId,
    symbols: series.map((each) => each.symbol),
    benchmark: options.benchmark.symbol,
    initialCash: cash,
    window: {
      from: llm.run.report.from,
      to: llm.run.report.to,
      bars: timeline.length,
      warmupBars: startAt,
      decisionBars: timeline.length - startAt,
    },
    ...(contamination ? { contamination } : {}),
    arms: {
      llm: summaryOfReport('llm', llm.run.report, await spendUsd(store, `${runId}-llm`)),
      fallback: summaryOfReport('fallback', fallback.run.report, await spendUsd(store, `${runId}-fallback`)),
      buyAndHold: hold.summary,
    },
    llmMinusFallback: {
      totalReturnPct:
        Math.round(
          (llm.run.report.metrics.totalReturnPct - fallback.run.report.metrics.totalReturnPct) * 10_000,
        ) / 10_000,
      annualisedReturnDiffPct: bootstrapInterval(differences, (sample) => mean(sample) * 252 * 100, {
        seed,
        resamples,
      }),
      sharpeOfDifference: bootstrapInterval(differences, sharpeOf, { seed: seed + 1, resamples }),
    },
    regimes: splitByRegime(curves, labels, cash, startAt),
    perturbation,
    deciders: { llm: llm.run.report.deciders, fallback: fallback.run.report.deciders },
    curves,
    times: timeline,
    regimeLabels: labels,
  };
}

async function arm(options: EvaluationOptions, purpose: AgentsPurpose, series: BarSeries[], runId: string) {
  const loaded = await options.agentsFor(purpose);
  const journalRoot = path.join(options.config.dataPath, 'evaluations', runId);
  try {
    return await runPipelineBacktest({
      config: options.config,
      store: options.store,
      bus: options.bus,
      logger: options.logger,
      agents: loaded.agents,
      series,
      runId,
      warmupBars: options.warmupBars,
      journalRoot,
      deciders:
        purpose === 'fallback'
          ? `fallback ${options.config.strategist.fallback}`
          : usesLlm(purpose)
            ? `evaluation ${purpose}`
            : `evaluation ${purpose} (fallback ${options.config.strategist.fallback})`,
      onProgress: options.onProgress
        ? (done, total) => options.onProgress?.(purpose, done, total)
        : undefined,
    });
  } finally {
    await loaded.close();
  }
}

/** Per-bar return differences (a − b) over the decision bars. */
function difference(a: Float64Array, b: Float64Array, cash: number, startAt: number): Float64Array {
  const ra = barReturns(a, cash);
  const rb = barReturns(b, cash);
  const out = new Float64Array(Math.max(0, a.length - startAt));
  for (let at = startAt; at < a.length; at += 1) out[at - startAt] = ra[at]! - rb[at]!;
  return out;
}

function sharpeOf(sample: Float64Array): number {
  const average = mean(sample);
  let variance = 0;
  for (const value of sample) variance += (value - average) ** 2;
  variance /= sample.length;
  return variance > 0 ? (average / Math.sqrt(variance)) * Math.sqrt(252) : 0;
}

async function spendUsd(store: Store, runId: string): Promise<number> {
  const result = await store.query<{ micro: string | number }>(llmSql.runSpend(), [`${runId}/%`]);
  return Math.round(Number(result.rows[0]?.micro ?? 0) / 10_000) / 100;
}
