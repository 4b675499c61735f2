import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeAnthropic, startFakeAnthropic } from '../../test/fakes/anthropic-server.ts';
import { type ClaudeStep, createCliScript, fakeClaudePath } from '../../test/fakes/cli-script.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../../test/fakes/openai-server.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { Bus } from '../bus/index.ts';
import { type LlmRouteConfig, type LlmSection, llmSectionSchema, loadConfig } from '../config/index.ts';
import { createLogger, type Logger, silentLogger } from '../logging/index.ts';
import { LlmFailure, type LlmRequest, LlmRouter, readLlmStatus } from './index.ts';

const anthropicKey = 'sk-ant-api03-ROUTERSECRET-abcdefghijklmnop';
const openAiKey = 'sk-proj-ROUTERSECRET-qrstuvwxyz0123456';

const decision = z.object({ action: z.enum(['BUY', 'SELL', 'HOLD']), confidence: z.number().min(0).max(1) });
type Decision = z.infer<typeof decision>;
const request: LlmRequest<Decision> = {
  agent: 'strategist',
  cycleId: 'cycle-1',
  skill: { name: 'strategist', version: '1.0.0' },
  system: 'Philosophy: protect capital first.\nPersona: strategist.',
  prompt: 'AAPL closes: 190, 191, 193. Decide.',
  output: { schema: decision, jsonSchema: z.toJSONSchema(decision) as Record<string, unknown> },
};

let db: TestDatabase;
let anthropic: FakeAnthropic;
let openai: FakeOpenAi;
const claude = createCliScript<ClaudeStep>('claude', {
  kind: 'success',
  text: '{"action":"SELL","confidence":0.4}',
});
claude.use();
let clock = Date.now();
const now = () => clock;

let anthropicTimeoutMs = 20_000;

function routeConfigs(): Record<string, LlmRouteConfig> {
  // Generous deadlines: a loaded CI machine can take seconds to start a node process.
  const base = { priority: 100, timeoutMs: 20_000, maxOutputTokens: 512, enabled: true };
  return {
    anthropic: {
      ...base,
      name: 'anthropic',
      kind: 'anthropic',
      model: 'claude-sonnet-5-5',
      baseUrl: anthropic.baseUrl,
      timeoutMs: anthropicTimeoutMs,
    },
    openai: {
      ...base,
      name: 'openai',
      kind: 'openai',
      model: 'gpt-6.1-sol',
      baseUrl: `${openai.baseUrl}/v1`,
    },
    claude: {
      ...base,
      name: 'claude',
      kind: 'claude-cli',
      model: 'sonnet',
      binary: fakeClaudePath,
      passEnv: claude.passEnv,
    },
  };
}

function section(routes: string[], extra: Partial<LlmSection> = {}): LlmSection {
  const all = routeConfigs();
  return llmSectionSchema.parse({
    routes: routes.map((name) => all[name]),
    breaker: { failures: 2, cooldownMs: 1_000 },
    ...extra,
  });
}

function router(
  routes: string[],
  extra: Partial<LlmSection> = {},
  options: { logger?: Logger; keys?: { anthropic?: string; openai?: string } } = {},
): LlmRouter {
  const llm = section(routes, extra);
  // Keys come from the environment through src/config, exactly as in production.
  const config = loadConfig({
    cwd: '/nonexistent',
    env: {
      ANTHROPIC_API_KEY: options.keys?.anthropic ?? anthropicKey,
      OPENAI_API_KEY: options.keys?.openai ?? openAiKey,
    },
    overrides: { llm },
  });
  const made = new LlmRouter({
    section: config.llm,
    secrets: config.secrets.llm,
    store: db.store,
    logger: options.logger ?? silentLogger(),
    bus: new Bus({ store: db.store, logger: silentLogger() }),
    now,
  });
  routers.push(made);
  return made;
}

/** Every router a test made: their ledger rows are written behind the calls (settle() waits). */
const routers: LlmRouter[] = [];

