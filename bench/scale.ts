/**
 * Issue 22's scale: 100 symbols × 20 years of daily bars (ORCL 1995–2014 ×100, prices scaled)
 * through the full pipeline with every agent's fallback, every message durable, as a user runs it:
 * one `signet backtest --pipeline full` process, timed from spawn to exit (start-up, CSV parsing,
 * the run, the log and the report included). Run alone: `npx tsx bench/scale.ts`.
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { runCli, withHundredCopies } from './cli-process.ts';
import type { BenchResult } from './types.ts';

const resultSchema = z.object({
  bars: z.number(),
  pipeline: z.object({ cycles: z.number(), proposals: z.number(), executed: z.number() }),
});

export function runScaleBench(): Promise<BenchResult[]> {
  return withHundredCopies('signet-bench-scale-', async (dir, files) => {
    const { seconds, stdout } = await runCli(
      [
        'backtest',
        '--pipeline',
        'full',
        '--data',
        ...files,
        '--json',
        '--run-id',
        `bench-scale-${Date.now()}`,
      ],
      dir,
    );
    const result = resultSchema.parse(JSON.parse(stdout));
    const { pipeline } = result;
    return [
      {
        name: 'full pipeline, 100 symbols × 20 years, fallbacks, durable (whole CLI process)',
        value: Number(seconds.toFixed(1)),
        unit: 's',
        target: '≤ 300',
        notes: `${result.bars} bars, ${pipeline.cycles} cycles, ${pipeline.proposals} proposals, ${pipeline.executed} executed; ${((seconds * 1000) / result.bars).toFixed(3)} ms a bar`,
      },
    ];
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runScaleBench());
}
