import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeciderTally } from '../src/agents/index.ts';
import { Bus } from '../src/bus/index.ts';
import {
  type Config,
  ingressSectionSchema,
  loadConfig,
  pathsSectionSchema,
  Secret,
} from '../src/config/index.ts';
import { credentialFileFor, setUpOperatorCredential } from '../src/credential/index.ts';
import { createIngressApp, simMarketView, startIngress } from '../src/ingress/index.ts';
import { writeJournalEntry } from '../src/journal/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { testCatalog } from './support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

const token = 'op-token-for-tests-0123456789';
const auth = { authorization: `Bearer ${token}` };
const logger = silentLogger();
// The brain's count of who decided since it started, as the console shows it.
const tally = new DeciderTally();
tally.record({ ok: true, decidedBy: 'llm', route: 'anthropic', model: 'claude-x' });
tally.record({ ok: true, decidedBy: 'fallback', route: null, model: null });
tally.record({ ok: true, decidedBy: 'fallback', route: null, model: null });

let database: TestDatabase;
let bus: Bus;
let app: FastifyInstance;
let root: string;
let journalPath: string;
let day: string;

function configFor(dir: string, env: NodeJS.ProcessEnv, ingress: Record<string, unknown> = {}): Config {
  return loadConfig({
    cwd: dir,
    env,
    overrides: {
      dataDir: path.join(dir, 'data'),
      paths: pathsSectionSchema.parse({ contextDir: path.join(dir, 'context') }),
      ingress: ingressSectionSchema.parse({
        port: 0,
        bodyLimit: 2_048,
        authFailuresPerMinute: 5,
        ...ingress,
      }),
    },
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  root = walkableTempDir(path.join(tmpdir(), 'signet-ingress-'));
  const reports = path.join(root, 'reports');
  mkdirSync(path.join(reports, 'run-1'), { recursive: true });
  writeFileSync(
    path.join(reports, 'run-1', 'report.html'),
    '<html><body><h1>Backtest report</h1></body></html>',
  );
  writeFileSync(path.join(root, 'secret.txt'), 'not for the browser');
  mkdirSync(path.join(root, 'context', 'reports'), { recursive: true });
  writeFileSync(
    path.join(root, 'context', 'reports', '2026-11-20-self-optimizer.md'),
    '# Self-optimizer report 2026-11-20\n',
  );
  mkdirSync(path.join(root, 'context', 'reports', 'evaluations', 'eval-1'), { recursive: true });
  writeFileSync(
    path.join(root, 'context', 'reports', 'evaluations', 'eval-1', 'report.html'),
    '<html><body><h1>Evaluation eval-1</h1></body></html>',
  );
  symlinkSync(path.join(root, 'secret.txt'), path.join(reports, 'link.html'));
  const consoleDir = path.join(root, 'console');
  mkdirSync(path.join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Signet console</title>');
  writeFileSync(path.join(consoleDir, 'assets', 'app.js'), 'export {};');

  const config = configFor(root, { SIGNET_OPERATOR_TOKEN: token }, { reportsDir: reports });
  bus = new Bus({ store: database.store, logger, settings: { pollIntervalMs: 50 }, catalog: testCatalog });
  const store = database.store;
  const published = await bus.publish({
    fromAgent: 'strategist',
    toAgent: 'risk-gate',
    topic: 'strategy.proposed',
    cycleId: 'cycle-1',
    payload: { symbol: 'ALPHA', side: 'buy' },
  });
  await bus.publish({
    fromAgent: 'risk-gate',
    toAgent: 'executor',
    topic: 'signature.risk-gate',
    cycleId: 'cycle-1',
    causationId: published.id,
    payload: { verdict: 'sign' },
  });
  await store.query(
    `INSERT INTO orders (client_order_id, broker, leg, symbol, side, type, qty, status, cycle_id)
     VALUES ('ord-1', 'paper', 'entry', 'ALPHA', 'buy', 'market', 10, 'filled', 'cycle-1'),
            ('ord-1-sl', 'paper', 'stop_loss', 'ALPHA', 'sell', 'stop', 10, 'open', 'cycle-1')`,
  );
  await store.query(`UPDATE orders SET stop_price = 95 WHERE client_order_id = 'ord-1-sl'`);
  await store.query(
    `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, ts)
     VALUES ('ord-1', 'f-1', 'paper', 'ALPHA', 'buy', 10, 100.5, now())`,
  );
  await store.query(
    `INSERT INTO positions (broker, symbol, qty, avg_price, stop_client_order_id) VALUES ('paper', 'ALPHA', 10, 100.5, 'ord-1-sl')`,
  );
  await store.query(
    `INSERT INTO app_state (key, value, updated_by) VALUES ('account.paper', '{"equity": 100123.5, "cash": 99000}', 'brain')`,
  );
  await store.query(
    `INSERT INTO heartbeats (name, kind, expected_interval_ms, beat_at) VALUES ('brain', 'process', 5000, now() - interval '2 seconds')`,
  );
  await store.query(
    `INSERT INTO llm_cost_ledger (route, route_kind, model, agent, input_tokens, output_tokens, cost_micro_usd, latency_ms, outcome)
     VALUES ('anthropic', 'anthropic', 'claude-x', 'strategist', 1000, 200, 12345, 800, 'ok')`,
  );
  const written = await writeJournalEntry(
    {
      ts: new Date(),
      cycleId: 'cycle-1',
      symbol: 'ALPHA',
      agent: 'strategist',
      outcome: 'executed',
      decidedBy: 'fallback',
      notes: ['sma cross on ALPHA with a unicorn marker'],
    },
    { db: store, root: config.paths.contextDir },
  );
  journalPath = written.path;
  day = journalPath.split('/')[1] ?? '';
  // As the brain's first start does: resume verifies against this stored credential.
  await setUpOperatorCredential(
    { db: store, file: credentialFileFor(config.dataPath) },
    new Secret(token),
    'operator',
  );
  app = await createIngressApp({
    store,
    bus,
    config,
    logger,
    consoleDir,
    market: simMarketView(config.feed.sim, () => 100),
    decisions: () => tally.counts(),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await bus?.stop();
  await database?.drop();
});

const get = (url: string, headers: Record<string, string> = auth, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'GET', url, headers, remoteAddress });
const post = (
  url: string,
  payload: unknown,
  headers: Record<string, string> = auth,
  remoteAddress = '127.0.0.1',
) => app.inject({ method: 'POST', url, headers, payload: payload as object, remoteAddress });

const apiGets = [
  '/api/v1/state',
  '/api/v1/positions',
  '/api/v1/orders',
  '/api/v1/fills',
  '/api/v1/journal/days',
  `/api/v1/journal?day=2026-01-01`,
  '/api/v1/journal/entry?path=journal/2026-01-01/x.md',
  '/api/v1/messages',
  '/api/v1/cycles',
  '/api/v1/explain/cycle-1',
  '/api/v1/costs',
  '/api/v1/routes',
  '/api/v1/invariants',
  '/api/v1/bars',
  '/api/v1/reports',
  '/api/v1/reports/file?path=run-1/report.html',
  '/api/v1/events',
];

describe('auth', () => {
  it('answers 401 without a token and with a wrong one, on every endpoint, with no detail', async () => {
    // Each URL from its own address, so the failure limit (5 a minute) is not what answers.
    let address = 0;
    for (const url of apiGets) {
      const missing = await get(url, {}, `10.1.0.${++address}`);
      expect(missing.statusCode, url).toBe(401);
      expect(missing.json()).toEqual({ error: 'unauthorized' });
      expect(
        (await get(url, { authorization: `Bearer ${token}x` }, `10.1.0.${address}`)).statusCode,
        url,
      ).toBe(401);
      expect((await get(url, { authorization: token }, `10.1.0.${address}`)).statusCode, url).toBe(401);
    }
    for (const url of ['/api/v1/halt', '/api/v1/resume']) {
      expect((await post(url, {}, {}, `10.1.0.${++address}`)).statusCode).toBe(401);
      expect((await post(url, {}, { authorization: 'Bearer wrong' }, `10.1.0.${address}`)).statusCode).toBe(
        401,
      );
    }
  });

  it('rate-limits failed authentications per address with 429; the right token still passes', async () => {
    const remoteAddress = '10.9.9.9';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/state',
        remoteAddress,
        headers: { authorization: `Bearer wrong-${attempt}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/state',
          remoteAddress,
          headers: { authorization: 'Bearer wrong' },
        })
      ).headers['retry-after'],
    ).toBeDefined();
    // Authentication comes first: the operator is never locked out by someone else's guesses.
    const right = await app.inject({ method: 'GET', url: '/api/v1/state', remoteAddress, headers: auth });
    expect(right.statusCode).toBe(200);
    const other = await app.inject({
      method: 'GET',
      url: '/api/v1/state',
      remoteAddress: '10.9.9.10',
      headers: auth,
    });
    expect(other.statusCode).toBe(200);
  });

  it('serves /health, /openapi.json and the console without a token; the console holds no secret', async () => {
    expect((await get('/health', {})).json()).toMatchObject({ ok: true, operatorApi: 'on' });
    const spec = (await get('/openapi.json', {})).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/state',
        '/api/v1/explain/{id}',
        '/api/v1/halt',
        '/api/v1/resume',
        '/api/v1/events',
      ]),
    );
    expect(JSON.stringify(spec)).toContain('acknowledgement');
    const page = await get('/', {});
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Signet console');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).not.toContain(token);
    expect((await get('/assets/app.js', {})).statusCode).toBe(200);
    expect((await get('/..%2f..%2fsecret.txt', {})).statusCode).toBe(404);
  });
});

describe('validation', () => {
  it('answers 400 naming the field', async () => {
    const badLimit = await get('/api/v1/orders?limit=abc');
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().message).toContain('query.limit');
    const unknown = await get('/api/v1/fills?sort=desc');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain('sort');
    const badDay = await get('/api/v1/journal?day=yesterday');
    expect(badDay.statusCode).toBe(400);
    expect(badDay.json().message).toContain('query.day');
    const badFrom = await get('/api/v1/messages?from=noon');
    expect(badFrom.json().message).toContain('query.from');
    const halt = await post('/api/v1/halt', { level: 9, reason: 'x' });
    expect(halt.statusCode).toBe(400);
    expect(halt.json().message).toContain('body.level');
    expect(halt.json().message).toContain('body.reason');
    const resume = await post('/api/v1/resume', { token });
    expect(resume.statusCode).toBe(400);
    expect(resume.json().message).toContain('body.acknowledgement');
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/v1/halt',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{level',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await post('/api/v1/halt', { level: 2, reason: 'x'.repeat(5_000) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toBe('body_too_large');
  });

  it('refuses journal and report paths that lead out of their folders', async () => {
    const journal = await get('/api/v1/journal/entry?path=../../secret.txt');
    expect(journal.statusCode).toBe(400);
    for (const bad of ['../secret.txt', '/etc/passwd', 'run-1/../../secret.txt', 'link.html']) {
      const response = await get(`/api/v1/reports/file?path=${encodeURIComponent(bad)}`);
      expect(response.statusCode, bad).toBe(404);
      expect(response.body).not.toContain('not for the browser');
    }
  });
});

describe('reads', () => {
  it('state: halt, account snapshot, heartbeats with ages', async () => {
    const state = (await get('/api/v1/state')).json();
    expect(state.halt).toMatchObject({ level: 0, name: 'trading', readable: true });
    expect(state.account).toMatchObject({ equity: 100123.5, cash: 99000 });
    expect(state.heartbeats[0]).toMatchObject({ name: 'brain', kind: 'process', stale: false });
    expect(state.heartbeats[0].ageMs).toBeGreaterThanOrEqual(1_500);
  });

  it('positions with their stops, orders, fills', async () => {
    const { positions } = (await get('/api/v1/positions')).json();
    expect(positions).toEqual([
      expect.objectContaining({ symbol: 'ALPHA', qty: 10, stopPrice: 95, stopStatus: 'open' }),
    ]);
    const { orders } = (await get('/api/v1/orders?symbol=ALPHA&limit=10')).json();
    expect(orders.map((order: { clientOrderId: string }) => order.clientOrderId).sort()).toEqual([
      'ord-1',
      'ord-1-sl',
    ]);
    expect((await get('/api/v1/orders?status=open')).json().orders).toHaveLength(1);
    const { fills } = (await get('/api/v1/fills')).json();
    expect(fills[0]).toMatchObject({ clientOrderId: 'ord-1', price: 100.5, leg: 'entry' });
  });

  it('journal by day, searched, and one entry', async () => {
    expect((await get('/api/v1/journal/days')).json().days).toEqual([day]);
    const listed = (await get(`/api/v1/journal?day=${day}`)).json();
    expect(listed.entries.map((entry: { path: string }) => entry.path)).toEqual([journalPath]);
    expect((await get(`/api/v1/journal?day=${day}&q=unicorn`)).json().entries).toHaveLength(1);
    expect((await get(`/api/v1/journal?day=${day}&q=zebra`)).json().entries).toHaveLength(0);
    const entry = (await get(`/api/v1/journal/entry?path=${encodeURIComponent(journalPath)}`)).json();
    expect(entry.text).toContain('unicorn');
    expect(
      (await get('/api/v1/journal/entry?path=journal/2020-01-01/10-00-00-ALPHA-executed.md')).statusCode,
    ).toBe(404);
  });

  it('bus messages by window, cycle and topic; cycles; explain by cycle and by order', async () => {
    expect((await get('/api/v1/messages?limit=1')).json().messages).toHaveLength(1);
    const byCycle = (await get('/api/v1/messages?cycleId=cycle-1')).json().messages;
    expect(byCycle.map((message: { topic: string }) => message.topic)).toEqual([
      'strategy.proposed',
      'signature.risk-gate',
    ]);
    expect((await get('/api/v1/messages?topic=signature.*')).json().messages).toHaveLength(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await get(`/api/v1/messages?from=${encodeURIComponent(future)}`)).json().messages).toHaveLength(
      0,
    );
    const { cycles } = (await get('/api/v1/cycles')).json();
    expect(cycles[0]).toMatchObject({ cycleId: 'cycle-1', messages: 2 });
    expect(cycles[0].outcomes).toEqual([{ symbol: 'ALPHA', outcome: 'executed', decidedBy: 'fallback' }]);
    const byOrder = (await get('/api/v1/explain/ord-1')).json();
    expect(byOrder).toMatchObject({ cycleId: 'cycle-1', orderId: 'ord-1' });
    expect(byOrder.messages).toHaveLength(2);
    expect(byOrder.orders[0].fills[0].price).toBe(100.5);
    expect((await get('/api/v1/explain/nothing-here')).statusCode).toBe(404);
  });

  it('routes: who decided since the start, and a refused request until the route answers that skill', async () => {
    const before = (await get('/api/v1/routes')).json();
    expect(before.rejections).toEqual([]);
    expect(before.decisions).toEqual({
      routes: { 'anthropic/claude-x': 1 },
      fallback: 2,
      failure: 0,
      total: 3,
    });
    const headline =
      "route anthropic rejects our request for skill regime: invalid_request_error: 'minimum' is not supported";
    await bus.publish({
      fromAgent: 'llm-router',
      toAgent: 'operator',
      topic: 'llm.request_rejected',
      payload: { route: 'anthropic', skill: 'regime', status: 400, headline, fix: 'check the schema' },
    });
    const open = (await get('/api/v1/routes')).json();
    expect(open.rejections).toEqual([
      expect.objectContaining({
        route: 'anthropic',
        skill: 'regime',
        status: 400,
        headline,
        fix: 'check the schema',
      }),
    ]);
    // Another skill answered by the route does not clear it; an answer for regime does.
    await database.store.query(
      `INSERT INTO llm_cost_ledger (route, route_kind, model, agent, skill, input_tokens, output_tokens, cost_micro_usd, latency_ms, outcome, ts)
       VALUES ('anthropic', 'anthropic', 'claude-x', 'strategist', 'strategist', 1, 1, 0, 1, 'ok', now() + interval '1 second')`,
    );
    expect((await get('/api/v1/routes')).json().rejections).toHaveLength(1);
    await database.store.query(
      `INSERT INTO llm_cost_ledger (route, route_kind, model, agent, skill, input_tokens, output_tokens, cost_micro_usd, latency_ms, outcome, ts)
       VALUES ('anthropic', 'anthropic', 'claude-x', 'regime', 'regime', 1, 1, 0, 1, 'ok', now() + interval '1 second')`,
    );
    expect((await get('/api/v1/routes')).json().rejections).toEqual([]);
    // Leave the ledger as the cost test below expects it.
    await database.store.query("DELETE FROM llm_cost_ledger WHERE skill IN ('regime', 'strategist')");
  });

  it('costs, routes, bars, reports', async () => {
    const costs = (await get('/api/v1/costs?days=7')).json();
    expect(costs.totalUsd).toBeCloseTo(0.012345, 6);
    expect(costs.rows[0]).toMatchObject({ route: 'anthropic', model: 'claude-x', agent: 'strategist' });
    const invariants = (await get('/api/v1/invariants')).json();
    expect(invariants.results.map((result: { name: string }) => result.name)).toContain('database_reachable');
    expect(invariants.positionsWithoutStop).toEqual([]);
    const routes = (await get('/api/v1/routes')).json();
    expect(routes).toMatchObject({ configured: false, routes: [] });
    const bars = (await get('/api/v1/bars?symbol=BRAVO&limit=20')).json();
    expect(bars.symbol).toBe('BRAVO');
    expect(bars.bars).toHaveLength(20);
    expect(bars.bars[0]).toEqual(
      expect.objectContaining({ open: expect.any(Number), close: expect.any(Number) }),
    );
    expect((await get('/api/v1/bars?symbol=NOPE')).statusCode).toBe(404);
    const reports = (await get('/api/v1/reports')).json();
    expect(reports.files.map((file: { path: string }) => file.path)).toContain('run-1/report.html');
    const report = await get('/api/v1/reports/file?path=run-1/report.html');
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toContain('text/html');
    expect(report.body).toContain('Backtest report');
    // The self-optimizer's reports, from the context folder.
    expect(reports.optimizer.map((file: { path: string }) => file.path)).toEqual([
      '2026-11-20-self-optimizer.md',
    ]);
    const optimizer = await get('/api/v1/reports/file?source=optimizer&path=2026-11-20-self-optimizer.md');
    expect(optimizer.statusCode).toBe(200);
    expect(optimizer.body).toContain('# Self-optimizer report 2026-11-20');
    expect((await get('/api/v1/reports/file?source=optimizer&path=../../secret.txt')).statusCode).toBe(404);
    // `signet evaluate` reports, one folder per evaluation under the context's reports/evaluations.
    expect(reports.evaluations.map((file: { path: string }) => file.path)).toEqual(['eval-1/report.html']);
    const evaluation = await get('/api/v1/reports/file?source=evaluation&path=eval-1/report.html');
    expect(evaluation.statusCode).toBe(200);
    expect(evaluation.body).toContain('Evaluation eval-1');
    expect((await get('/api/v1/reports/file?source=evaluation&path=../../../secret.txt')).statusCode).toBe(
      404,
    );
  });
});

describe('halt and resume', () => {
  it('raises a halt, refuses level 4 and a wrong resume token, resumes with token and acknowledgement', async () => {
    expect((await post('/api/v1/halt', { level: 4, reason: 'flatten' })).statusCode).toBe(400);
    const raised = await post('/api/v1/halt', { level: 2, reason: 'operator test halt' });
    expect(raised.statusCode).toBe(200);
    expect(raised.json()).toMatchObject({
      raised: true,
      state: { level: 2, reason: 'operator test halt', setBy: 'operator' },
    });
    expect((await get('/api/v1/state')).json().halt).toMatchObject({ level: 2, name: 'no new entries' });
    const wrong = await post('/api/v1/resume', {
      token: 'wrong',
      acknowledgement: 'checked everything twice',
      fromLevel: 2,
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().message).toContain('body.token');
    expect((await get('/api/v1/state')).json().halt.level).toBe(2);
    // Compare-and-set: a level other than the one in force is refused with 409, nothing changes.
    const stale = await post('/api/v1/resume', {
      token,
      acknowledgement: 'checked positions and stops at the broker',
      fromLevel: 3,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toBe('resume_level_changed');
    expect((await get('/api/v1/state')).json().halt.level).toBe(2);
    const resumed = await post('/api/v1/resume', {
      token,
      acknowledgement: 'checked positions and stops at the broker',
      fromLevel: 2,
    });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ resumed: true, previous: { level: 2 }, operator: 'operator' });
    expect((await get('/api/v1/state')).json().halt.level).toBe(0);
    const topics = (await get('/api/v1/messages?topic=halt.*'))
      .json()
      .messages.map((message: { topic: string }) => message.topic);
    expect(topics).toEqual(['halt.raised', 'halt.resumed']);
  });
});

describe('listening', () => {
  it('streams new bus messages as server-sent events', async () => {
    const config = configFor(root, { SIGNET_OPERATOR_TOKEN: token });
    const ingress = await startIngress({ store: database.store, bus, config, logger });
    try {
      expect(ingress.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const controller = new AbortController();
      const response = await fetch(`${ingress.url}api/v1/events?topics=test.*`, {
        headers: auth,
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = response.body!.getReader();
      await bus.publish({ fromAgent: 'test', toAgent: 'operator', topic: 'other.topic', payload: {} });
      await bus.publish({ fromAgent: 'test', toAgent: 'operator', topic: 'test.live', payload: { n: 1 } });
      let text = '';
      const decoder = new TextDecoder();
      while (!text.includes('test.live')) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value);
      }
      expect(text).toContain('event: message');
      expect(text).toContain('"topic":"test.live"');
      expect(text).not.toContain('other.topic');
      expect(text).not.toContain('strategy.proposed');
      controller.abort();
      const unauthorised = await fetch(`${ingress.url}api/v1/events`);
      expect(unauthorised.status).toBe(401);
    } finally {
      await ingress.stop();
    }
  });

  it('without an operator token serves only /health on loopback, and refuses another address', async () => {
    const config = configFor(root, {});
    const ingress = await startIngress({ store: database.store, bus, config, logger });
    try {
      expect(ingress.describe()).toContain('SIGNET_OPERATOR_TOKEN is not set');
      const health = await (await fetch(`${ingress.url}health`)).json();
      expect(health).toMatchObject({ ok: true, operatorApi: 'off' });
      expect((await fetch(`${ingress.url}api/v1/state`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${ingress.url}openapi.json`)).status).toBe(404);
      expect((await fetch(ingress.url!)).status).toBe(503);
    } finally {
      await ingress.stop();
    }
    const exposed = configFor(root, {}, { host: '0.0.0.0' });
    await expect(startIngress({ store: database.store, bus, config: exposed, logger })).rejects.toThrow(
      /without an operator token/,
    );
  });

  it('in sim a taken port leaves the brain running without ingress, and says why; in market mode it stops the start', async () => {
    const first = await startIngress({
      store: database.store,
      bus,
      config: configFor(root, { SIGNET_OPERATOR_TOKEN: token }),
      logger,
    });
    const port = Number(new URL(first.url!).port);
    const second = await startIngress({
      store: database.store,
      bus,
      config: configFor(root, { SIGNET_OPERATOR_TOKEN: token }, { port }),
      logger,
    });
    expect(second.url).toBeNull();
    expect(second.describe()).toContain('EADDRINUSE');
    // Market mode: whatever holds the port would get the EA's token and answer its polls.
    const sim = configFor(root, { SIGNET_OPERATOR_TOKEN: token }, { port });
    const market: Config = { ...sim, schedule: { ...sim.schedule, mode: 'market' } };
    await expect(startIngress({ store: database.store, bus, config: market, logger })).rejects.toMatchObject({
      code: 'ingress_port_taken',
      message: expect.stringMatching(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`)),
    });
    await first.stop();
  });
});