async function ledger() {
  await Promise.all(routers.map((each) => each.settle()));
  const result = await db.store.query<{
    route: string;
    attempt: number;
    outcome: string;
    error_class: string | null;
    cost_micro_usd: number;
    cost_is_notional: boolean;
    input_tokens: number;
    agent: string;
    cycle_id: string;
  }>('SELECT * FROM llm_cost_ledger ORDER BY id');
  return result.rows;
}

async function busEvents(topic: string) {
  const result = await db.store.query<{ payload: Record<string, unknown> }>(
    'SELECT payload FROM agent_messages WHERE topic = $1 ORDER BY id',
    [topic],
  );
  return result.rows.map((row) => row.payload);
}

beforeAll(async () => {
  db = await createTestDatabase();
  anthropic = await startFakeAnthropic({
    apiKey: anthropicKey,
    defaultText: '{"action":"HOLD","confidence":0.6}',
  });
  openai = await startFakeOpenAi({ apiKey: openAiKey, defaultText: '{"action":"BUY","confidence":0.7}' });
});
afterAll(async () => {
  await Promise.all([anthropic.close(), openai.close()]);
  await db.drop();
});
beforeEach(async () => {
  clock = Date.now();
  anthropic.reset();
  openai.reset();
  claude.reset();
  anthropicTimeoutMs = 20_000;
  // The last test's ledger rows still in flight land now, not in this test's table.
  await Promise.all(routers.splice(0).map((each) => each.settle().catch(() => undefined)));
  await db.store.query('TRUNCATE llm_cost_ledger, llm_calls, llm_breakers, agent_messages');
});

