import v8 from 'node:v8';

/** V8's own `--interrupt-budget` on Node 20 (V8 11.3): bytecode executed between tiering checks. */
export const defaultInterruptBudget = 66 * 1024;

/** How many times V8's default budget a function runs before a batch job optimizes it. */
export const batchBudgetFactor = 16;

/**
 * For a bounded batch job (a full-pipeline backtest), asks V8 to optimize only code that runs a
 * lot: the tiering budget becomes 16× V8's default (a function must run 16× as much bytecode
 * before TurboFan compiles it). Code that loops over bars, renders and serializes still reaches
 * TurboFan within a few dozen bars; what no longer does is the cycle's large async orchestration
 * functions, each run once or a few times a bar, whose TurboFan compiles (tens of ms each, and
 * again after each deopt) happened a few hundred bars into a run: on ORCL 2012–2014 they were most
 * of a cold run's CPU a bar outside the main thread (V8's worker threads 0.72–1.04 ms a bar, with
 * the budget 0.14–0.26), competing with PostgreSQL for the second core, while the main thread
 * ran no faster for them (docs/benchmarks.md, twenty-seventh pass). A live brain runs for days,
 * so its steady state wants TurboFan early: `signet start` keeps V8's defaults (measured: the
 * steady executed cycle's p50 6.4–6.7 → 8.6–9.6 ms under the budget).
 *
 * Applied on the engine it was measured on only (V8 11, Node 20): later engines tier through
 * Maglev by default, where this budget means something else. Returns whether it was applied.
 */
export function deferOptimizingCompiler(engineVersion: string = process.versions.v8): boolean {
  if (!engineVersion.startsWith('11.')) return false;
  // A flag V8 reads when it resets a function's budget (after each tiering check), not only at
  // start-up: set before the run, it holds for every function the run calls.
  v8.setFlagsFromString(`--interrupt-budget=${defaultInterruptBudget * batchBudgetFactor}`);
  return true;
}
