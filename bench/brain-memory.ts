/**
 * The brain's memory over a long sim run: `signet start` on a fast sim (six symbols, a bar
 * every 10 ms, fallbacks), its resident set sampled from /proc every second while the cycles
 * are counted on the bus, and the slope of RSS over cycles fitted by least squares (after the
 * first 10 % of the run, which is warm-up). Needs Linux (/proc) and DATABASE_URL (the brain
 * gets a database of its own, dropped afterwards). Cycles: SIGNET_BENCH_BRAIN_CYCLES (10,000).
 * Run alone: `npx tsx bench/brain-memory.ts`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { scratchFolder } from './scratch.ts';
import type { BenchResult } from './types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxy = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/**
 * The lowest sample of each of `parts` consecutive runs of samples: RSS rises between collections
 * and falls after them, so a fit through every sample leans on where the last ones fell (two
 * runs of the same code gave +1.41 and −3.54 MB/1000 cycles), while memory that stays lifts the floor.
 */
function floorPoints(
  points: ReadonlyArray<{ x: number; y: number }>,
  parts: number,
): Array<{ x: number; y: number }> {
  const size = Math.floor(points.length / parts);
  if (size < 1) return [];
  const floor: Array<{ x: number; y: number }> = [];
  for (let part = 0; part < parts; part += 1) {
    const window = points.slice(part * size, part === parts - 1 ? points.length : (part + 1) * size);
    floor.push(window.reduce((lowest, point) => (point.y < lowest.y ? point : lowest)));
  }
  return floor;
}

export async function runBrainMemoryBench(): Promise<BenchResult[]> {
  const admin = process.env.DATABASE_URL;
  if (!admin || process.platform !== 'linux')
    return [
      {
        name: 'brain RSS slope',
        value: Number.NaN,
        unit: 'MB/1000 cycles',
        notes: 'needs Linux and DATABASE_URL',
      },
    ];
  const cycles = Number(process.env.SIGNET_BENCH_BRAIN_CYCLES ?? 10_000);
  const name = `signet_bench_${randomBytes(4).toString('hex')}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const folder = scratchFolder('signet-bench-brain-');
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    [
      `dataDir: ${path.join(folder, 'state')}`,
      `feed: { sim: { seed: 42, bars: ${cycles + 200}, symbols: [ALPHA, BRAVO, CHARLIE, DELTA, ECHO, FOXTROT] } }`,
      'schedule: { barIntervalMs: 10 }',
      'ingress: { port: 0 }',
      'watchdog: { autostart: never }',
      `paths: { contextDir: ${path.join(folder, 'context')} }`,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/signet.js'), 'start'], {
    cwd: folder,
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
      SIGNET_LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  const db = new pg.Client({ connectionString: url.toString() });
  const samples: Array<{ x: number; y: number }> = [];
  let peak = 0;
  try {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await db.connect();
    let done = 0;
    const started = Date.now();
    while (done < cycles && child.exitCode === null && Date.now() - started < 3_600_000) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const found = await db
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'cycle.completed'`)
        .catch(() => ({ rows: [{ n: done }] }));
      done = found.rows[0]?.n ?? done;
      const rss = rssMb(child.pid!);
      if (rss === undefined) break;
      peak = Math.max(peak, rss);
      samples.push({ x: done, y: rss });
    }
    const settled = samples.filter((sample) => sample.x >= cycles * 0.1);
    const perThousand = settled.length >= 2 ? slope(settled) * 1000 : Number.NaN;
    const floor = floorPoints(settled, 10);
    const floorPerThousand = floor.length >= 2 ? slope(floor) * 1000 : Number.NaN;
    return [
      {
        name: 'brain RSS slope over sim cycles',
        value: Number(perThousand.toFixed(2)),
        unit: 'MB/1000 cycles',
        target: '≤ 1',
        notes: `${done} cycles of 6 symbols, ${samples.length} samples; RSS ${samples[0]?.y.toFixed(0)} → ${samples.at(-1)?.y.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`,
      },
      {
        name: 'brain RSS floor slope over sim cycles',
        value: Number(floorPerThousand.toFixed(2)),
        unit: 'MB/1000 cycles',
        notes: `the same samples, the lowest of each tenth of the run: what stays after collections (the slope above follows where they fall); floor ${floor[0]?.y.toFixed(0)} → ${floor.at(-1)?.y.toFixed(0)} MB`,
      },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await db.end().catch(() => {});
    await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await adminClient.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runBrainMemoryBench());
}
