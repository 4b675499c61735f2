import type { LlmSection } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import type { Queryable } from '../store/index.ts';
import { priceTable } from './prices.ts';
import { llmSql } from './sql.ts';

/**
 * Look-ahead contamination: a model asked about bars from before its training cutoff may have
 * learned what came next (Sharpe roughly halves after the cutoff, arXiv 2510.07920). A run over
 * such bars is refused before any LLM call, or, when the operator allows it, flagged.
 */
export interface ModelInUse {
  route: string;
  model: string;
  /** YYYY-MM, or null when no cutoff is known (counts as contaminated). */
  trainingCutoff: string | null;
}

export interface Contamination {
  contaminated: true;
  /** The models whose cutoff is after the window's first bar, or unknown. */
  models: ModelInUse[];
  windowStart: string;
  windowEnd: string;
  /** Bars of the window before the latest cutoff of those models (all of them for an unknown one). */
  barsBeforeCutoff: number;
}

/** A route's cutoff: its own `trainingCutoff`, else the price table's for its model, else null. */
export function trainingCutoffOf(
  section: Pick<LlmSection, 'prices'>,
  model: string,
  override?: string,
): string | null {
  return override ?? priceTable(section.prices)[model]?.trainingCutoff ?? null;
}

/**
 * The models whose answers a run would use: the enabled routes in live and record mode; the models
 * that answered the recorded calls in replay mode (any of them may be served); both in cache mode.
 * A recorded model takes the cutoff of the configured route of the same name when there is one.
 */
export async function modelsInUse(section: LlmSection, store: Queryable | undefined): Promise<ModelInUse[]> {
  const routes = section.routes.filter((route) => route.enabled);
  const used = new Map<string, ModelInUse>();
  const add = (route: string, model: string) => {
    const override = section.routes.find(
      (each) => each.name === route && each.model === model,
    )?.trainingCutoff;
    used.set(`${route}\u0000${model}`, {
      route,
      model,
      trainingCutoff: trainingCutoffOf(section, model, override),
    });
  };
  if (section.mode !== 'replay') for (const route of routes) add(route.name, route.model);
  if ((section.mode === 'replay' || section.mode === 'cache') && store) {
    const recorded = await store.query<{ route: string; model: string }>(llmSql.recordedModels(), []);
    for (const row of recorded.rows) add(row.route, row.model);
  }
  return [...used.values()];
}

/** The first instant after a YYYY-MM cutoff month: bars before it may be in the training data. */
export function cutoffBoundary(cutoff: string): number {
  const [year, month] = cutoff.split('-').map(Number) as [number, number];
  return Date.UTC(year, month, 1);
}

const day = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The contamination of a window (its bar times, oldest first) by these models; undefined when clean. */
export function contaminationOf(
  models: readonly ModelInUse[],
  times: ArrayLike<number>,
): Contamination | undefined {
  if (models.length === 0 || times.length === 0) return undefined;
  const first = times[0]!;
  const dirty = models.filter(
    (model) => model.trainingCutoff === null || cutoffBoundary(model.trainingCutoff) > first,
  );
  if (dirty.length === 0) return undefined;
  const boundary = Math.max(
    ...dirty.map((model) =>
      model.trainingCutoff === null ? Number.POSITIVE_INFINITY : cutoffBoundary(model.trainingCutoff),
    ),
  );
  let before = 0;
  for (let at = 0; at < times.length; at += 1) if (times[at]! < boundary) before += 1;
  return {
    contaminated: true,
    models: dirty,
    windowStart: day(first),
    windowEnd: day(times[times.length - 1]!),
    barsBeforeCutoff: before,
  };
}

/** One line per model: "route/model (training cutoff 2026-06)". */
export function describeContamination(contamination: Contamination): string {
  const models = contamination.models
    .map((model) => `${model.route}/${model.model} (training cutoff ${model.trainingCutoff ?? 'unknown'})`)
    .join(', ');
  return `${models} may have seen the window ${contamination.windowStart} → ${contamination.windowEnd} (${contamination.barsBeforeCutoff} bars before the cutoff)`;
}

/** A run over bars the model may have learned: refused before any LLM call. */
export class ContaminatedWindowError extends SignetError {
  readonly contamination: Contamination;
  constructor(contamination: Contamination, command: string) {
    const latest = contamination.models
      .map((model) => model.trainingCutoff)
      .filter((cutoff): cutoff is string => cutoff !== null)
      .sort()
      .at(-1);
    const unknown = contamination.models.some((model) => model.trainingCutoff === null);
    super(`look-ahead contamination: ${describeContamination(contamination)}`, {
      code: 'llm_window_contaminated',
      fault: 'user',
      fix: [
        latest && !unknown
          ? `Choose a window that starts after ${latest} (--from ${day(cutoffBoundary(latest))} or later)`
          : `Set the model's training cutoff (llm.routes[].trainingCutoff or llm.prices["<model>"].trainingCutoff, YYYY-MM) and choose a window after it`,
        `or pass --allow-contaminated to ${command} to run anyway (the result is flagged "contamination").`,
      ].join(', '),
      details: { contamination },
    });
    this.contamination = contamination;
  }
}
