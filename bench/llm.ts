import { type ChildProcess, fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { loadConfig, Secret } from '../src/config/index.ts';
import { createAnthropicRoute, type LlmRequest, LlmRouter, type Route } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { openStore } from '../src/store/index.ts';
import { scratchFolder } from './scratch.ts';
import { type BenchResult, percentile } from './types.ts';

const serverDelayMs = 200;
const key = 'sk-ant-api03-bench-0000000000000000';
const decision = z.object({ action: z.enum(['BUY', 'SELL', 'HOLD']), confidence: z.number().min(0).max(1) });

const jsonSchema = z.toJSONSchema(decision) as Record<string, unknown>;
const system = `Philosophy: protect capital.\n${'Persona text. '.repeat(400)}`;

/** Sequential calls measured per figure (p99 of 300 is the 3rd worst; of 1000, the 10th). */
const clientCalls = 300;
const inProcessCalls = 1_000;

function request(index: number): LlmRequest<z.infer<typeof decision>> {
  return {
    agent: 'strategist',
    cycleId: `bench-${index}`,
    skill: { name: 'strategist', version: '1.0.0' },
    system,
    prompt: `Bars for ORCL, call ${index}: 12.1 12.3 12.2 12.6`,
    // A fresh copy per call, as buildLlmRequest makes: nothing may be cached by object identity.
    output: { schema: decision, jsonSchema: structuredClone(jsonSchema) },
  };
}

/** Wraps a route to time what happens inside it, so router overhead = total − route time. */
function timed(route: Route, inside: number[]): Route {
  return {
    ...route,
    complete: async (input) => {
      const started = performance.now();
      try {
        return await route.complete(input);
      } finally {
        inside.push(performance.now() - started);
      }
    },
  };
}

interface FakeTimings {
  arrivedAt?: number;
  sentAt?: number;
  serverMs?: number;
}

/** The fake in its own process (see fake-anthropic-process.ts), and a way to read its timings. */
async function startFakeProcess(): Promise<{
  baseUrl: string;
  timings(): Promise<FakeTimings[]>;
  stop(): Promise<void>;
}> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./fake-anthropic-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_FAKE_KEY: key, BENCH_FAKE_DELAY_MS: String(serverDelayMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(pick: (message: Record<string, unknown>) => T | undefined) =>
    new Promise<T>((resolve, reject) => {
      // Both listeners go once answered: one left per request was a listener leak warning.
      const onExit = (code: number | null) => reject(new Error(`the fake's process exited (${code})`));
      const onMessage = (message: unknown) => {
        const picked = pick(message as Record<string, unknown>);
        if (picked === undefined) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(picked);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const baseUrl = await next((message) => message.baseUrl as string | undefined);
  return {
    baseUrl,
    timings: () => {
      const answer = next((message) => message.timings as FakeTimings[] | undefined);
      child.send('timings');
      return answer;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

/** Epoch milliseconds with sub-millisecond precision, comparable with the fake's process. */
const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Router overhead against the strict fake Anthropic server answering after 200 ms, through the
 * route on the official SDK: per call (total − the server's own measured time, and total − time
 * inside the route), and calls/s at concurrency 16. Live mode writes one ledger row per call;
 * record mode also writes the answer to llm_calls.
 */
export async function runLlmBench(): Promise<BenchResult[]> {
  // Readable by the postgres user (scratch.ts): otherwise the cluster is moved to
  // /var/tmp/signet-pg, which removing the folder would leave behind.
  const dataDir = scratchFolder('signet-bench-llm-');
  const config = loadConfig({ overrides: { dataDir }, file: '/dev/null' });
  const logger = silentLogger();
  const store = await openStore({
    config: { ...config, database: { ...config.database, poolSize: 20 } },
    logger,
  });
  const server = await startFakeProcess();
  try {
    const inside: number[] = [];
    const route = timed(
      createAnthropicRoute({
        name: 'anthropic',
        model: 'claude-sonnet-5-5',
        apiKey: new Secret(key),
        baseUrl: server.baseUrl,
        timeoutMs: 10_000,
        maxOutputTokens: 512,
      }),
      inside,
    );
    const make = (mode: 'live' | 'record') =>
      new LlmRouter({
        section: { ...config.llm, mode, routes: [] },
        store,
        logger,
        routes: [route],
      });
    const live = make('live');
    // Warm-up (not measured): the SDK's import, connections to the fake and to PostgreSQL, the
    // pooled connections' first statements, the JIT.
    for (let index = 0; index < 30; index += 1) await live.call(request(-1 - index));

    const sequential = async (router: LlmRouter, calls: number, offset: number) => {
      inside.length = 0;
      await server.timings();
      const totals: number[] = [];
      const serverMs: number[] = [];
      const beforeServer: number[] = [];
      const afterServer: number[] = [];
      for (let index = 0; index < calls; index += 1) {
        const input = request(offset + index);
        const started = epochNow();
        const result = await router.call(input);
        const ended = epochNow();
        totals.push(ended - started);
        if (!result.ok) throw result.error;
        const seen = await server.timings();
        const recorded = seen[0];
        if (seen.length !== 1 || recorded?.serverMs === undefined)
          throw new Error(`the fake did not see and time exactly request ${index}`);
        beforeServer.push(recorded.arrivedAt! - started);
        afterServer.push(ended - recorded.sentAt!);
        serverMs.push(recorded.serverMs);
      }
      // The fake (its own process, same machine clock) times each request from its arrival
      // (headers parsed, handler called) to the answer handed to the socket: reading and parsing the body, its
      // checks (auth, model, the schema subset), the 200 ms delay with the timer's lateness, and
      // serializing the answer. Subtracting it leaves what the router and the SDK client add:
      // building and sending the request, loopback HTTP both ways, reading and parsing the answer.
      const overServer = totals
        .map((total, index) => Math.max(0, total - serverMs[index]!))
        .sort((a, b) => a - b);
      const overRoute = totals.map((total, index) => total - (inside[index] ?? 0)).sort((a, b) => a - b);
      const client = inside.map((time, index) => Math.max(0, time - serverMs[index]!)).sort((a, b) => a - b);
      beforeServer.sort((a, b) => a - b);
      afterServer.sort((a, b) => a - b);
      return { overServer, overRoute, client, beforeServer, afterServer };
    };
    const liveRun = await sequential(live, clientCalls, 1_000);
    // The runtime's own floor: Node's fetch posting a body of the same size to the same server
    // (its control endpoint: read the body, answer 204), with no SDK and no router around it,
    // after the same idle gap as a call (the process sleeps while the model thinks; what runs
    // after that sleep runs cold: measured hot, the same fetch looks four times faster).
    const body = JSON.stringify({ steps: [], pad: `${system}${JSON.stringify(jsonSchema)}` });
    const floor: number[] = [];
    for (let index = 0; index < 30 + clientCalls; index += 1) {
      await new Promise((resolve) => setTimeout(resolve, serverDelayMs));
      const started = performance.now();
      const answer = await fetch(`${server.baseUrl}/_control/script`, { method: 'POST', body });
      await answer.arrayBuffer();
      if (index >= 30) floor.push(performance.now() - started);
    }
    floor.sort((a, b) => a - b);
    const record = make('record');
    for (let index = 0; index < 5; index += 1) await record.call(request(-100 - index));
    const recordRun = await sequential(record, 100, 2_000);

    // The router alone: a route that answers at once, so every millisecond is the router's.
    const instant: Route = {
      name: 'instant',
      kind: 'openai-compatible',
      model: 'instant',
      billing: 'local',
      timeoutMs: 1_000,
      complete: async () => ({
        text: '{"action":"HOLD","confidence":0.55}',
        model: 'instant',
        usage: { inputTokens: 900, outputTokens: 12, cachedTokens: 0, cacheWriteTokens: 0 },
      }),
    };
    const bare = new LlmRouter({ section: { ...config.llm, routes: [] }, store, logger, routes: [instant] });
    for (let index = 0; index < 50; index += 1) await bare.call(request(-200 - index));
    const bareTimes: number[] = [];
    for (let index = 0; index < inProcessCalls; index += 1) {
      const input = request(5_000 + index);
      const started = performance.now();
      await bare.call(input);
      bareTimes.push(performance.now() - started);
    }
    await bare.settle();
    bareTimes.sort((a, b) => a - b);

    const concurrency = 16;
    const total = 320;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const index = next++;
          const result = await live.call(request(10_000 + index));
          if (!result.ok) throw result.error;
        }
      }),
    );
    const perSecond = total / ((performance.now() - started) / 1000);
    const ms = (value: number) => Number(value.toFixed(2));
    return [
      {
        name: 'llm overhead through the client p50 (total − server time)',
        value: ms(percentile(liveRun.overServer, 0.5)),
        unit: 'ms',
        notes: `live mode, ${clientCalls} sequential calls after 30 warm-up; router + @anthropic-ai/sdk + loopback HTTP to the fake in its own process`,
      },
      {
        name: 'llm overhead through the client p99 (total − server time)',
        value: ms(percentile(liveRun.overServer, 0.99)),
        unit: 'ms',
        target: '≤ 3',
      },
      {
        name: 'llm SDK client alone p50 (route time − server time)',
        value: ms(percentile(liveRun.client, 0.5)),
        unit: 'ms',
        notes: 'request building, the SDK, loopback HTTP, response parsing',
      },
      {
        name: 'llm SDK client alone p99 (route time − server time)',
        value: ms(percentile(liveRun.client, 0.99)),
        unit: 'ms',
      },
      {
        name: 'llm floor: Node fetch alone p99 (same body, same idle gap, no SDK, no router)',
        value: ms(percentile(floor, 0.99)),
        unit: 'ms',
        notes: `p50 ${ms(percentile(floor, 0.5))}: what any fetch-based client pays on this machine before our code runs`,
      },
      {
        name: 'llm client time before the server saw the request p99',
        value: ms(percentile(liveRun.beforeServer, 0.99)),
        unit: 'ms',
        notes: `p50 ${ms(percentile(liveRun.beforeServer, 0.5))}: hash, breaker, SDK request building, send`,
      },
      {
        name: 'llm client time after the server sent the answer p99',
        value: ms(percentile(liveRun.afterServer, 0.99)),
        unit: 'ms',
        notes: `p50 ${ms(percentile(liveRun.afterServer, 0.5))}: receive, SDK parsing, validation, ledger row queued`,
      },
      {
        name: 'llm router-only overhead p50 (total − route time)',
        value: ms(percentile(liveRun.overRoute, 0.5)),
        unit: 'ms',
        notes: 'hash, breaker, validation; the ledger row is written behind the answer',
      },
      {
        name: 'llm router-only overhead p99 (total − route time)',
        value: ms(percentile(liveRun.overRoute, 0.99)),
        unit: 'ms',
        target: '≤ 2',
      },
      {
        name: 'llm router overhead p50, in-process route',
        value: ms(percentile(bareTimes, 0.5)),
        unit: 'ms',
        notes: `${inProcessCalls} sequential calls after 50 warm-up; route answers at once: hash, breaker, validation, ledger row queued`,
      },
      {
        name: 'llm router overhead p99, in-process route',
        value: ms(percentile(bareTimes, 0.99)),
        unit: 'ms',
        target: '≤ 2',
      },
      {
        name: 'llm record-mode overhead p99 (total − route time)',
        value: ms(percentile(recordRun.overRoute, 0.99)),
        unit: 'ms',
        notes: 'adds the llm_calls upsert',
      },
      {
        name: 'llm calls/s at concurrency 16',
        value: Math.round(perSecond * 10) / 10,
        unit: 'calls/s',
        notes: `ceiling ${concurrency}/0.2 s = 80; load average ${loadavg()[0]!.toFixed(1)}`,
      },
    ];
  } finally {
    await server.stop();
    await store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runLlmBench();
  console.table(results);
}
