import { pathToFileURL } from 'node:url';
import { openBenchParts, overheadPerCandidate, overheadRows } from './pipeline-phase.ts';
import { type BenchResult, percentile } from './types.ts';

/**
 * Long enough for what a brain does now and then, not every cycle, to fall inside: the journal
 * flushes a decision's file once it is 40 s old, looked for every 10 s (src/journal/flush-behind.ts),
 * and Linux writes dirty pages back 30 s after they were written (`vm.dirty_expire_centisecs`).
 * The pipeline benchmark's phases end before either comes (its steady state is 200 cycles, a few
 * seconds): a flush of ten seconds' files at once, which cost single cycles 70–115 ms, was found
 * only by runs as long as this one (the thirty-fifth pass of issue 23).
 */
const measuredForMs = 60_000;

/**
 * The vetoed cycle of `npm run bench pipeline`, one candidate at a time, run for a minute after
 * its two warm-up cycles: a long-running brain's cycles, the slowest among them included.
 * ≈ 70 s.
 */
export async function runLongPipelineBench(): Promise<BenchResult[]> {
  const opened = await openBenchParts('signet-bench-pipeline-long-');
  try {
    const phase = await overheadPerCandidate(opened.parts, {
      parallelism: 1,
      rounds: 200,
      forMs: measuredForMs,
    });
    const sorted = phase.perCandidate;
    const cycles = sorted.length;
    const over = sorted.filter((value) => value > 5).length;
    const note = `${cycles} cycles of 5 candidates in ${measuredForMs / 1000} s after 2 warm-up cycles, parallelism 1; ${phase.outcomes}; the journal's timed flushes (files 40 s old) and the kernel's write-back fall inside`;
    return [
      ...overheadRows(
        'one at a time, a long-running brain',
        sorted,
        note,
        `${over} of ${cycles} cycles above 5 ms a candidate; node CPU ${phase.cpu.nodeMs.toFixed(2)} ms a candidate (main thread ${phase.cpu.mainMs.toFixed(2)}, the cluster ${phase.cpu.databaseMs.toFixed(2)})`,
      ),
      {
        name: 'cycle overhead per candidate p99.9, one at a time, a long-running brain',
        value: Number(percentile(sorted, 0.999).toFixed(2)),
        unit: 'ms',
        notes: 'the cycles that met a collection, a compile, a flush or a write-back at once',
      },
      {
        name: 'cycle overhead per candidate, the slowest cycle, a long-running brain',
        value: Number(sorted[sorted.length - 1]!.toFixed(2)),
        unit: 'ms',
        notes: `a cycle of 5 candidates took ${(5 * sorted[sorted.length - 1]!).toFixed(1)} ms`,
      },
    ];
  } finally {
    await opened.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runLongPipelineBench());
}