describe('failover and circuit breaker', () => {
  it('opens the primary after N failures, answers from the secondary, and sends one trial after the cooldown', async () => {
    const llm = router(['anthropic', 'openai']);
    anthropic.script({ kind: 'error', status: 500 }, { kind: 'error', status: 529 });
    for (let index = 0; index < 2; index += 1) {
      const result = await llm.call(request);
      expect(result).toMatchObject({ ok: true, route: 'openai', value: { action: 'BUY' }, fromCache: false });
    }
    expect(anthropic.requests).toHaveLength(2);
    let status = await readLlmStatus(db.store, section(['anthropic', 'openai']));
    expect(status.routes[0]).toMatchObject({
      name: 'anthropic',
      state: 'open',
      consecutiveFailures: 2,
      lastErrorCode: 'llm_overloaded',
    });

    // Open: the primary is not called at all.
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'openai' });
    expect(anthropic.requests).toHaveLength(2);

    // After the cooldown exactly one trial reaches the primary; it succeeds and closes the route.
    clock += 1_001;
    const trial = await llm.call(request);
    expect(trial).toMatchObject({ ok: true, route: 'anthropic', value: { action: 'HOLD', confidence: 0.6 } });
    expect(anthropic.requests).toHaveLength(3);
    status = await readLlmStatus(db.store, section(['anthropic', 'openai']));
    expect(status.routes[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    const transitions = (await busEvents('llm.breaker')).map((event) => `${event.from}->${event.to}`);
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    const failovers = await busEvents('llm.failover');
    expect(failovers).toHaveLength(3);
    expect(failovers[2]).toMatchObject({
      agent: 'strategist',
      answeredBy: 'openai',
      passedOver: [{ route: 'anthropic', outcome: 'skipped', code: 'breaker_open' }],
    });
  });

  it('re-opens when the trial call fails, and only one concurrent call gets the trial', async () => {
    const llm = router(['anthropic', 'openai']);
    anthropic.script({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    await llm.call(request);
    await llm.call(request);
    clock += 1_001;
    anthropic.script({ kind: 'error', status: 500, delayMs: 100 });
    const results = await Promise.all([llm.call(request), llm.call(request), llm.call(request)]);
    expect(results.every((result) => result.ok && result.route === 'openai')).toBe(true);
    expect(anthropic.requests).toHaveLength(3);
    const status = await readLlmStatus(db.store, section(['anthropic', 'openai']));
    expect(status.routes[0]!.state).toBe('open');
    const transitions = (await busEvents('llm.breaker')).map((event) => `${event.from}->${event.to}`);
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->open']);
  });

  it('a restarted router keeps an open route open (state is persisted)', async () => {
    anthropic.script({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    const first = router(['anthropic', 'openai']);
    await first.call(request);
    await first.call(request);
    const second = router(['anthropic', 'openai']);
    expect(await second.call(request)).toMatchObject({ ok: true, route: 'openai' });
    expect(anthropic.requests).toHaveLength(2);
  });

  it("a challenger in shadow never moves the live agents' breaker: its failures do not open the route, it never takes the trial", async () => {
    const llm = router(['anthropic', 'openai']);
    const shadow = { ...request, agent: 'shadow:strategist/conservative' };
    // Garbage twice per call (the answer and its repair), three calls: two failures open a live route.
    const garbage = { kind: 'success' as const, text: '{"action":"MAYBE","confidence":2}' };
    anthropic.script(garbage, garbage, garbage, garbage, garbage, garbage);
    for (let index = 0; index < 3; index += 1)
      expect(await llm.call(shadow)).toMatchObject({ ok: true, route: 'openai' });
    expect(anthropic.requests).toHaveLength(6);
    expect(await busEvents('llm.breaker')).toEqual([]);
    let status = await readLlmStatus(db.store, section(['anthropic', 'openai']));
    expect(status.routes[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    // The live Strategist still gets its primary route.
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'anthropic' });

    // Opened by live failures, the route stays closed to the challenger, and after the cooldown
    // the one trial is a live call's, not the challenger's.
    anthropic.script({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    await llm.call(request);
    await llm.call(request);
    const before = anthropic.requests.length;
    expect(await llm.call(shadow)).toMatchObject({ ok: true, route: 'openai' });
    clock += 1_001;
    expect(await llm.call(shadow)).toMatchObject({ ok: true, route: 'openai' });
    expect(anthropic.requests).toHaveLength(before);
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'anthropic' });
    status = await readLlmStatus(db.store, section(['anthropic', 'openai']));
    expect(status.routes[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('honours retry-after on a 429 without opening the route', async () => {
    const llm = router(['anthropic', 'openai'], { breaker: { failures: 3, cooldownMs: 1_000 } });
    anthropic.script({ kind: 'error', status: 429, retryAfterSeconds: 30 });
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'openai' });
    clock += 10_000;
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'openai' });
    expect(anthropic.requests).toHaveLength(1);
    clock += 21_000;
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'anthropic' });
    expect(await busEvents('llm.breaker')).toEqual([]);
  });

  it('opens at once on 401 with a clear log line; 529 only counts', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    const llm = router(
      ['anthropic', 'openai'],
      { breaker: { failures: 5, cooldownMs: 60_000 } },
      { logger, keys: { anthropic: 'sk-ant-api03-WRONG-000000000000' } },
    );
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'openai' });
    const status = await readLlmStatus(db.store, section(['anthropic', 'openai']));
    expect(status.routes[0]).toMatchObject({ state: 'open', lastErrorCode: 'llm_auth' });
    expect(
      lines.some((line) => line.includes('anthropic opened at once') && line.includes('"level":50')),
    ).toBe(true);
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'openai' });
    expect(anthropic.requests).toHaveLength(1);

    await db.store.query('TRUNCATE llm_breakers');
    const other = router(['anthropic', 'openai'], { breaker: { failures: 5, cooldownMs: 60_000 } });
    anthropic.script({ kind: 'error', status: 529, retryAfterSeconds: 0 });
    expect(await other.call(request)).toMatchObject({ ok: true, route: 'openai' });
    const after = await readLlmStatus(db.store, section(['anthropic']));
    expect(after.routes[0]).toMatchObject({
      name: 'anthropic',
      state: 'closed',
      consecutiveFailures: 1,
      lastErrorCode: 'llm_overloaded',
    });
  });
  it('counts timeouts, CLI non-zero exits and CLI usage limits as failures and fails over', async () => {
    const breaker = { failures: 3, cooldownMs: 1_000 };
    claude.script({ kind: 'exit', code: 1, stderr: 'Error: boom' }, { kind: 'usage_limit' });
    anthropic.script({ kind: 'hang' });
    anthropicTimeoutMs = 300;
    const first = router(['claude', 'anthropic', 'openai'], { breaker });
    const result = await first.call(request);
    expect(result).toMatchObject({ ok: true, route: 'openai' });
    // A second router (a restarted brain: the first settled its ledger as it stopped) continues
    // from the persisted failure counts.
    await first.settle();
    anthropicTimeoutMs = 20_000;
    const llm = router(['claude', 'anthropic', 'openai'], { breaker });
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'anthropic' });
    expect((await ledger()).map((row) => [row.route, row.error_class])).toEqual([
      ['claude', 'llm_process'],
      ['anthropic', 'llm_timeout'],
      ['openai', null],
      ['claude', 'llm_usage_limit'],
      ['anthropic', null],
    ]);
    const status = await readLlmStatus(db.store, section(['claude']));
    expect(status.routes[0]).toMatchObject({ consecutiveFailures: 2, lastErrorCode: 'llm_usage_limit' });
  });
});

