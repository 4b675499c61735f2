import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Broker } from '../src/broker/index.ts';
import type { Config } from '../src/config/index.ts';
import { beat } from '../src/heartbeats/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { createStoreFromUrl, migrate, startEmbeddedPostgres } from '../src/store/index.ts';
import { createAlpacaBroker } from '../src/venues/alpaca/broker/index.ts';
import { logNotifier, Pager, Watchdog, type WatchdogCheck } from '../src/watchdog/index.ts';
import { alpacaFakeConfig } from '../test/fakes/alpaca/config.ts';
import { startAlpacaFake } from '../test/fakes/alpaca/server.ts';
import { TcpProxy } from '../test/support/tcp-proxy.ts';
import { scratchFolder } from './scratch.ts';
import { type BenchResult, percentile } from './types.ts';

const logger = silentLogger();
const checkIntervalMs = 100;
const brainHeartbeatMs = 200;

interface Timing {
  detectedMs: number;
  flatMs: number | null;
}

/**
 * Detection time and time-to-flat of each watchdog fault, median of 5 runs: the watchdog runs its
 * real loop (every 100 ms) against real PostgreSQL and the Alpaca fake, and the clock starts at
 * the moment the fault is injected.
 */
export async function runWatchdogBench(runs = 5): Promise<BenchResult[]> {
  const dataDir = scratchFolder('signet-bench-watchdog-');
  const fake = await startAlpacaFake();
  const base = alpacaFakeConfig(fake, ['AAA']);
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dir: path.join(dataDir, 'pg'),
        preferredPort: 56301,
        logger,
        ephemeral: true,
      });
  const adminUrl = process.env.DATABASE_URL ?? embedded!.url;
  const results: BenchResult[] = [];
  try {
    const scenarios: Array<{ name: string; flattens: boolean; run: (env: Env) => Promise<void> }> = [
      { name: 'brain killed (heartbeat stops)', flattens: true, run: async () => {} },
      { name: 'drawdown beyond the cap', flattens: true, run: async () => fake.control.setPrice('AAA', 40) },
      { name: 'stop cancelled at the broker (re-attach)', flattens: false, run: async () => cancelStops() },
      { name: 'scheduled job stops running', flattens: false, run: async () => {} },
      { name: 'database stopped', flattens: true, run: async (env) => env.proxy.cut() },
    ];
    function cancelStops(): void {
      for (const order of fake.control.book.topLevel())
        for (const leg of order.legs ?? []) if (leg.type === 'stop') fake.control.book.cancel(leg);
    }
    for (const scenario of scenarios) {
      const timings: Timing[] = [];
      for (let run = 0; run < runs; run += 1) timings.push(await once(scenario, adminUrl, base, fake));
      const detected = timings.map((each) => each.detectedMs).sort((a, b) => a - b);
      results.push({
        name: `${scenario.name}: detection (median of ${runs})`,
        value: Math.round(percentile(detected, 0.5)),
        unit: 'ms',
      });
      if (scenario.flattens) {
        const flat = timings.map((each) => each.flatMs ?? Number.NaN).sort((a, b) => a - b);
        results.push({
          name: `${scenario.name}: time to flat (median of ${runs})`,
          value: Math.round(percentile(flat, 0.5)),
          unit: 'ms',
        });
      }
    }
  } finally {
    await fake.close();
    await embedded?.stop();
  }
  return results;
}

interface Env {
  proxy: TcpProxy;
}

async function once(
  scenario: { name: string; flattens: boolean; run: (env: Env) => Promise<void> },
  adminUrl: string,
  base: Config,
  fake: Awaited<ReturnType<typeof startAlpacaFake>>,
): Promise<Timing> {
  const name = `signet_wd_${Math.random().toString(36).slice(2, 10)}`;
  const creator = new pg.Client({ connectionString: adminUrl });
  await creator.connect();
  await creator.query(`CREATE DATABASE ${name}`);
  await creator.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const proxy = TcpProxy.forDatabase(dbUrl.toString());
  await proxy.start();
  const viaProxy = proxy.databaseUrl(dbUrl.toString());
  const direct = createStoreFromUrl(dbUrl.toString(), { poolSize: 2, connectTimeoutMs: 1_000, logger });
  await migrate(direct, logger);
  const store = createStoreFromUrl(viaProxy, { poolSize: 3, connectTimeoutMs: 200, logger });
  const folder = scratchFolder('signet-bench-wd-');
  const config: Config = {
    ...base,
    dataPath: folder,
    paths: { ...base.paths, contextDir: path.join(folder, 'context') },
    watchdog: {
      ...base.watchdog,
      checkIntervalMs,
      brainHeartbeatMs,
      databaseUnreachableMs: 500,
      maxDrawdownPct: 0.001,
    },
  };
  fake.control.book.closeAll();
  fake.control.setPrice('AAA', 50);
  const broker: Broker = createAlpacaBroker(config, { logger, liveConfirmed: false });
  await broker.submit({
    clientOrderId: `bench-${name}`,
    symbol: 'AAA',
    side: 'buy',
    type: 'market',
    qty: 100,
    leg: 'entry',
    bracket: { stopLoss: 45, takeProfit: 60 },
  });
  // The brain and a job beat until the fault; the brain and job scenarios stop theirs at injection.
  const brainBeats = setInterval(() => void beat(direct, 'brain', 'process', brainHeartbeatMs), 50);
  await beat(direct, 'brain', 'process', brainHeartbeatMs);
  const jobBeats = setInterval(() => void beat(direct, 'job:monitor', 'job', 150), 50);
  await beat(direct, 'job:monitor', 'job', 150);
  const pager = new Pager([logNotifier(logger)], logger, 1_000);
  const watchdog = new Watchdog({
    config,
    store,
    broker,
    pager,
    logger,
    haltFile: path.join(folder, 'halt.json'),
  });
  let injectedAt = 0;
  let detectedAt = 0;
  let flatAt = 0;
  const done = new Promise<void>((resolve) => {
    watchdog.onCheck((check: WatchdogCheck) => {
      if (!injectedAt) return;
      const relevant = check.failing.some((each) => each.name.includes(scenarioKey(scenario.name)));
      if (!detectedAt && relevant) detectedAt = Date.now();
      if (detectedAt && !scenario.flattens) resolve();
      if (detectedAt && scenario.flattens && check.flattened && !flatAt) {
        flatAt = Date.now();
        resolve();
      }
    });
  });
  watchdog.start();
  await new Promise((resolve) => setTimeout(resolve, 400)); // the watchdog leads and sees a calm state
  injectedAt = Date.now();
  if (scenario.name.startsWith('brain')) clearInterval(brainBeats);
  if (scenario.name.startsWith('scheduled')) clearInterval(jobBeats);
  await scenario.run({ proxy });
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  clearInterval(brainBeats);
  clearInterval(jobBeats);
  await watchdog.stop();
  await store.close().catch(() => {});
  await direct.close();
  await proxy.stop();
  const dropper = new pg.Client({ connectionString: adminUrl });
  await dropper.connect();
  await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await dropper.end();
  return {
    detectedMs: detectedAt ? detectedAt - injectedAt : Number.NaN,
    flatMs: flatAt ? flatAt - injectedAt : null,
  };
}

function scenarioKey(name: string): string {
  if (name.startsWith('brain')) return 'heartbeat:brain';
  if (name.startsWith('drawdown')) return 'drawdown';
  if (name.startsWith('stop')) return 'every_position_has_a_stop';
  if (name.startsWith('scheduled')) return 'heartbeat:job:monitor';
  return 'database_reachable';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runWatchdogBench());
}
