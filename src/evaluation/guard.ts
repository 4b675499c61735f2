import { timelineOf } from '../backtest/index.ts';
import type { Config } from '../config/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import {
  ContaminatedWindowError,
  type Contamination,
  contaminationOf,
  describeContamination,
  modelsInUse,
} from '../llm/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { Queryable } from '../store/index.ts';

/**
 * The contamination guard of every LLM run over history (`signet backtest --llm`, `signet
 * evaluate`, replays of recorded answers): checked before any LLM call. A window whose first bar
 * is before a used model's training cutoff (or whose model has none) is refused unless `allow`;
 * then the contamination is returned, for the result, the report's banner and the journal.
 */
export async function guardContamination(options: {
  config: Pick<Config, 'llm'>;
  store: Queryable;
  series: readonly BarSeries[];
  /** --allow-contaminated */
  allow: boolean;
  /** The command, for the fix ("signet backtest --pipeline full --llm"). */
  command: string;
}): Promise<Contamination | undefined> {
  const series = options.series.filter((each) => each.length > 0);
  if (series.length === 0) return undefined;
  const models = await modelsInUse(options.config.llm, options.store);
  const contamination = contaminationOf(models, timelineOf(series));
  if (contamination && !options.allow) throw new ContaminatedWindowError(contamination, options.command);
  return contamination;
}

/** The run's journal note of an allowed contaminated run. */
export async function journalContamination(options: {
  contamination: Contamination;
  store: Queryable;
  journalRoot: string;
  runId: string;
}): Promise<void> {
  const { contamination } = options;
  await writeJournalEntry(
    {
      ts: new Date(`${contamination.windowStart}T00:00:00Z`),
      cycleId: `${options.runId}/contamination`,
      agent: 'evaluation',
      outcome: 'error',
      decidedBy: 'code',
      notes: [
        `Look-ahead contamination allowed (--allow-contaminated): ${describeContamination(contamination)}.`,
        'The LLM decisions of this run may reflect what the models memorised about these bars; do not read its results as an out-of-sample edge.',
      ],
      summary: {
        event: 'contamination',
        windowStart: contamination.windowStart,
        windowEnd: contamination.windowEnd,
        barsBeforeCutoff: contamination.barsBeforeCutoff,
        models: contamination.models.map((model) => `${model.route}/${model.model}`),
      },
    },
    { db: options.store, root: options.journalRoot },
  );
}
