/**
 * `npm run bench`: runs every benchmark, prints one table and writes the figures as JSON under
 * bench/results/. Benchmarks are not tests: they report, they do not pass or fail.
 * `npm run bench -- bus` runs only the named ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktestBench } from './backtest.ts';
import { runBrainMemoryBench } from './brain-memory.ts';
import { runBusBench } from './bus.ts';
import { runCliBacktestBench } from './cli-backtest.ts';
import { durableFileProbe, fileCreationProbe } from './file-system-probe.ts';
import { runFullPipelineBench } from './full-pipeline.ts';
import { hiddenClassProbe } from './hidden-classes.ts';
import { runJournalFlushBench } from './journal-flush.ts';
import { runLlmBench } from './llm.ts';
import { runPipelineBench } from './pipeline.ts';
import { runLongPipelineBench } from './pipeline-long.ts';
import { runScaleBench } from './scale.ts';
import { type BenchResult, goalMet } from './types.ts';
import { runWatchdogBench } from './watchdog.ts';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  bus: runBusBench,
  llm: runLlmBench,
  pipeline: runPipelineBench,
  long: runLongPipelineBench,
  journal: runJournalFlushBench,
  backtest: runBacktestBench,
  cli: runCliBacktestBench,
  full: runFullPipelineBench,
  watchdog: () => runWatchdogBench(),
  memory: runBrainMemoryBench,
  scale: runScaleBench,
};

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
const results: Array<BenchResult & { suite: string }> = [
  { suite: 'machine', ...fileCreationProbe('before the benchmarks') },
  { suite: 'machine', ...durableFileProbe('before the benchmarks') },
  ...hiddenClassProbe().map((result) => ({ suite: 'machine', ...result })),
];
for (const [suite, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(suite)) continue;
  process.stderr.write(`running ${suite}…\n`);
  for (const result of await run()) results.push({ suite, ...result });
}
results.push(
  { suite: 'machine', ...fileCreationProbe('after them') },
  { suite: 'machine', ...durableFileProbe('after them') },
);
console.table(
  results.map(({ suite, name, value, unit, target, notes }) => ({
    suite,
    name,
    value,
    unit,
    target: target ?? '',
    goal: goalMet(value, target),
    notes: notes ?? '',
  })),
);
const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(folder, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = path.join(folder, `bench-${stamp}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, load: os.loadavg() }, results: results.map((result) => ({ ...result, goal: goalMet(result.value, result.target) })) }, null, 2)}\n`,
);
console.log(`written: ${path.relative(process.cwd(), file)}`);