describe('structured answers', () => {
  it('repairs a malformed answer once on the same route, showing the model its error', async () => {
    const llm = router(['anthropic', 'openai']);
    anthropic.script(
      { kind: 'success', text: 'I think HOLD.' },
      { kind: 'success', text: '{"action":"HOLD","confidence":0.3}' },
    );
    const result = await llm.call(request);
    expect(result).toMatchObject({
      ok: true,
      route: 'anthropic',
      attempts: 2,
      value: { action: 'HOLD', confidence: 0.3 },
    });
    const repair = anthropic.requests[1]!.body as { messages: Array<{ role: string; content: string }> };
    expect(repair.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(repair.messages[1]!.content).toBe('I think HOLD.');
    expect(repair.messages[2]!.content).toContain('not valid JSON');
    expect((await ledger()).map((row) => row.outcome)).toEqual(['invalid_output', 'ok']);
  });

  it('fails the route after a failed repair and moves to the next one', async () => {
    const llm = router(['anthropic', 'openai']);
    anthropic.script(
      { kind: 'success', text: '{"action":"MAYBE","confidence":2}' },
      { kind: 'success', text: '{"action":"MAYBE","confidence":2}' },
    );
    const result = await llm.call(request);
    expect(result).toMatchObject({ ok: true, route: 'openai', attempts: 3 });
    const repair = anthropic.requests[1]!.body as { messages: Array<{ content: string }> };
    expect(repair.messages[2]!.content).toContain('action');
    const rows = await ledger();
    expect(rows.map((row) => [row.route, row.attempt, row.outcome])).toEqual([
      ['anthropic', 1, 'invalid_output'],
      ['anthropic', 2, 'invalid_output'],
      ['openai', 3, 'ok'],
    ]);
    const status = await readLlmStatus(db.store, section(['anthropic']));
    expect(status.routes[0]).toMatchObject({ consecutiveFailures: 1, lastErrorCode: 'llm_invalid_output' });
  });

  it('returns a typed failure with per-route reasons when every route fails, and ledgers every attempt', async () => {
    const llm = router(['anthropic', 'openai', 'claude']);
    anthropic.script({ kind: 'error', status: 500 });
    openai.script({ kind: 'malformed' });
    claude.script({ kind: 'usage_limit' });
    const result = await llm.call(request);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(LlmFailure);
    expect(result.error.code).toBe('llm_all_routes_failed');
    expect(result.error.reasons.map((reason) => [reason.route, reason.code])).toEqual([
      ['anthropic', 'llm_server_error'],
      ['openai', 'llm_server_error'],
      ['claude', 'llm_usage_limit'],
    ]);
    expect(result.attempts).toBe(3);
    const rows = await ledger();
    expect(rows.map((row) => [row.route, row.outcome, row.error_class])).toEqual([
      ['anthropic', 'error', 'llm_server_error'],
      ['openai', 'error', 'llm_server_error'],
      ['claude', 'error', 'llm_usage_limit'],
    ]);
    expect(rows.every((row) => row.agent === 'strategist' && row.cycle_id === 'cycle-1')).toBe(true);
  });

  it('follows a per-call route preference and names unknown routes in the failure', async () => {
    const llm = router(['anthropic', 'openai']);
    expect(await llm.call({ ...request, routes: ['openai', 'anthropic'] })).toMatchObject({
      ok: true,
      route: 'openai',
    });
    expect(anthropic.requests).toHaveLength(0);
    const result = await llm.call({ ...request, routes: ['gemini'] });
    expect(result).toMatchObject({
      ok: false,
      error: { reasons: [{ route: 'gemini', code: 'unknown_route' }] },
    });
  });

  it('reports "no LLM configured" when no route is set', async () => {
    const llm = router([]);
    expect(llm.configured).toBe(false);
    const result = await llm.call(request);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'llm_not_configured', message: 'no LLM configured' },
    });
  });
});

