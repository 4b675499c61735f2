import path from 'node:path';
import { type AgentRuntime, defaultStrategistRules } from '../src/agents/index.ts';
import { PaperBroker } from '../src/broker/index.ts';
import type { Bus } from '../src/bus/index.ts';
import { llmSectionSchema } from '../src/config/index.ts';
import { LlmRouter } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import type { BarSeries } from '../src/market/index.ts';
import { type CycleDeps, defaultRiskLimits, haltAndPendingEntriesReader } from '../src/pipeline/index.ts';
import { journalWriter } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import type { Store } from '../src/store/index.ts';
import { createStrategy } from '../src/strategies/index.ts';
import { haltFileFor, haltLevelOrNull, haltRowRead, submissionHalt } from '../src/watchdog/index.ts';
import { benchRoute } from './bench-route.ts';

/**
 * The pipeline benchmark's cycle, wired as the sessions' kernel wires a live one
 * (runtime/trading-kernel.ts), with instant or delayed scripted LLM answers.
 */

let benchMinute = 0;

export function benchRouter(store: Store, delayMs: number, calls: string[] = []): LlmRouter {
  return new LlmRouter({
    section: llmSectionSchema.parse({}),
    store,
    logger: silentLogger(),
    routes: [benchRoute(delayMs, calls)],
  });
}

/**
 * What a live session loads once and every cycle shares (runtime/agent-runtime.ts): the skill
 * registry (hot-reloaded on a change, never per cycle) and the philosophy. A registry loaded per
 * cycle would time each cycle with new output schemas, whose compiled checks V8 has not warmed.
 */
export interface SessionParts {
  skills: SkillRegistry;
  philosophy: string;
}

export async function loadSessionParts(): Promise<SessionParts> {
  const logger = silentLogger();
  return {
    skills: await SkillRegistry.load({ dir: shippedSkillsDir(), logger }),
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
  };
}

export async function deps(
  session: SessionParts,
  store: Store,
  bus: Bus,
  universe: BarSeries[],
  delayMs: number,
  journalRoot: string,
  parallelism: number,
  calls: string[] = [],
  maxNewPositions = 5,
  router?: LlmRouter,
): Promise<CycleDeps> {
  const logger = silentLogger();
  // Each cycle a minute after the last, as live cycles come at distinct times (the journal's file
  // names carry the time: a fixed clock would make every entry a name collision).
  benchMinute += 1;
  const now = universe[0]!.time[universe[0]!.length - 1]! + benchMinute * 60_000;
  const clock = { now: () => now };
  const haltFile = haltFileFor(path.dirname(journalRoot));
  const runtime: AgentRuntime = {
    skills: session.skills,
    llm: router ?? benchRouter(store, delayMs, calls),
    philosophy: session.philosophy,
    logger,
  };
  return {
    runtime,
    publish: (input, options) => bus.publish(input, options),
    // As the sessions' kernel: ids before commits (runtime/trading-kernel.ts).
    send: (input) => bus.send(input),
    publishWithWrites: (input, writes, options) => bus.publishWithWrites(input, writes, options),
    query: (text, values) => store.query(text, values),
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
    // As the sessions' kernel (runtime/trading-kernel.ts): the halt read from its row and its file
    // at the cycle's start and by each Risk Gate, and checked again in the statement that writes
    // an order's intent (haltAtSubmission, below).
    haltLevel: () => haltLevelOrNull({ db: store, haltFile }),
    // As the sessions' kernel: the halt at submission checked in the order intent's statement.
    haltAtSubmission: submissionHalt(haltFile),
    // As the sessions' kernel: the Risk Gate's halt and pending entries in one statement.
    haltAndPendingEntries: haltAndPendingEntriesReader(
      (text, values) => store.query(text, values),
      'paper',
      haltRowRead(haltFile),
    ),
    freshQuote: async (symbol) => {
      const series = universe.find((each) => each.symbol === symbol)!;
      return { t: new Date(now).toISOString(), last: series.close[series.length - 1]!, bid: null, ask: null };
    },
    // The sessions' kernel's own: a row waits for the message it names, its file does not, and
    // the file is flushed behind.
    journal: journalWriter(store, journalRoot),
    clock,
    settings: {
      limits: { ...defaultRiskLimits, maxCorrelation: 1 },
      ceo: { maxRiskMultiplierCap: 1, maxNewPositions },
      rules: defaultStrategistRules,
      timeframe: '1d',
      topK: universe.length,
      parallelism,
      signerTimeoutMs: 60_000,
      maxDataAgeSeconds: 86_400 * 30,
      factTolerancePct: 0.1,
      commissionRate: 0,
    },
    fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
  };
}
