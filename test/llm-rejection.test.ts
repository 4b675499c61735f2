import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from './fakes/anthropic-server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * Issue 15, "loud, never silent": a vendor that refuses our request (here the Anthropic
 * Messages API's answer to a schema keyword it does not support) must not leave the agents
 * quietly on their fallbacks while the reports say "LLM". The refusal is paged (level 1),
 * journaled and on the bus, once per route and skill; `signet doctor` names it before any
 * trading; and the backtest report counts the decisions as the fallback's.
 */
const refusal = "output_format.schema: For 'number' type, property 'minimum' is not supported";
const orcl = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');

let db: TestDatabase;
let anthropic: FakeAnthropic;
let hook: Server;
const pages: Array<{ text: string; level: number; title: string }> = [];
let folder: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  db = await createTestDatabase();
  anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test-key' });
  // The vendor refuses every request of ours as malformed (HTTP 400 invalid_request_error).
  anthropic.setDefault({ kind: 'error', status: 400, message: refusal });
  hook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      pages.push(JSON.parse(body) as { text: string; level: number; title: string });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const port = (hook.address() as AddressInfo).port;
  folder = walkableTempDir(path.join(tmpdir(), 'signet-llm-rejected-'));
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    [
      `dataDir: ${path.join(folder, 'state')}`,
      'llm:',
      // A long cooldown: the open route is not tried again during the run (a deterministic count).
      '  breaker: { failures: 3, cooldownMs: 3600000 }',
      '  routes:',
      '    - name: anthropic',
      '      kind: anthropic',
      '      model: claude-sonnet-5-5',
      `      baseUrl: ${anthropic.baseUrl}`,
      // These tests are about refusals, not contamination: the 2014 bars count as after the cutoff.
      '      trainingCutoff: "2013-12"',
      'watchdog:',
      `  webhookUrl: http://127.0.0.1:${port}/page`,
      '',
    ].join('\n'),
  );
  env = {
    DATABASE_URL: db.url,
    SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
    SIGNET_LOG_LEVEL: 'silent',
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
  };
});
afterAll(async () => {
  await anthropic.close();
  await new Promise((resolve) => hook.close(resolve));
  await db.drop();
});

interface Deciders {
  routes: Record<string, number>;
  fallback: number;
  failure: number;
  total: number;
}

