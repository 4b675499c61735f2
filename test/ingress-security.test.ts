import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { ingressSectionSchema, loadConfig, pathsSectionSchema, Secret } from '../src/config/index.ts';
import { bearerMatches, createIngressApp, isLoopback } from '../src/ingress/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { SimulatedEa } from './support/simulated-ea.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

// Issue 18: a valid credential is never locked out, the EA can tell Signet from an impostor,
// and malformed requests get a 4xx, never a 500.
const token = 'op-token-security-0123456789';
const eaToken = 'ea-token-security-0123456789';
const auth = { authorization: `Bearer ${token}` };
const logger = silentLogger();

let database: TestDatabase;
let bus: Bus;
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const root = walkableTempDir(path.join(tmpdir(), 'signet-ingress-security-'));
  const config = loadConfig({
    cwd: root,
    env: { SIGNET_OPERATOR_TOKEN: token, SIGNET_MT5_TOKEN: eaToken },
    overrides: {
      dataDir: path.join(root, 'data'),
      paths: pathsSectionSchema.parse({ contextDir: path.join(root, 'context') }),
      ingress: ingressSectionSchema.parse({ port: 0, authFailuresPerMinute: 5 }),
    },
  });
  bus = new Bus({ store: database.store, logger });
  app = await createIngressApp({ store: database.store, bus, config, logger });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = address;
});
afterAll(async () => {
  await app?.close();
  await bus?.stop();
  await database?.drop();
});

const call = (url: string, init: RequestInit = {}) => fetch(`${baseUrl}${url}`, init);

describe('no lockout of valid credentials', () => {
  it('a flood of wrong tokens, then the right ones: 200 on every route, 429 only for the guesser', async () => {
    const ea = new SimulatedEa(baseUrl, eaToken);
    for (let attempt = 0; attempt < 30; attempt++) {
      await call('/api/v1/state', { headers: { authorization: `Bearer wrong-${attempt}` } });
      await ea.post(
        '/heartbeat',
        { msg_id: `x-${attempt}`, terminal_id: ea.terminalId },
        { token: `bad-${attempt}` },
      );
    }
    expect((await call('/api/v1/state', { headers: { authorization: 'Bearer wrong' } })).status).toBe(429);
    expect(
      (await ea.post('/heartbeat', { msg_id: 'y', terminal_id: ea.terminalId }, { token: 'bad' })).status,
    ).toBe(429);

    const spec = (await (await call('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // Every operator GET that takes no path parameter (the event stream and files are streams or need a path).
    const gets = Object.entries(spec.paths)
      .filter(([url, methods]) => 'get' in methods && !url.includes('{'))
      .map(([url]) => url)
      .filter((url) => !['/api/v1/events', '/api/v1/reports/file', '/api/v1/bars'].includes(url));
    expect(gets.length).toBeGreaterThan(10);
    const statuses = new Map<string, number>();
    for (const url of gets) statuses.set(url, (await call(url, { headers: auth })).status);
    // A route that needs a query parameter says so (400); none refuses the token or fails.
    const required = new Set(['/api/v1/journal/search', '/api/v1/journal', '/api/v1/journal/entry']);
    for (const [url, status] of statuses) expect(status, url).toBe(required.has(url) ? 400 : 200);
    const halt = await call('/api/v1/halt', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ level: 1, reason: 'flood test: the halt button works' }),
    });
    expect(halt.status).toBe(200);
    expect((await call('/health')).status).toBe(200);

    // The EA's routes, with its token, answer as usual and prove who answers.
    const heartbeat = await ea.heartbeat();
    expect(heartbeat.status).toBe(200);
    expect(heartbeat.proven).toBe(true);
    expect((await ea.bars('EURUSD', [{ t: 1_763_649_300, o: 1.1, h: 1.2, l: 1.0, c: 1.15 }])).status).toBe(
      200,
    );
    expect((await ea.positions([])).status).toBe(200);
    const poll = await ea.poll();
    expect([200, 204]).toContain(poll.status);
    expect(poll.refused).toBeNull();
  });
});

describe("the EA's proof of the server", () => {
  it('every authenticated answer carries HMAC-SHA256(token, body); a wrong token cannot verify it', async () => {
    const ea = new SimulatedEa(baseUrl, eaToken);
    const heartbeat = await ea.heartbeat();
    expect(heartbeat.proven).toBe(true);
    // An EA configured with another token (or a server without ours) does not accept the answer.
    const impostorView = new SimulatedEa(baseUrl, 'some-other-token-0123456789');
    const refused = await impostorView.post('/heartbeat', { msg_id: 'z', terminal_id: 'x' });
    expect([401, 429]).toContain(refused.status);
    expect(refused.proven).toBe(false);
  });

  it('the simulated EA takes no command from a server without the proof', async () => {
    const impostor = (await import('fastify')).default();
    impostor.get('/mt5/v1/commands', async () => ({ command_id: 'evil', action: 'close_all' }));
    const url = await impostor.listen({ host: '127.0.0.1', port: 0 });
    try {
      const poll = await new SimulatedEa(url, eaToken).poll();
      expect(poll.status).toBe(200);
      expect(poll.command).toBeUndefined();
      expect(poll.refused).toBe('proof');
    } finally {
      await impostor.close();
    }
  });
});

describe('smaller items', () => {
  it('a double-encoded path is 400, not 500; an unknown query parameter on a route without a query is 400', async () => {
    const double = await call('/%25252e%25252e/secret');
    expect(double.status).toBe(400);
    const broken = await call('/%E0%A4%A');
    expect(broken.status).toBeLessThan(500);
    const unknown = await call('/api/v1/state?debug=1', { headers: auth });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain('unknown parameter(s) debug');
    expect((await call('/api/v1/state', { headers: auth })).status).toBe(200);
  });

  it('loopback is parsed, not matched by prefix', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of [
      '127.evil.example',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      '1::1',
    ])
      expect(isLoopback(host), host).toBe(false);
  });

  it('token comparison takes any length without throwing, and matches only the token', () => {
    const secret = new Secret(token);
    expect(bearerMatches(secret, `Bearer ${token}`)).toBe(true);
    for (const given of ['', 'x', token.slice(0, -1), `${token}x`, token.repeat(40)])
      expect(bearerMatches(secret, `Bearer ${given}`)).toBe(false);
  });
});
