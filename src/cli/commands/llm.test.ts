import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { type FakeAnthropic, startFakeAnthropic } from '../../../test/fakes/anthropic-server.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { runCli } from '../../../test/support/processes.ts';
import { loadConfig } from '../../config/index.ts';
import { LlmRouter } from '../../llm/index.ts';
import { silentLogger } from '../../logging/index.ts';

const key = 'sk-ant-api03-CLITESTKEY-zzzzzzzzzzzz';
let db: TestDatabase;
let anthropic: FakeAnthropic;
let configFile: string;

beforeAll(async () => {
  db = await createTestDatabase();
  anthropic = await startFakeAnthropic({ apiKey: key });
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-llm-cli-'));
  configFile = path.join(dir, 'signet.yaml');
  const llm = {
    routes: [
      {
        name: 'primary',
        kind: 'anthropic',
        model: 'claude-sonnet-5-5',
        baseUrl: anthropic.baseUrl,
        priority: 1,
      },
      {
        name: 'backup',
        kind: 'openai-compatible',
        model: 'qwen3:8b',
        baseUrl: 'http://127.0.0.1:9/v1',
        priority: 2,
      },
    ],
    breaker: { failures: 1, cooldownMs: 600_000 },
    budget: { dailyUsd: 5 },
  };
  writeFileSync(configFile, stringify({ dataDir: dir, llm }));
  const config = loadConfig({ file: configFile, env: { ANTHROPIC_API_KEY: key } });
  const router = new LlmRouter({
    section: config.llm,
    secrets: config.secrets.llm,
    store: db.store,
    logger: silentLogger(),
  });
  const schema = z.object({ action: z.string() });
  const request = {
    agent: 'strategist',
    skill: { name: 'strategist', version: '1' },
    system: 'sys',
    prompt: 'p',
    output: { schema, jsonSchema: z.toJSONSchema(schema) as Record<string, unknown> },
  };
  anthropic.script({ kind: 'success', text: '{"action":"HOLD"}' });
  expect((await router.call(request)).ok).toBe(true);
  // Both routes fail: primary opens (failures: 1); backup (nothing listens on port 9) too.
  anthropic.script({ kind: 'error', status: 500 });
  expect((await router.call(request)).ok).toBe(false);
});
afterAll(async () => {
  await anthropic.close();
  await db.drop();
});

describe('signet llm status / signet ledger', () => {
  const env = () => ({ DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent', SIGNET_CONFIG: configFile });

  it('llm status shows persisted breaker state and the budget, as text and JSON', async () => {
    const json = await runCli(['llm', 'status', '--json'], { env: env() });
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout);
    expect(status.routes.map((route: { name: string; state: string }) => [route.name, route.state])).toEqual([
      ['primary', 'open'],
      ['backup', 'open'],
    ]);
    expect(status.budget).toMatchObject({ dailyUsd: 5, exhausted: false });
    expect(status.budget.spentTodayUsd).toBeCloseTo(0.001014, 6);
    const text = await runCli(['llm', 'status'], { env: env() });
    expect(text.stdout).toContain('OPEN');
    expect(text.stdout).toContain('llm_server_error');
    expect(text.stdout).toContain('of $5.0000 spent today');
  });

  it('ledger prints spend by day, route, model and agent; --json; bad days are explained', async () => {
    const json = await runCli(['ledger', '--json'], { env: env() });
    expect(json.code).toBe(0);
    const ledger = JSON.parse(json.stdout) as {
      rows: Array<{ route: string; attempts: number; ok: number; costUsd: number }>;
    };
    const primary = ledger.rows.find((row) => row.route === 'primary');
    expect(primary).toMatchObject({ attempts: 2, ok: 1, costUsd: 0.001014 });
    expect(ledger.rows.find((row) => row.route === 'backup')).toMatchObject({ attempts: 1, ok: 0 });
    const text = await runCli(['ledger'], { env: env() });
    expect(text.stdout).toContain('strategist');
    expect(text.stdout).toContain('total');
    const bad = await runCli(['ledger', '--from', 'yesterday'], { env: env() });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('YYYY-MM-DD');
    const empty = await runCli(['ledger', '--from', '2020-01-01', '--to', '2020-01-02'], { env: env() });
    expect(empty.stdout).toContain('no LLM calls');
  });
});
