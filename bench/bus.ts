import { pathToFileURL } from 'node:url';
import { Bus, type MessageInput, topicCatalog } from '../src/bus/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { openStore } from '../src/store/index.ts';
import { scratchFolder } from './scratch.ts';
import { type BenchResult, percentile } from './types.ts';

function message(index: number, sentAt = 0): MessageInput {
  return {
    fromAgent: 'bench',
    toAgent: 'any',
    topic: 'bench.tick',
    cycleId: `cycle-${index % 100}`,
    payload: { index, sentAt, symbol: 'ORCL', price: 12.34 },
  };
}

async function throughput(bus: Bus, publishers: number, total: number): Promise<number> {
  const perPublisher = Math.ceil(total / publishers);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: publishers }, async (_, worker) => {
      for (let index = 0; index < perPublisher; index += 1)
        await bus.publish(message(worker * perPublisher + index));
    }),
  );
  return (perPublisher * publishers) / ((performance.now() - started) / 1000);
}

/** Durable publish throughput and publish→handler latency on the embedded database (or DATABASE_URL). */
export async function runBusBench(): Promise<BenchResult[]> {
  const dataDir = scratchFolder('signet-bench-bus-');
  const config = loadConfig({ overrides: { dataDir }, file: '/dev/null' });
  const logger = silentLogger();
  const store = await openStore({
    config: { ...config, database: { ...config.database, poolSize: 12 } },
    logger,
  });
  // The benchmark's own topics, beside the catalog's (their payloads are not checked).
  const catalog = topicCatalog.extend(['bench.tick', 'bench.latency']);
  const bus = new Bus({ store, logger, settings: { pollIntervalMs: 1_000 }, catalog });
  try {
    await throughput(bus, 8, 1_000); // warm-up: connections, plans, caches
    const latencies: number[] = [];
    let expected = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    await bus.subscribe(`bench-latency-${process.pid}`, ['bench.latency'], (each) => {
      const sentAt = (each.payload as { sentAt: number }).sentAt;
      latencies.push(performance.now() - sentAt);
      if (latencies.length === expected) resolveDone();
    });
    expected = 2_000;
    // Paced at ~1,000 msg/s so the figure is latency, not queueing behind a flood.
    for (let index = 0; index < expected; index += 1) {
      await bus.publish({ ...message(index, performance.now()), topic: 'bench.latency' });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await done;
    const single = await throughput(bus, 1, 3_000);
    const eight = await throughput(bus, 8, 20_000);
    latencies.sort((a, b) => a - b);
    return [
      { name: 'bus publish, 1 publisher', value: Math.round(single), unit: 'msg/s' },
      { name: 'bus publish, 8 publishers', value: Math.round(eight), unit: 'msg/s', target: '≥ 5000' },
      { name: 'bus publish→handler p50', value: Number(percentile(latencies, 0.5).toFixed(2)), unit: 'ms' },
      {
        name: 'bus publish→handler p99',
        value: Number(percentile(latencies, 0.99).toFixed(2)),
        unit: 'ms',
        target: '≤ 10',
      },
    ];
  } finally {
    await bus.stop();
    await store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runBusBench();
  console.table(results);
}
