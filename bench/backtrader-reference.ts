/**
 * Backtrader measured on this machine, beside Signet: issue 23 states the fast backtest's goals
 * as multiples of backtrader's 10-feed sma-cross (≥ 25× with `--no-db`, ≥ 10× durable), and its
 * 28,751 bars/s came from another machine. The VMs these benchmarks run on differ by up to 1.7×
 * in CPU-bound speed, so a multiple is judged against backtrader run on the same machine in the
 * same minutes. Backtrader is not a dependency (Python, and PyPI is out of reach here): set
 * SIGNET_BENCH_BACKTRADER to a checkout of github.com/mementum/backtrader (the folder holding its
 * `backtrader` package) and, if `python3` is not the interpreter, SIGNET_BENCH_PYTHON.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { runProcess } from '../test/support/processes.ts';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'backtrader', 'sma-cross.py');

const outputSchema = z.object({
  bars: z.number().int().positive(),
  runSeconds: z.number().positive(),
  setupSeconds: z.number().nonnegative(),
});

export interface BacktraderRun {
  bars: number;
  /** cerebro.run() alone: loading the feeds (preload), the indicators and the strategy. */
  runSeconds: number;
  /** The whole process, spawn to exit, as Signet's CLI runs are timed. */
  wholeSeconds: number;
}

/** The checkout to run, or null when none is named (the comparison then uses issue 23's figure). */
export function backtraderCheckout(): string | null {
  const dir = process.env.SIGNET_BENCH_BACKTRADER;
  if (!dir) return null;
  if (!existsSync(path.join(dir, 'backtrader', '__init__.py')))
    throw new Error(
      `SIGNET_BENCH_BACKTRADER=${dir} holds no backtrader/__init__.py: name the checkout's top folder`,
    );
  return dir;
}

/** One run of the reference workload over `files` (one feed each). */
export async function runBacktrader(checkout: string, files: readonly string[]): Promise<BacktraderRun> {
  const python = process.env.SIGNET_BENCH_PYTHON ?? 'python3';
  const run = await runProcess(python, [script, ...files], {
    env: { PYTHONPATH: checkout },
    timeoutMs: 10 * 60_000,
  });
  if (run.code !== 0) throw new Error(`${python} ${script} exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const output = outputSchema.parse(JSON.parse(run.stdout));
  return { bars: output.bars, runSeconds: output.runSeconds, wholeSeconds: run.seconds };
}
