/**
 * Issue 23's whole-process figures: the fast backtest of 100 symbols × 20 years (ORCL 1995–2014
 * ×100, 503,600 bars, sma-cross) as a user runs it, one `signet backtest --data <100 files>
 * --json` process timed from spawn to exit (start-up, CSV parsing, the run and, durable, the
 * embedded PostgreSQL's start, the log's COPY and the server's stop), with `--no-db` and with
 * the durable bus log. Against backtrader's 28,751 bars/s for its 10-feed sma-cross (issue 23).
 * Run alone: `npx tsx bench/cli-backtest.ts`.
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { runCli, withHundredCopies } from './cli-process.ts';
import type { BenchResult } from './types.ts';

const backtraderBarsPerSecond = 28_751;
const reportSchema = z.object({ bars: z.number().int().positive() });

/** Wall seconds of `runs` timed runs after `warmup` untimed ones, sorted, and the bars of a run. */
async function timed(
  args: string[],
  cwd: string,
  runs: number,
  warmup: number,
): Promise<{ seconds: number[]; bars: number }> {
  let bars = 0;
  const seconds: number[] = [];
  for (let at = 0; at < warmup + runs; at += 1) {
    const run = await runCli(args, cwd);
    bars = reportSchema.parse(JSON.parse(run.stdout)).bars;
    if (at >= warmup) seconds.push(run.seconds);
  }
  return { seconds: seconds.sort((a, b) => a - b), bars };
}

function row(name: string, target: string, runs: { seconds: number[]; bars: number }): BenchResult {
  const median = runs.seconds[Math.floor(runs.seconds.length / 2)]!;
  const best = runs.seconds[0]!;
  const times = (seconds: number) => (runs.bars / seconds / backtraderBarsPerSecond).toFixed(1);
  return {
    name,
    value: Number(median.toFixed(2)),
    unit: 's',
    target,
    notes: `median of ${runs.seconds.length} (best ${best.toFixed(2)} s); ${runs.bars} bars, ${times(median)}× backtrader's 10-feed bars/s (best ${times(best)}×)`,
  };
}

export function runCliBacktestBench(): Promise<BenchResult[]> {
  return withHundredCopies('signet-bench-cli-', async (dir, files) => {
    const args = ['backtest', '--data', ...files, '--json'];
    const fast = await timed([...args, '--no-db'], dir, 7, 1);
    // The first durable run creates the cluster (initdb): a warm-up, as a user's second run.
    const durable = await timed(args, dir, 5, 1);
    return [
      row('fast backtest, 100 symbols, whole CLI process, --no-db', '≤ 0.7', fast),
      row('fast backtest, 100 symbols, whole CLI process, durable bus log', '≤ 1.75', durable),
    ];
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runCliBacktestBench());
}
