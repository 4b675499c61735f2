import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noTradeAnswer } from '../src/agents/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { type FakeAnthropic, startFakeAnthropic } from './fakes/anthropic-server.ts';
import { type FakeGemini, startFakeGemini } from './fakes/gemini-server.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fakes/openai-server.ts';
import type { RecordedRequest } from './fakes/scripted-http.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { buyAboveSma20, skillOf, unscriptedDefaults } from './support/scripted-route.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * The issue-15 guarantee: with `--llm`, every agent of the full pipeline reaches the model
 * through each API route kind, against a fake that refuses what the real service refuses
 * (schema subsets, auth and version headers, model ids, token limits). A request the provider
 * would refuse opens the route and hands the cycle to the fallback, which these checks catch.
 */
const orcl = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const keys = {
  anthropic: 'sk-ant-api03-PIPELINE0000000000000000',
  openai: 'sk-proj-PIPELINE1111111111111111',
  gemini: 'AIzaSyPIPELINE22222222222222222222222',
};

/** Answers by skill, read from the persona heading the skills loader puts in the system text. */
function answer(system: string, prompt: string): string {
  const request = { system, messages: [{ role: 'user', content: prompt }] } as RouteRequest;
  const values: Record<string, unknown> = {
    ...unscriptedDefaults,
    regime: {
      regime: 'trending_up',
      bias: 'long',
      riskMultiplier: 0.8,
      rationale: 'Higher highs above the 50-day average.',
    },
    strategist: buyAboveSma20(request),
    'fact-checker': { verdict: 'sign', reasons: ['The figures match the bars.'] },
    'double-checker': { verdict: 'sign', reasons: ['An independent view agrees.'] },
    reflection: { reflection: 'The trade followed the plan.' },
  };
  const skill = skillOf(request);
  return JSON.stringify(
    skill in values ? values[skill] : noTradeAnswer('ORCL', `no script for ${skill}`, 0.1),
  );
}

type Texts = { system: string; prompt: string };
const lastText = (items: Array<{ content?: unknown }>) => {
  const content = items.at(-1)?.content;
  return typeof content === 'string' ? content : '';
};
const fromAnthropic = (request: RecordedRequest): Texts => {
  const body = request.body as { system: Array<{ text: string }>; messages: Array<{ content?: unknown }> };
  return { system: body.system.map((block) => block.text).join(''), prompt: lastText(body.messages) };
};
const fromOpenAi = (request: RecordedRequest): Texts => {
  const body = request.body as { messages: Array<{ role: string; content?: unknown }> };
  const system = body.messages.find((message) => message.role === 'system' || message.role === 'developer');
  return {
    system: typeof system?.content === 'string' ? system.content : '',
    prompt: lastText(body.messages.filter((message) => message.role === 'user')),
  };
};
const fromGemini = (request: RecordedRequest): Texts => {
  const body = request.body as {
    systemInstruction: { parts: Array<{ text: string }> };
    contents: Array<{ parts: Array<{ text: string }> }>;
  };
  return {
    system: body.systemInstruction.parts.map((part) => part.text).join(''),
    prompt:
      body.contents
        .at(-1)
        ?.parts.map((part) => part.text)
        .join('') ?? '',
  };
};

let db: TestDatabase;
let anthropic: FakeAnthropic;
let openai: FakeOpenAi;
let local: FakeOpenAi;
let gemini: FakeGemini;
beforeAll(async () => {
  db = await createTestDatabase();
  anthropic = await startFakeAnthropic({ apiKey: keys.anthropic });
  openai = await startFakeOpenAi({ apiKey: keys.openai });
  local = await startFakeOpenAi({ dialect: 'compatible' });
  gemini = await startFakeGemini({ apiKey: keys.gemini });
  const text = (read: (request: RecordedRequest) => Texts) => (request: RecordedRequest) => {
    const { system, prompt } = read(request);
    return { kind: 'success' as const, text: answer(system, prompt) };
  };
  anthropic.setResponder(text(fromAnthropic));
  openai.setResponder(text(fromOpenAi));
  local.setResponder(text(fromOpenAi));
  gemini.setResponder(text(fromGemini));
});
afterAll(async () => {
  await Promise.all([anthropic?.close(), openai?.close(), local?.close(), gemini?.close()]);
  await db?.drop();
});

const cases = [
  {
    kind: 'anthropic',
    route: () => ({
      name: 'claude-api',
      kind: 'anthropic',
      model: 'claude-sonnet-5-5',
      baseUrl: anthropic.baseUrl,
    }),
    env: { ANTHROPIC_API_KEY: keys.anthropic },
    fake: () => anthropic,
    caches: true,
  },
  {
    kind: 'openai',
    route: () => ({ name: 'gpt-api', kind: 'openai', model: 'gpt-6.1-sol', baseUrl: `${openai.baseUrl}/v1` }),
    env: { OPENAI_API_KEY: keys.openai },
    fake: () => openai,
    caches: false,
  },
  {
    kind: 'openai-compatible',
    route: () => ({
      name: 'ollama',
      kind: 'openai-compatible',
      preset: 'ollama',
      model: 'qwen3:8b',
      baseUrl: `${local.baseUrl}/v1`,
    }),
    env: {},
    fake: () => local,
    caches: false,
  },
  {
    kind: 'gemini',
    route: () => ({ name: 'gemini-api', kind: 'gemini', model: 'gemini-3.5-flash', baseUrl: gemini.baseUrl }),
    env: { GEMINI_API_KEY: keys.gemini },
    fake: () => gemini,
    caches: true,
  },
] as const;

function journalFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else found.push(readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return found;
}

describe('signet backtest --pipeline full --llm reaches the model through every API route kind', () => {
  it.each(cases)('$kind: every agent answered by the route, ledger rows ok, no fallback', async (each) => {
    const folder = walkableTempDir(path.join(tmpdir(), `signet-bt-llm-${each.kind}-`));
    // About the route kinds, not contamination: the 2014 bars count as after the models' cutoff.
    const route = { ...each.route(), timeoutMs: 20_000, maxOutputTokens: 1_024, trainingCutoff: '2013-12' };
    writeFileSync(
      path.join(folder, 'signet.yaml'),
      `dataDir: ${path.join(folder, 'state')}\nllm:\n  routes:\n    - ${JSON.stringify(route)}\n`,
    );
    const fake = each.fake();
    const before = fake.requests.length;
    const runId = `btllm-${each.kind}`;
    const result = await runCli(
      [
        ...['backtest', '--pipeline', 'full', '--llm', '--data', orcl, '--symbols', 'ORCL'],
        ...['--from', '2014-07-01', '--to', '2014-11-30', '--warmup', '60', '--run-id', runId, '--json'],
      ],
      {
        env: {
          DATABASE_URL: db.url,
          SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
          SIGNET_LOG_LEVEL: 'error',
          ...each.env,
        },
        cwd: folder,
        timeoutMs: 240_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      pipeline: { cycles: number; outcomes: Record<string, number> };
    };
    expect(report.pipeline.cycles).toBeGreaterThan(20);
    expect(report.pipeline.outcomes.error ?? 0).toBe(0);

    // The ledger: one row per call, every one answered by this route.
    const ledger = await db.store.query<{ skill: string; outcome: string; route: string; n: number }>(
      `SELECT skill, outcome, route, count(*)::int AS n FROM llm_cost_ledger
        WHERE cycle_id LIKE $1 GROUP BY skill, outcome, route ORDER BY skill`,
      [`${runId}/%`],
    );
    expect(
      ledger.rows.every((row) => row.outcome === 'ok' && row.route === route.name),
      JSON.stringify(ledger.rows),
    ).toBe(true);
    const skills = new Set(ledger.rows.map((row) => row.skill));
    for (const skill of ['regime', 'strategist', 'fact-checker', 'double-checker'])
      expect(skills).toContain(skill);
    const calls = ledger.rows.reduce((sum, row) => sum + row.n, 0);
    expect(fake.requests.length - before).toBe(calls);
    // Prompt caching keeps working through the SDK: the stable system prefix is read from the
    // cache after its first use, and the ledger counts those tokens.
    if (each.caches) {
      const cached = await db.store.query<{ n: number }>(
        `SELECT COALESCE(SUM(cached_tokens), 0)::int AS n FROM llm_cost_ledger WHERE cycle_id LIKE $1`,
        [`${runId}/%`],
      );
      expect(cached.rows[0]!.n).toBeGreaterThan(calls * 1_000);
    }

    // The journal: decided by the model, never by a fallback.
    const journal = await db.store.query<{ decided_by: string; n: number }>(
      `SELECT decided_by, count(*)::int AS n FROM agent_journal WHERE cycle_id LIKE $1 GROUP BY decided_by`,
      [`${runId}/%`],
    );
    const byDecider = Object.fromEntries(journal.rows.map((row) => [row.decided_by, row.n]));
    expect(byDecider.fallback ?? 0).toBe(0);
    expect(byDecider.llm).toBeGreaterThan(0);
    const texts = journalFiles(path.join(folder, 'state', 'backtests', runId, 'journal'));
    expect(texts.some((text) => text.includes('deterministic fallback'))).toBe(false);

    // The bus: every agent outcome names this route; zero fallback decisions.
    const deciders = await db.store.query<{ decided_by: string; route: string | null; n: number }>(
      `SELECT payload->>'decidedBy' AS decided_by, payload->>'route' AS route, count(*)::int AS n
         FROM agent_messages WHERE cycle_id LIKE $1 AND payload ? 'decidedBy' AND payload ? 'route'
        GROUP BY 1, 2`,
      [`${runId}/%`],
    );
    expect(deciders.rows.length, JSON.stringify(deciders.rows)).toBeGreaterThan(0);
    expect(
      deciders.rows.every((row) => row.decided_by === 'llm' && row.route === route.name),
      JSON.stringify(deciders.rows),
    ).toBe(true);
  });
});
