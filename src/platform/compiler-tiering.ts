import v8 from 'node:v8';

/** V8's own `--interrupt-budget` on Node 20 (V8 11.3): bytecode executed between tiering checks. */
const defaultInterruptBudget = 66 * 1024;

/** How many times V8's default budget a function runs before a batch job optimizes it. */
const batchBudgetFactor = 16;

/**
 * For a bounded batch job (a full-pipeline backtest), sets V8's tiering for a run that ends:
 *
 * - TurboFan compiles only code that runs a lot: the tiering budget becomes 16× V8's default.
 *   Code that loops over bars, renders and serializes still reaches TurboFan within a few dozen
 *   bars; what no longer does is the cycle's large async orchestration functions, each run once
 *   or a few times a bar, whose TurboFan compiles (tens of ms each, and again after each deopt)
 *   came a few hundred bars into a run. On ORCL 2012–2014 they were most of a cold run's CPU
 *   outside the main thread (V8's worker threads 0.72–1.04 ms a bar; 0.14–0.26 with the budget),
 *   competing with PostgreSQL for the second core, and the main thread ran no faster for them.
 * - Every function is compiled to baseline (Sparkplug) code on its first call
 *   (`--always-sparkplug`), where V8 would first interpret it: the code that now stays below
 *   TurboFan runs as machine code from the start (a cold run's wall a bar 9–14 % lower again).
 * - Feedback vectors are allocated on a function's first call (`--no-lazy-feedback-allocation`):
 *   8–9 % lower again in three sets of eight alternating pairs, though with `--always-sparkplug`
 *   a function called once already has one; which functions it still changes is not established.
 *
 * Figures: docs/benchmarks.md, twenty-seventh pass. A live brain runs for days, so its steady
 * state wants TurboFan early: `signet start` keeps V8's defaults (measured: the steady executed
 * cycle's p50 6.4–6.7 → 8.6–9.6 ms under the budget).
 *
 * Applied on the engine it was measured on only (V8 11, Node 20): later engines tier through
 * Maglev by default, where these settings mean something else. Returns whether it was applied.
 */
export function tuneTieringForBatchRun(engineVersion: string = process.versions.v8): boolean {
  if (!engineVersion.startsWith('11.')) return false;
  // Flags V8 reads when it compiles a function or resets its budget (after each tiering check),
  // not only at start-up: set before the run, they hold for every function the run calls.
  v8.setFlagsFromString(`--interrupt-budget=${defaultInterruptBudget * batchBudgetFactor}`);
  v8.setFlagsFromString('--always-sparkplug');
  v8.setFlagsFromString('--no-lazy-feedback-allocation');
  return true;
}
