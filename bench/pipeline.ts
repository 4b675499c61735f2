import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AgentRuntime, defaultStrategistRules } from '../src/agents/index.ts';
import { PaperBroker } from '../src/broker/index.ts';
import { Bus } from '../src/bus/index.ts';
import { llmSectionSchema, loadConfig } from '../src/config/index.ts';
import { writeJournalEntry } from '../src/journal/index.ts';
import { LlmRouter, type Route, type RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { type BarSeries, generateSimSeries } from '../src/market/index.ts';
import { type CycleDeps, defaultRiskLimits, runDecisionCycle } from '../src/pipeline/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { createStrategy } from '../src/strategies/index.ts';
import { type BenchResult, percentile } from './types.ts';

function answerFor(request: RouteRequest): string {
  const skill = /## Persona \(([a-z0-9-]+) /.exec(request.system)?.[1];
  const prompt = request.messages[0]!.content;
  const symbol = /^Symbol: (\w+)/m.exec(prompt)?.[1] ?? 'X';
  const last = Number(/"last": ([\d.]+)/.exec(prompt)?.[1] ?? 100);
  switch (skill) {
    case 'regime':
      return JSON.stringify({ regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'bench' });
    case 'strategist':
      return JSON.stringify({
        decision: 'trade',
        symbol,
        side: 'buy',
        entryType: 'market',
        entryPrice: last,
        stopPrice: Number((last * 0.96).toFixed(2)),
        targetPrice: Number((last * 1.08).toFixed(2)),
        horizonBars: 5,
        rationale: 'bench',
        confidence: 0.5,
        // The strategist's output schema requires the facts it relies on (checked by the fact-checker).
        facts: [{ name: 'last', value: last }],
      });
    default:
      return JSON.stringify({ verdict: 'sign', reasons: ['bench'] });
  }
}

function benchRoute(delayMs: number): Route {
  return {
    name: 'bench',
    kind: 'openai-compatible',
    model: 'bench-model',
    billing: 'local',
    timeoutMs: 60_000,
    async complete(request) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return {
        text: answerFor(request),
        usage: { inputTokens: 10, outputTokens: 10, cachedTokens: 0, cacheWriteTokens: 0 },
        model: 'bench-model',
      };
    },
  };
}

async function deps(
  store: Store,
  bus: Bus,
  universe: BarSeries[],
  delayMs: number,
  journalRoot: string,
): Promise<CycleDeps> {
  const logger = silentLogger();
  const now = universe[0]!.time[universe[0]!.length - 1]!;
  const clock = { now: () => now };
  const runtime: AgentRuntime = {
    skills: await SkillRegistry.load({ dir: shippedSkillsDir(), logger }),
    llm: new LlmRouter({ section: llmSectionSchema.parse({}), store, logger, routes: [benchRoute(delayMs)] }),
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
  };
  return {
    runtime,
    publish: (input, options) => bus.publish(input, options),
    transaction: (work) => store.transaction(work),
    // A fresh broker per cycle would hide nothing: positions never block (one cycle per symbol set).
    broker: new PaperBroker({ cash: 1e12, clock }),
    brokerName: 'paper',
    portfolio: async () => ({
      equity: 1e9,
      cash: 1e9,
      dayStartEquity: 1e9,
      positions: [],
      symbolPnlToday: {},
    }),
    haltLevel: async () => 0,
    freshQuote: async (symbol) => {
      const series = universe.find((each) => each.symbol === symbol)!;
      return { t: new Date(now).toISOString(), last: series.close[series.length - 1]!, bid: null, ask: null };
    },
    journal: async (entry) => {
      await writeJournalEntry(entry, { db: store, root: journalRoot });
    },
    clock,
    settings: {
      limits: { ...defaultRiskLimits, maxCorrelation: 1 },
      rules: defaultStrategistRules,
      timeframe: '1d',
      topK: universe.length,
      parallelism: 1,
      signerTimeoutMs: 60_000,
      maxDataAgeSeconds: 86_400 * 30,
      factTolerancePct: 0.1,
      commissionRate: 0,
    },
    fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
  };
}

/**
 * Cycle overhead per candidate with instant scripted answers (everything but LLM time: agents,
 * router bookkeeping, bus messages, journal files, order writes), and cycle latency with a fake
 * LLM answering in 200 ms, against the critical path regime + strategist + one signer.
 */
export async function runPipelineBench(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'signet-bench-pipeline-'));
  chmodSync(dataDir, 0o755); // the postgres user must walk into it when we run as root
  const config = loadConfig({ overrides: { dataDir }, file: '/dev/null' });
  const logger = silentLogger();
  const store = await openStore({ config, logger });
  const bus = new Bus({ store, logger });
  try {
    const symbols = ['B1', 'B2', 'B3', 'B4', 'B5'];
    const universe = symbols.map((symbol) => generateSimSeries({ seed: 3, bars: 120, symbols }, symbol));
    const perCandidate: number[] = [];
    for (let round = 0; round < 42; round += 1) {
      // Each round's deps get a new broker and router state; ids differ by cycle id.
      const instant = await deps(store, bus, universe, 0, path.join(dataDir, 'journal'));
      const started = performance.now();
      const report = await runDecisionCycle(instant, `bench-overhead-${round}`, universe);
      const elapsed = performance.now() - started;
      instant.runtime.skills.close();
      if (round >= 2) perCandidate.push(elapsed / report.candidates.length); // two warm-up rounds
    }
    perCandidate.sort((a, b) => a - b);

    const latencies: number[] = [];
    const delayMs = 200;
    for (let round = 0; round < 8; round += 1) {
      const slow = await deps(store, bus, [universe[0]!], delayMs, path.join(dataDir, 'journal'));
      const started = performance.now();
      await runDecisionCycle(slow, `bench-latency-${round}`, [universe[0]!]);
      latencies.push(performance.now() - started);
      slow.runtime.skills.close();
    }
    latencies.sort((a, b) => a - b);
    const criticalPath = 3 * delayMs;
    const median = percentile(latencies, 0.5);
    return [
      {
        name: 'cycle overhead per candidate p50',
        value: Number(percentile(perCandidate, 0.5).toFixed(2)),
        unit: 'ms',
      },
      {
        name: 'cycle overhead per candidate p99',
        value: Number(percentile(perCandidate, 0.99).toFixed(2)),
        unit: 'ms',
        target: '≤ 5',
      },
      {
        name: 'cycle latency, LLM 200 ms (median)',
        value: Number(median.toFixed(1)),
        unit: 'ms',
        notes: `critical path ${criticalPath} ms; 5 calls in sequence would be ${5 * delayMs} ms`,
      },
      {
        name: 'cycle latency / critical path',
        value: Number((median / criticalPath).toFixed(3)),
        unit: '×',
        target: '≤ 1.15',
      },
    ];
  } finally {
    await bus.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runPipelineBench());
}
