import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRuntime } from '../src/agents/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, llmSectionSchema, loadConfig } from '../src/config/index.ts';
import { LlmRouter, type RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { SimSession } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fakes/openai-server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { skillOf, buyAboveSma20 as strategistAnswer, unscriptedDefaults } from './support/scripted-route.ts';
import { walkableTempDir } from './support/temp.ts';

const logger = silentLogger();
const databases: TestDatabase[] = [];
let llmFake: FakeOpenAi;
beforeAll(async () => {
  llmFake = await startFakeOpenAi({ dialect: 'compatible' });
  // Calls arrive in no fixed order (the signers run in parallel): answer by the skill asked.
  llmFake.setResponder((request) => {
    const body = request.body as { messages: Array<{ role: string; content: string }> };
    const system = body.messages.find((message) => message.role === 'system')?.content ?? '';
    const user = body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    const skill = skillOf({ system } as RouteRequest);
    const answer = answers[skill as keyof typeof answers];
    const value =
      typeof answer === 'function'
        ? answer({ system, messages: [{ role: 'user', content: user }] } as RouteRequest)
        : answer;
    return { kind: 'success', text: JSON.stringify(value) };
  });
});
afterAll(async () => {
  await llmFake.close();
  await Promise.all(databases.map((db) => db.drop()));
});

const answers = {
  ...unscriptedDefaults,
  regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 0.8, rationale: 'scripted stance' },
  strategist: strategistAnswer,
  'fact-checker': { verdict: 'sign', reasons: ['fresh data, figures match'] },
  'double-checker': { verdict: 'sign', reasons: ['independent view agrees'] },
};

interface RunResult {
  db: TestDatabase;
  journal: Map<string, string>;
  messages: unknown[];
  orders: unknown[];
  fills: unknown[];
  routeCalls: number;
}

function files(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else found.set(path.relative(root, full), readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(root, 'journal'));
  return found;
}

async function run(
  mode: 'record' | 'replay',
  seedCalls: RunResult | undefined,
  steps: number,
): Promise<RunResult> {
  const db = await createTestDatabase();
  databases.push(db);
  if (seedCalls) {
    // Carry the recording over, as an operator would ship a recorded run to another machine.
    const calls = await seedCalls.db.store.query(
      'SELECT request_hash, skill, skill_version, route, model, request, response, raw_text FROM llm_calls',
    );
    for (const row of calls.rows) {
      await db.store.query(
        'INSERT INTO llm_calls (request_hash, skill, skill_version, route, model, request, response, raw_text) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
        [
          row.request_hash,
          row.skill,
          row.skill_version,
          row.route,
          row.model,
          JSON.stringify(row.request),
          JSON.stringify(row.response),
          row.raw_text,
        ],
      );
    }
  }
  const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-e2e-'));
  const base = loadConfig({ env: {}, file: '/dev/null' });
  const config: Config = {
    ...base,
    feed: {
      ...base.feed,
      sim: { ...base.feed.sim, seed: 7, symbols: ['AAA', 'BBB', 'CCC'], bars: 100, warmupBars: 60 },
    },
    pipeline: { ...base.pipeline, parallelism: 1, topK: 3 },
    paths: { ...base.paths, contextDir },
    // The production openai-compatible route, over HTTP, against the protocol fake.
    llm: llmSectionSchema.parse({
      mode,
      routes: [
        { name: 'local', kind: 'openai-compatible', model: 'fake-model', baseUrl: `${llmFake.baseUrl}/v1` },
      ],
    }),
  };
  const bus = new Bus({ store: db.store, logger });
  const before = llmFake.requests.length;
  const router = new LlmRouter({ section: config.llm, store: db.store, logger });
  const skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
  const agents: AgentRuntime = {
    skills,
    llm: router,
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
  };
  const { session } = await SimSession.open({ config, store: db.store, bus, logger, agents, runId: 'e2e' });
  for (let step = 0; step < steps; step += 1) await session.step();
  skills.close();
  await bus.stop();
  const messages = (
    await db.store.query(
      'SELECT id, ts, from_agent, to_agent, topic, cycle_id, causation_id, payload, signatures FROM agent_messages ORDER BY id',
    )
  ).rows;
  const orders = (
    await db.store.query(
      'SELECT client_order_id, parent_client_order_id, leg, symbol, side, type, qty, stop_price, status, filled_qty, avg_fill_price, cycle_id FROM orders ORDER BY client_order_id',
    )
  ).rows;
  const fills = (
    await db.store.query(
      'SELECT client_order_id, symbol, side, qty, price, commission, ts FROM fills ORDER BY client_order_id, ts',
    )
  ).rows;
  return {
    db,
    journal: files(contextDir),
    messages,
    orders,
    fills,
    routeCalls: llmFake.requests.length - before,
  };
}

describe('pipeline end to end (sim feed, paper broker, scripted answers from the OpenAI-compatible fake over HTTP)', () => {
  it('trades, journals and logs deterministically; a replay repeats it byte for byte without calling a model', async () => {
    const recorded = await run('record', undefined, 12);
    expect(recorded.routeCalls).toBeGreaterThan(0);
    expect(recorded.orders.length).toBeGreaterThan(0);
    expect(recorded.fills.length).toBeGreaterThan(0);
    expect([...recorded.journal.keys()].some((name) => name.endsWith('-executed.md'))).toBe(true);
    const topics = new Set(recorded.messages.map((message) => (message as { topic: string }).topic));
    for (const topic of [
      'cycle.started',
      'screen.result',
      'regime.stance',
      'strategist.proposal',
      'signatures.collected',
      'order.intent',
      'order.submitted',
      'order.filled',
    ]) {
      expect(topics).toContain(topic);
    }

    const replayed = await run('replay', recorded, 12);
    expect(replayed.routeCalls).toBe(0);
    expect(replayed.orders).toEqual(recorded.orders);
    expect(replayed.fills).toEqual(recorded.fills);
    expect(replayed.messages).toEqual(recorded.messages);
    expect([...replayed.journal.keys()]).toEqual([...recorded.journal.keys()]);
    for (const [name, text] of recorded.journal) expect(replayed.journal.get(name)).toBe(text);

    // `signet explain` tells the story of an executed order from the database alone.
    const executed = recorded.orders.find((order) => (order as { leg: string }).leg === 'entry') as {
      client_order_id: string;
    };
    const explained = await runCli(['explain', executed.client_order_id], {
      env: { DATABASE_URL: recorded.db.url, SIGNET_LOG_LEVEL: 'silent' },
    });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/signatures\.collected/);
    expect(explained.stdout).toMatch(/risk-gate: SIGN by code/);
    expect(explained.stdout).toMatch(/fact-checker: SIGN by llm/);
    expect(explained.stdout).toMatch(new RegExp(`${executed.client_order_id} entry buy`));
    expect(explained.stdout).toMatch(/filled \d+ @ [\d.]+/);
  });
});
