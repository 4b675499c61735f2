import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { ingressSectionSchema, loadConfig, pathsSectionSchema, Secret } from '../src/config/index.ts';
import { credentialFileFor, setUpOperatorCredential } from '../src/credential/index.ts';
import { createIngressApp } from '../src/ingress/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

// A bounded property-based fuzz of the whole ingress (operator API, EA bridge, console, health):
// whatever the method, path, headers and body, the answer is never a 500 and never holds a secret.
const token = 'op-token-fuzz-0123456789abcdef';
const eaToken = 'ea-token-fuzz-0123456789abcdef';
const logger = silentLogger();

let database: TestDatabase;
let bus: Bus;
let app: FastifyInstance;

beforeAll(async () => {
  database = await createTestDatabase();
  const root = walkableTempDir(path.join(tmpdir(), 'signet-ingress-fuzz-'));
  const config = loadConfig({
    cwd: root,
    env: { SIGNET_OPERATOR_TOKEN: token, SIGNET_MT5_TOKEN: eaToken },
    overrides: {
      dataDir: path.join(root, 'data'),
      paths: pathsSectionSchema.parse({ contextDir: path.join(root, 'context') }),
      ingress: ingressSectionSchema.parse({ port: 0, bodyLimit: 4_096, authFailuresPerMinute: 10_000 }),
    },
  });
  await setUpOperatorCredential(
    { db: database.store, file: credentialFileFor(config.dataPath) },
    new Secret(token),
    'operator',
  );
  // A built console, so that its 503 ("not built") does not stand in for a server error.
  const consoleDir = path.join(root, 'console');
  mkdirSync(path.join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Signet console</title>');
  writeFileSync(path.join(consoleDir, 'assets', 'app.js'), 'export {};');
  bus = new Bus({ store: database.store, logger });
  app = await createIngressApp({ store: database.store, bus, config, logger, consoleDir });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await bus?.stop();
  await database?.drop();
});

const known = [
  '/',
  '/health',
  '/openapi.json',
  '/assets/app.js',
  '/api/v1/state',
  '/api/v1/positions',
  '/api/v1/orders',
  '/api/v1/fills',
  '/api/v1/journal',
  '/api/v1/journal/days',
  '/api/v1/journal/entry',
  '/api/v1/messages',
  '/api/v1/cycles',
  '/api/v1/explain/x',
  '/api/v1/costs',
  '/api/v1/routes',
  '/api/v1/bars',
  '/api/v1/reports',
  '/api/v1/reports/file',
  '/api/v1/invariants',
  '/api/v1/halt',
  '/api/v1/resume',
  '/mt5/v1/heartbeat',
  '/mt5/v1/bars',
  '/mt5/v1/positions',
  '/mt5/v1/deals',
  '/mt5/v1/commands',
  '/mt5/v1/commands/ack',
  '/mt5/v1/capture',
];

const printable = (max: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: max,
  });
const segment = fc.oneof(
  printable(12).map((text) => encodeURIComponent(text)),
  fc.constantFrom('..', '.', '%2e%2e', '%252e%252e', '%', '%E0%A4%A', '%00', '%ff', '~', 'x'.repeat(300)),
);
const pathArbitrary = fc.oneof(
  fc.constantFrom(...known),
  fc
    .tuple(fc.constantFrom(...known), fc.array(segment, { maxLength: 3 }))
    .map(([base, rest]) => `${base}/${rest.join('/')}`),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
);
const queryArbitrary = fc.option(
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'limit',
          'day',
          'path',
          'symbol',
          'q',
          'from',
          'x',
          'password',
          'terminal_id',
          'after',
          '%',
        ),
        printable(10),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')),
  { nil: undefined },
);
const headersArbitrary = fc.record(
  {
    authorization: fc.oneof(
      fc.constant(`Bearer ${token}`),
      fc.constant('Bearer wrong'),
      printable(40),
      printable(20).map((text) => `Bearer ${text}`),
    ),
    'x-bridge-token': fc.oneof(fc.constant(eaToken), printable(40)),
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'image/png',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      '',
    ),
    'x-forwarded-for': printable(20),
  },
  { requiredKeys: [] },
);
const bodyArbitrary = fc.option(
  fc.oneof(
    fc.json({ maxDepth: 3 }),
    printable(200),
    fc
      .record(
        {
          level: fc.integer({ min: -2, max: 6 }),
          reason: printable(20),
          token: fc.oneof(fc.constant(token), printable(30)),
          acknowledgement: printable(40),
          fromLevel: fc.integer({ min: -1, max: 5 }),
          msg_id: printable(20),
          terminal_id: printable(20),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  ),
  { nil: undefined },
);

describe('ingress fuzz', () => {
  it('no method, path, header or body gets a 500 or a secret back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        pathArbitrary,
        queryArbitrary,
        headersArbitrary,
        bodyArbitrary,
        async (method, url, query, headers, body) => {
          // The event stream never ends by design; everything else must answer.
          fc.pre(!/events/i.test(url));
          const response = await app.inject({
            method: method as 'GET',
            url: query === undefined ? url : `${url}?${query}`,
            headers,
            ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload: body }),
            remoteAddress: '127.0.0.1',
          });
          const seen = `${response.body}\n${JSON.stringify(response.headers)}`;
          expect(response.statusCode, `${method} ${url}`).toBeLessThan(500);
          expect(seen).not.toContain(token);
          expect(seen).not.toContain(eaToken);
        },
      ),
      { numRuns: 300, seed: Number(process.env.SIGNET_FUZZ_SEED ?? 18_2026) },
    );
  }, 120_000);
});
