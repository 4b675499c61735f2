import { z } from 'zod';
import { type Bar, barAt, simSeriesCache } from '../market/index.ts';
import type { Queryable } from '../store/index.ts';
import { optimizerSql } from './sql.ts';

/**
 * Where the optimizer reads bars that came after a decision (counterfactuals, benchmarks,
 * excursions). Any feed can implement it; the sim one regenerates the run's market.
 */
export interface BarSource {
  /** A short description for the report ("sim seed 7: AAA, BBB"). */
  readonly describe: string;
  /** Up to `count` bars of `symbol` with `time > after` (epoch ms), oldest first; fewer when data ends. */
  bars(symbol: string, after: number, count: number): Promise<Bar[]>;
}

/** The settings a sim session stores under app_state 'sim.session' (runtime/sim-session.ts). */
export const simSessionStateSchema = z.object({
  runId: z.string(),
  seed: z.number().int(),
  symbols: z.array(z.string()).min(1),
  bars: z.number().int().positive(),
  start: z.string(),
});
export type SimSessionState = z.infer<typeof simSessionStateSchema>;

/**
 * The sim feed is deterministic from seed, symbols, bars and start, so the bars after any
 * decision can be regenerated exactly as the session saw them.
 */
export function simBarSource(settings: Omit<SimSessionState, 'runId'>): BarSource {
  const seriesOf = simSeriesCache(settings);
  return {
    describe: `sim feed (seed ${settings.seed}, ${settings.bars} bars from ${settings.start}: ${settings.symbols.join(', ')})`,
    async bars(symbol, after, count) {
      const series = seriesOf(symbol);
      if (!series || count <= 0) return [];
      const found: Bar[] = [];
      for (let index = 0; index < series.length && found.length < count; index += 1) {
        if (series.time[index]! > after) found.push(barAt(series, index));
      }
      return found;
    },
  };
}

/** A source with no bars: counterfactuals are then reported as "no data", never guessed. */
export const noBarSource: BarSource = {
  describe: 'no bar source (counterfactuals and benchmarks unavailable)',
  async bars() {
    return [];
  },
};

/** The sim source of the run stored in app_state, or undefined when there is none (read only). */
export async function simBarSourceFromState(db: Queryable): Promise<BarSource | undefined> {
  const result = await db.query<{ value: unknown }>(optimizerSql.simSession(), []);
  const parsed = simSessionStateSchema.safeParse(result.rows[0]?.value);
  return parsed.success ? simBarSource(parsed.data) : undefined;
}
