/**
 * Backtest throughput: sma-cross over ORCL 1995–2014 (1 symbol) and over 100 symbols (ORCL
 * copies with scaled prices), end to end: CSV files read and parsed, the run, and (durable
 * variants) the complete message log written to the bus in one transaction (one COPY).
 * Run alone: `npx tsx bench/backtest.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBacktest } from '../src/backtest/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { csvFeed } from '../src/market/index.ts';
import { copyMessageLog } from '../src/pipeline/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { SmaCross } from '../src/strategies/index.ts';
import { scratchFolder } from './scratch.ts';
import type { BenchResult } from './types.ts';

export type { BenchResult } from './types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const settings = { cash: 100_000, commission: 0.001, sizePct: 0.95 };

/** 100 copies of ORCL with prices scaled by 1.000, 1.005, 1.010, …, written as Yahoo CSV files. */
export function writeCopies(dir: string, count: number): string[] {
  const lines = readFileSync(orclFile, 'utf8').trim().split('\n');
  const files: string[] = [];
  for (let copy = 0; copy < count; copy += 1) {
    const factor = 1 + copy * 0.005;
    const body = lines.slice(1).map((line) => {
      const [date, open, high, low, close, adjusted, volume] = line.split(',');
      const scale = (value: string | undefined) => (Number(value) * factor).toFixed(6);
      return [date, scale(open), scale(high), scale(low), scale(close), scale(adjusted), volume].join(',');
    });
    const file = path.join(dir, `s${String(copy).padStart(3, '0')}-orcl.csv`);
    writeFileSync(file, `${[lines[0], ...body].join('\n')}\n`);
    files.push(file);
  }
  return files;
}

interface Sample {
  bars: number;
  seconds: number;
  messages: number;
  /** Of which writing the log (durable runs). */
  logSeconds: number;
}

async function once(files: string[], store?: Store): Promise<Sample> {
  const started = performance.now();
  const { series } = await csvFeed({ files }).load();
  const run = runBacktest({
    series,
    strategy: new SmaCross({ fast: 10, slow: 30 }),
    settings,
    runId: `bench-${started}`,
  });
  const logStarted = performance.now();
  if (store) {
    // As `signet backtest` writes it: a pooled connection, one transaction, one COPY.
    const client = await store.pool.connect();
    try {
      await client.query('BEGIN');
      await copyMessageLog(client, run.messages);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  const ended = performance.now();
  return {
    bars: run.report.bars,
    seconds: (ended - started) / 1000,
    messages: run.messages.length,
    logSeconds: (ended - logStarted) / 1000,
  };
}

async function measure(
  files: string[],
  runs: number,
  warmup: number,
  store?: Store,
): Promise<Sample & { rate: number; best: number }> {
  for (let at = 0; at < warmup; at += 1) await once(files, store);
  const samples: Sample[] = [];
  for (let at = 0; at < runs; at += 1) samples.push(await once(files, store));
  samples.sort((a, b) => a.seconds - b.seconds);
  const median = samples[Math.floor(samples.length / 2)]!;
  // The median is the figure; the best run shows the code's speed when the machine is not busy.
  return { ...median, rate: median.bars / median.seconds, best: samples[0]!.bars / samples[0]!.seconds };
}

export async function runBacktestBench(): Promise<BenchResult[]> {
  const dir = scratchFolder('signet-bench-backtest-');
  const results: BenchResult[] = [];
  let store: Store | undefined;
  try {
    const copies = writeCopies(dir, 100);
    const one = await measure([orclFile], 100, 30);
    results.push({
      name: 'sma-cross ORCL, 1 symbol, in-process',
      value: Math.round(one.rate),
      unit: 'bars/s',
      target: '≥ 1,000,000',
      notes: `${one.bars} bars in ${(one.seconds * 1000).toFixed(2)} ms (median of 100; best run ${Math.round(one.best)} bars/s), CSV parse included`,
    });
    const many = await measure(copies, 5, 1);
    results.push({
      name: 'sma-cross, 100 symbols, in-process',
      value: Math.round(many.rate),
      unit: 'bars/s',
      notes: `${many.bars} bars in ${(many.seconds * 1000).toFixed(0)} ms (median of 5; best run ${Math.round(many.best)} bars/s), CSV parse included`,
    });
    const config = loadConfig({ overrides: { dataDir: path.join(dir, 'data') }, file: '/dev/null' });
    store = await openStore({ config, logger: silentLogger(), applicationName: 'signet-bench-backtest' });
    const durableOne = await measure([orclFile], 15, 3, store);
    results.push({
      name: 'sma-cross ORCL, 1 symbol, durable bus log',
      value: Math.round(durableOne.rate),
      unit: 'bars/s',
      target: '≥ 250,000',
      notes: `${durableOne.messages} messages, ${(durableOne.seconds * 1000).toFixed(1)} ms (median of 15; best run ${Math.round(durableOne.best)} bars/s), of which log ${(durableOne.logSeconds * 1000).toFixed(1)} ms`,
    });
    const durableMany = await measure(copies, 3, 1, store);
    // The kernel's high-water mark of this process: every run above, the 100-symbol ones included.
    const peakMb = process.resourceUsage().maxRSS / 1024;
    results.push({
      name: 'sma-cross, 100 symbols, durable bus log',
      value: Math.round(durableMany.rate),
      unit: 'bars/s',
      target: '≥ 250,000',
      notes: `${durableMany.messages} messages, ${(durableMany.seconds * 1000).toFixed(0)} ms (median of 3; best run ${Math.round(durableMany.best)} bars/s), of which log ${(durableMany.logSeconds * 1000).toFixed(0)} ms`,
    });
    results.push({
      name: 'peak RSS, 100 symbols × 20 years (durable)',
      value: Math.round(peakMb),
      unit: 'MB',
      target: '≤ 1024',
      notes: 'getrusage maxrss of the bench process after every backtest run above',
    });
  } finally {
    await store?.close();
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runBacktestBench();
  console.table(results);
}