describe('cost ledger and budget', () => {
  it('prices paid calls from the table and records subscription calls as notional', async () => {
    const llm = router(['claude']);
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'claude', model: 'claude-sonnet-5-5' });
    // Rows are written behind the answers, in call order per router; two routers settle in turn.
    await llm.settle();
    const paid = router(['anthropic']);
    anthropic.script({
      kind: 'success',
      text: '{"action":"HOLD","confidence":0.5}',
      usage: { input_tokens: 1000, output_tokens: 100, cache_read_input_tokens: 10_000 },
    });
    await paid.call(request);
    const rows = await ledger();
    expect(rows[0]).toMatchObject({ route: 'claude', cost_micro_usd: 21_300, cost_is_notional: true });
    // 1000 × $2 + 10 000 × $0.10 + 100 × $10 per million = 4000 micro-dollars.
    expect(rows[1]).toMatchObject({
      route: 'anthropic',
      cost_micro_usd: 4_000,
      cost_is_notional: false,
      input_tokens: 11_000,
    });
  });

  it('skips paid routes once the daily budget is spent; the subscription route still answers', async () => {
    const llm = router(['anthropic', 'claude'], { budget: { dailyUsd: 0.001, shadowDailyUsd: 0 } });
    // Default fake usage: 412 in × $2 + 19 out × $10 = 1014 micro-dollars > $0.001.
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'anthropic' });
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'claude' });
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'claude' });
    expect(anthropic.requests).toHaveLength(1);
    const events = await busEvents('llm.budget');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ state: 'exhausted', dailyUsd: 0.001 });
    const status = await readLlmStatus(
      db.store,
      section(['anthropic', 'claude'], { budget: { dailyUsd: 0.001, shadowDailyUsd: 0 } }),
    );
    expect(status.budget).toMatchObject({ exhausted: true, spentTodayUsd: 0.001014 });

    const onlyPaid = router(['anthropic'], { budget: { dailyUsd: 0.001, shadowDailyUsd: 0 } });
    const result = await onlyPaid.call(request);
    expect(result).toMatchObject({
      ok: false,
      error: { reasons: [{ route: 'anthropic', code: 'budget_exhausted' }] },
    });
  });
});

describe('the shadow budget', () => {
  it('challengers in shadow spend their own budget: exhausted, they skip paid routes; decisions still pay', async () => {
    const llm = router(['anthropic'], { budget: { dailyUsd: 0, shadowDailyUsd: 0.001 } });
    const shadow = { ...request, agent: 'shadow:strategist/conservative' };
    // 1014 micro-dollars per call > $0.001: the first shadow call spends the shadow budget.
    expect(await llm.call(shadow)).toMatchObject({ ok: true, route: 'anthropic' });
    expect(await llm.call(shadow)).toMatchObject({
      ok: false,
      error: { reasons: [{ route: 'anthropic', code: 'budget_exhausted' }] },
    });
    expect(await llm.call(request)).toMatchObject({ ok: true, route: 'anthropic' });
    const events = await busEvents('llm.budget');
    expect(events.at(-1)).toMatchObject({ state: 'exhausted', budget: 'shadow', dailyUsd: 0.001 });
  });
});