describe('a route that rejects our request', () => {
  it('pages, journals and announces it once, and the backtest counts the decisions as the fallback’s', async () => {
    const reportDir = path.join(folder, 'report');
    const result = await runCli(
      [
        'backtest',
        '--pipeline',
        'full',
        '--llm',
        '--data',
        orcl,
        '--symbols',
        'ORCL',
        '--from',
        '2014-01-01',
        '--run-id',
        'bt-rejected',
        '--report',
        reportDir,
        '--json',
      ],
      { env, cwd: folder, timeoutMs: 180_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    // The first call (the Macro Officer of the first cycle) reached the vendor and was refused; the
    // route opened at once, so nothing else was sent.
    expect(anthropic.requests).toHaveLength(1);

    const report = JSON.parse(result.stdout) as {
      strategy: { name: string };
      deciders: Deciders;
      pipeline: {
        cycles: number;
        deciders: Deciders;
        configured: string;
        rejections: Array<{ route: string; skill: string; status: number; headline: string }>;
      };
    };
    const deciders = report.pipeline.deciders;
    expect(report.pipeline.cycles).toBeGreaterThan(100);
    expect(deciders.routes).toEqual({});
    expect(deciders.failure).toBe(0);
    // At least a macro view, a CEO budget (daily bars: one a cycle), a regime and a strategist
    // decision per cycle, every one by the fallback.
    expect(deciders.fallback).toBeGreaterThanOrEqual(4 * report.pipeline.cycles);
    expect(deciders.total).toBe(deciders.fallback);
    expect(report.deciders).toEqual(deciders);
    expect(report.strategy.name).not.toMatch(/anthropic|LLM/);
    expect(report.pipeline.configured).toMatch(/anthropic/);
    expect(result.stderr).toContain(`decided by fallback ${deciders.fallback}, failure 0`);
    const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
    expect(html).toContain('Decided by');
    expect(html).toContain(`fallback ${deciders.fallback}, failure 0 (of ${deciders.total} decisions)`);

    const headline = `route anthropic rejects our request for skill macro-officer: invalid_request_error: ${refusal}`;
    // The run's own report names it too.
    expect(report.pipeline.rejections).toEqual([
      expect.objectContaining({ route: 'anthropic', skill: 'macro-officer', status: 400, headline }),
    ]);
    expect(result.stderr).toContain(`REJECTED ${headline}`);
    // The level-1 page, once.
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ level: 1, title: headline });
    expect(pages[0]!.text).toContain(
      '[Signet L1] route anthropic rejects our request for skill macro-officer',
    );

    // The journal entry, in the run's own journal.
    const rows = await db.store.query<{
      path: string;
      outcome: string;
      decided_by: string;
      cycle_id: string;
    }>("SELECT path, outcome, decided_by, cycle_id FROM agent_journal WHERE agent = 'llm-router'");
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ outcome: 'error', decided_by: 'code' });
    expect(rows.rows[0]!.cycle_id).toMatch(/^bt-rejected\//);
    const entry = readFileSync(
      path.join(folder, 'state', 'backtests', 'bt-rejected', rows.rows[0]!.path),
      'utf8',
    );
    expect(entry).toContain(headline);

    // The bus message, once.
    const messages = await db.store.query<{ payload: { route: string; skill: string; headline: string } }>(
      "SELECT payload FROM agent_messages WHERE topic = 'llm.request_rejected'",
    );
    expect(messages.rows.map((row) => row.payload)).toEqual([
      expect.objectContaining({ route: 'anthropic', skill: 'macro-officer', headline }),
    ]);
    // The breaker says why the route is open.
    const breaker = await db.store.query<{ payload: { to: string; errorCode: string } }>(
      "SELECT payload FROM agent_messages WHERE topic = 'llm.breaker'",
    );
    expect(breaker.rows.map((row) => row.payload)).toEqual([
      expect.objectContaining({ to: 'open', errorCode: 'llm_bad_request' }),
    ]);
  }, 200_000);

  it('signet doctor sends every skill’s schema to the route and names the route, the skill and the vendor’s words', async () => {
    const before = anthropic.requests.length;
    const result = await runCli(['doctor'], { env, cwd: folder, timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    const skills = [
      'ceo',
      'double-checker',
      'fact-checker',
      'macro-officer',
      'reflection',
      'regime',
      'strategist',
    ];
    // One probe per skill, each the cheapest call: a one-line prompt and a 16-token cap.
    const probes = anthropic.requests.slice(before);
    expect(probes).toHaveLength(skills.length);
    for (const probe of probes) expect((probe.body as { max_tokens: number }).max_tokens).toBe(16);
    expect(result.stdout).toMatch(/FAIL llm schemas/);
    for (const skill of skills)
      expect(result.stdout).toContain(
        `route anthropic rejects our request for skill ${skill}: invalid_request_error: ${refusal}`,
      );
    expect(result.stdout).toContain('fix: Our request does not fit what the vendor accepts');
    expect(result.stdout).not.toContain('sk-ant-test-key');
    // Without probing, the doctor still shows the refusal seen while running (not answered since).
    const quiet = await runCli(['doctor', '--no-llm-probe'], { env, cwd: folder, timeoutMs: 60_000 });
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toMatch(
      /FAIL llm schemas +route anthropic rejects our request for skill macro-officer: invalid_request_error: .* \(seen \d{4}-/,
    );
    expect(anthropic.requests).toHaveLength(before + skills.length);
    // The probes are in the cost ledger, under the doctor.
    const ledger = await db.store.query<{ count: string }>(
      "SELECT count(*) FROM llm_cost_ledger WHERE agent = 'doctor' AND outcome = 'error' AND error_class = 'llm_bad_request'",
    );
    expect(Number(ledger.rows[0]!.count)).toBe(skills.length);
  }, 90_000);
});
