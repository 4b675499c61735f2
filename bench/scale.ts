/**
 * Issue 22's scale: 100 symbols × 20 years of daily bars (ORCL 1995–2014 ×100, prices scaled)
 * through the full pipeline with every agent's fallback, every message durable, as a user runs it:
 * one `signet backtest --pipeline full` process, timed from spawn to exit (start-up, CSV parsing,
 * the run, the log and the report included). Run alone: `npx tsx bench/scale.ts`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { writeCopies } from './backtest.ts';
import type { BenchResult } from './types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const resultSchema = z.object({
  bars: z.number(),
  pipeline: z.object({ cycles: z.number(), proposals: z.number(), executed: z.number() }),
});

/** Runs the CLI once: its wall time and what it printed (a failure throws with its stderr). */
async function runCli(args: string[], cwd: string): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'signet.js'), ...args], {
    cwd,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`signet ${args[0]} exited ${code}: ${stderr.slice(-2000)}`);
  return { seconds: (performance.now() - started) / 1000, stdout };
}

export async function runScaleBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-bench-scale-'));
  chmodSync(dir, 0o755); // an embedded PostgreSQL (no DATABASE_URL) runs as the postgres user
  try {
    const files = writeCopies(dir, 100);
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runScaleBench());
}