describe('record and replay', () => {
  it('replays byte-identical answers without calling any route; a miss fails loudly', async () => {
    const recorder = router(['anthropic'], { mode: 'record' });
    anthropic.script({
      kind: 'success',
      text: 'Here you go:\n```json\n{"confidence":0.61,"action":"SELL"}\n```',
    });
    const live = await recorder.call(request);
    expect(live.ok).toBe(true);
    if (!live.ok) return;

    const replayer = router(['anthropic', 'openai'], { mode: 'replay' });
    const replayed = await replayer.call(request);
    expect(replayed).toMatchObject({ ok: true, fromCache: true, attempts: 0, route: 'anthropic' });
    if (!replayed.ok) return;
    expect(replayed.text).toBe(live.text);
    expect(JSON.stringify(replayed.value)).toBe(JSON.stringify(live.value));
    expect(anthropic.requests).toHaveLength(1);
    expect(openai.requests).toHaveLength(0);

    const miss = await replayer.call({ ...request, prompt: 'something never recorded' });
    expect(miss).toMatchObject({ ok: false, error: { code: 'llm_replay_miss', fault: 'user' } });
    expect(anthropic.requests).toHaveLength(1);
    expect(openai.requests).toHaveLength(0);
    expect(await ledger()).toHaveLength(1);
  });

  it('the hash is route-independent; cache mode goes live only on a miss', async () => {
    const cached = router(['openai'], { mode: 'cache' });
    const first = await cached.call(request);
    const second = await cached.call(request);
    expect(first).toMatchObject({ ok: true, fromCache: false, route: 'openai' });
    expect(second).toMatchObject({ ok: true, fromCache: true, route: 'openai' });
    expect(openai.requests).toHaveLength(1);
    const viaOther = router(['anthropic'], { mode: 'replay' });
    expect(await viaOther.call(request)).toMatchObject({ ok: true, fromCache: true });
    const changedSkill = await viaOther.call({ ...request, skill: { name: 'strategist', version: '1.0.1' } });
    expect(changedSkill.ok).toBe(false);
  });
});

describe('secrets', () => {
  it('never writes an API key to logs, errors, the ledger, llm_calls, breaker state or the bus', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'trace', destination: sink });
    // The OpenAI fake expects another key, so it answers 401 echoing a masked form of ours.
    const strictOpenAi = await startFakeOpenAi({ apiKey: 'sk-proj-THE-RIGHT-ONE-000000000' });
    try {
      const config = section(['anthropic', 'openai'], { mode: 'record' });
      config.routes[1]!.baseUrl = `${strictOpenAi.baseUrl}/v1`;
      const configs = loadConfig({
        cwd: '/nonexistent',
        env: { ANTHROPIC_API_KEY: anthropicKey, OPENAI_API_KEY: openAiKey },
        overrides: { llm: config },
      });
      const llm = new LlmRouter({
        section: configs.llm,
        secrets: configs.secrets.llm,
        store: db.store,
        logger,
        bus: new Bus({ store: db.store, logger }),
        now,
      });
      logger.info({ config: configs }, 'config as loaded');
      anthropic.script({ kind: 'error', status: 429 }, { kind: 'error', status: 401 });
      const failures = [await llm.call(request), await llm.call(request)];
      const errorsText = failures
        .map((result) =>
          JSON.stringify(
            result.ok
              ? result
              : {
                  ...result,
                  error: {
                    message: result.error.message,
                    details: result.error.details,
                    reasons: result.error.reasons,
                  },
                },
          ),
        )
        .join('\n');
      clock += 120_000;
      anthropic.script({ kind: 'success', text: '{"action":"HOLD","confidence":0.5}' });
      await llm.call(request);
      const dump = await db.store.query<{ dump: string }>(
        `SELECT (SELECT coalesce(json_agg(l)::text, '') FROM llm_cost_ledger l) ||
                (SELECT coalesce(json_agg(c)::text, '') FROM llm_calls c) ||
                (SELECT coalesce(json_agg(b)::text, '') FROM llm_breakers b) ||
                (SELECT coalesce(json_agg(m)::text, '') FROM agent_messages m) AS dump`,
      );
      const everything = [chunks.join(''), errorsText, dump.rows[0]!.dump].join('\n');
      expect(everything).toContain('opened at once');
      for (const key of [anthropicKey, openAiKey]) {
        expect(everything).not.toContain(key);
        expect(everything).not.toContain(key.slice(-12));
      }
      expect(everything).not.toContain('ROUTERSECRET');
    } finally {
      await strictOpenAi.close();
    }
  });
});
