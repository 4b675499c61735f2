import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AgentRuntime } from '../src/agents/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { LlmRouter, type RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { SimSession } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import type { Queryable, Store } from '../src/store/index.ts';
import type { TestDatabase } from './support/database.ts';
import { buyAboveSma20, type ScriptedAnswer, scriptedRoute } from './support/scripted-route.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

export const logger = silentLogger();

/** The Double-Checker vetoes every BBB trade, signs the rest. */
export function doubleCheckerAnswer(request: RouteRequest): unknown {
  const symbol = /^Symbol: (\w+)/m.exec(request.messages[0]!.content)?.[1];
  return symbol === 'BBB'
    ? { verdict: 'veto', reasons: [`${symbol} looks extended after a 12.5% run`] }
    : { verdict: 'sign', reasons: ['independent view agrees'] };
}

export const baseAnswers: Record<string, ScriptedAnswer> = {
  regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 0.8, rationale: 'scripted stance' },
  strategist: buyAboveSma20,
  'fact-checker': { verdict: 'sign', reasons: ['fresh data, figures match'] },
  'double-checker': doubleCheckerAnswer,
  reflection: { reflection: 'Scripted reflection: the plan held; the outcome was variance.' },
};

export interface SimRun {
  config: Config;
  contextDir: string;
  agents: AgentRuntime;
  close(): void;
}

export const sim = { seed: 7, symbols: ['AAA', 'BBB', 'CCC'], bars: 100, start: '2015-01-02' };

/** A seeded sim session on the paper broker, with scripted LLM answers, run for `steps` bars. */
export async function runSim(
  db: TestDatabase,
  steps: number,
  answers: Record<string, ScriptedAnswer> = baseAnswers,
): Promise<SimRun> {
  const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-optimizer-'));
  const base = loadConfig({ env: {}, file: '/dev/null' });
  const config: Config = {
    ...base,
    feed: { ...base.feed, sim: { ...base.feed.sim, ...sim, warmupBars: 60 } },
    pipeline: { ...base.pipeline, parallelism: 1, topK: 3 },
    paths: { ...base.paths, contextDir },
  };
  const bus = new Bus({ store: db.store, logger });
  const router = new LlmRouter({
    section: config.llm,
    store: db.store,
    logger,
    routes: [scriptedRoute({ answers })],
  });
  const skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
  const agents: AgentRuntime = {
    skills,
    llm: router,
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
  };
  const { session } = await SimSession.open({ config, store: db.store, bus, logger, agents, runId: 'opt' });
  for (let step = 0; step < steps; step += 1) await session.step();
  await bus.stop();
  return { config, contextDir, agents, close: () => skills.close() };
}

/** Every SQL text the optimizer sends through this store, transactions included. */
export function recordingStore(store: Store): { store: Store; statements: string[] } {
  const statements: string[] = [];
  const wrap = (queryable: Queryable): Queryable => ({
    query: (text, values) => {
      statements.push(text);
      return queryable.query(text, values);
    },
  });
  const recorded = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'query') return wrap(target).query;
      if (property === 'transaction')
        return <T>(work: (tx: Queryable) => Promise<T>) => target.transaction((tx) => work(wrap(tx)));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: recorded, statements };
}

/** Hash of every file under a folder (sorted), for "nothing changed" checks. */
export function folderHash(folder: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(`${path.relative(folder, full)}\0`).update(readFileSync(full));
    }
  };
  walk(folder);
  return hash.digest('hex');
}

export function filesUnder(folder: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else found.set(path.relative(folder, full), readFileSync(full, 'utf8'));
    }
  };
  walk(folder);
  return found;
}
