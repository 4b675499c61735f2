import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../test/fakes/alpaca/server.ts';
import { startFakeOpenAi } from '../../../test/fakes/openai-server.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { runCli } from '../../../test/support/processes.ts';
import { llmSectionSchema, loadConfig } from '../../config/index.ts';
import { silentLogger } from '../../logging/index.ts';
import { type DoctorCheck, doctorChecks, llmRoutesCheck, llmSchemasCheck, runDoctor } from './doctor.ts';

let fake: AlpacaFake;
let database: TestDatabase;
let folder: string;

beforeAll(async () => {
  fake = await startAlpacaFake();
  fake.control.setBars('SPY', [{ t: '2026-11-20T05:00:00Z', o: 600, h: 605, l: 598, c: 603, v: 1_000_000 }]);
  database = await createTestDatabase();
  folder = await mkdtemp(path.join(tmpdir(), 'signet-doctor-'));
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    `broker:\n  kind: alpaca\n  alpaca:\n    tradingUrl: ${fake.baseUrl}\n    dataUrl: ${fake.baseUrl}\n    symbols: [SPY]\n    maxRetries: 0\n`,
  );
});
afterAll(async () => {
  await fake.close();
  await database.drop();
});

const env = (secret: string) => ({
  APCA_API_KEY_ID: fake.keyId,
  APCA_API_SECRET_KEY: secret,
  DATABASE_URL: database.url,
});

describe('signet doctor', () => {
  it('passes every check against a healthy database, broker and feed', async () => {
    const config = loadConfig({ cwd: folder, env: env(fake.secretKey) });
    const report = await runDoctor({ config, logger: silentLogger(), store: async () => database.store });
    expect(report.checks.map((check) => [check.name, check.status])).toEqual([
      ['database', 'ok'],
      ['broker', 'ok'],
      ['feed', 'ok'],
      ['llm routes', 'ok'],
      ['llm schemas', 'skip'],
    ]);
    expect(report.ok).toBe(true);
  });

  it('reports the Alpaca account flags: trading_blocked, account_blocked, pattern day trader and buying power', async () => {
    const config = loadConfig({ cwd: folder, env: env(fake.secretKey) });
    const brokerCheck = async () =>
      (await runDoctor({ config, logger: silentLogger(), store: async () => database.store })).checks.find(
        (check) => check.name === 'broker',
      );
    const healthy = await brokerCheck();
    expect(healthy?.status).toBe('ok');
    expect(healthy?.detail).toMatch(
      /trading_blocked no, account_blocked no, pattern day trader no \(0 day trades in 5 days\), buying power \d+\.\d{2} USD/,
    );
    try {
      fake.control.accountFlags = {
        ...fake.control.accountFlags,
        pattern_day_trader: true,
        daytrade_count: 4,
      };
      fake.control.book.cash = 10_000;
      const flagged = await brokerCheck();
      expect(flagged).toMatchObject({
        status: 'warn',
        fix: expect.stringContaining('pattern day trader') as unknown,
      });
      expect(flagged?.detail).toContain('pattern day trader yes (4 day trades in 5 days)');
      fake.control.accountFlags = { ...fake.control.accountFlags, trading_blocked: true };
      const blocked = await brokerCheck();
      expect(blocked?.status).toBe('fail');
      expect(blocked?.detail).toContain('trading_blocked yes, account_blocked no');
    } finally {
      fake.control.accountFlags = {
        trading_blocked: false,
        account_blocked: false,
        pattern_day_trader: false,
        daytrade_count: 0,
        shorting_enabled: true,
      };
      fake.control.book.cash = 100_000;
    }
  });

  it('says what is wrong and how to fix it, and exits non-zero, when the keys are refused', async () => {
    const result = await runCli(['doctor'], { cwd: folder, env: env('wrong-secret') });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/FAIL broker/);
    expect(result.stdout).toContain('fix: Set APCA_API_KEY_ID and APCA_API_SECRET_KEY');
    expect(result.stdout).not.toContain('wrong-secret');
  });

  it('runs checks added by other concerns', async () => {
    const extra: DoctorCheck = {
      name: 'llm',
      run: async () => ({ status: 'fail', detail: 'no route answers', fix: 'configure one' }),
    };
    const config = loadConfig({ cwd: folder, env: env(fake.secretKey) });
    const report = await runDoctor({ config, logger: silentLogger(), store: async () => database.store }, [
      ...doctorChecks,
      extra,
    ]);
    expect(report.ok).toBe(false);
    expect(report.checks.at(-1)).toMatchObject({ name: 'llm', status: 'fail', fix: 'configure one' });
  });

  it('checks each configured LLM route: a reachable server passes, a missing CLI and a refused key are named', async () => {
    const local = await startFakeOpenAi({ dialect: 'compatible' });
    const paid = await startFakeOpenAi({ apiKey: 'sk-right-key' });
    try {
      const routes = (extra: unknown[]) =>
        loadConfig({
          cwd: folder,
          env: { ...env(fake.secretKey), OPENAI_API_KEY: 'sk-wrong-key' },
          overrides: { llm: llmSectionSchema.parse({ routes: extra }) },
        });
      const context = (config: ReturnType<typeof routes>) => ({
        config,
        logger: silentLogger(),
        store: async () => database.store,
      });
      const healthy = routes([
        { name: 'local', kind: 'openai-compatible', model: 'qwen3:8b', baseUrl: `${local.baseUrl}/v1` },
      ]);
      expect(await llmRoutesCheck.run(context(healthy))).toMatchObject({
        status: 'ok',
        detail: 'local reachable',
      });
      const broken = routes([
        { name: 'local', kind: 'openai-compatible', model: 'qwen3:8b', baseUrl: `${local.baseUrl}/v1` },
        { name: 'claude', kind: 'claude-cli', model: 'sonnet', binary: '/nonexistent/claude' },
        { name: 'paid', kind: 'openai', model: 'gpt-5.4-mini', baseUrl: `${paid.baseUrl}/v1` },
      ]);
      const result = await llmRoutesCheck.run(context(broken));
      expect(result.status).toBe('warn');
      expect(result.detail).toMatch(/claude: the \/nonexistent\/claude executable is not on PATH/);
      expect(result.detail).toMatch(/paid: .* refused the key \(401\)/);
      expect(result.detail).not.toContain('sk-wrong-key');
    } finally {
      await local.close();
      await paid.close();
    }
  });

  it('sends every skill’s output schema to each route once: accepted, refused (with the vendor’s words), or not probed', async () => {
    const local = await startFakeOpenAi({ dialect: 'compatible', defaultText: '{}' });
    try {
      const config = loadConfig({
        cwd: folder,
        env: env(fake.secretKey),
        overrides: {
          llm: llmSectionSchema.parse({
            routes: [
              { name: 'local', kind: 'openai-compatible', model: 'qwen3:8b', baseUrl: `${local.baseUrl}/v1` },
            ],
          }),
        },
      });
      const context = { config, logger: silentLogger(), store: async () => database.store };
      const accepted = await llmSchemasCheck.run(context);
      expect(accepted).toMatchObject({ status: 'ok', detail: '7 skill schemas accepted by local' });
      // Each probe carries the skill's real schema and the smallest answer cap.
      const probes = local.requests.map((request) => request.body as Record<string, unknown>);
      expect(probes).toHaveLength(7);
      expect(probes.map((body) => body.max_tokens)).toEqual([16, 16, 16, 16, 16, 16, 16]);
      expect(probes[0]).toMatchObject({ response_format: { type: 'json_schema' } });

      local.script({
        kind: 'error',
        status: 400,
        message: "Invalid schema for response_format 'regime': 'minimum' is not permitted.",
      });
      const refused = await llmSchemasCheck.run(context);
      expect(refused.status).toBe('fail');
      expect(refused.detail).toMatch(
        /^route local rejects our request for skill [a-z-]+: invalid_request_error: Invalid schema for response_format 'regime': 'minimum' is not permitted\.$/,
      );

      expect(await llmSchemasCheck.run({ ...context, probeLlm: false })).toMatchObject({ status: 'skip' });
      const before = local.requests.length;
      await local.close();
      const down = await llmSchemasCheck.run(context);
      expect(down.status).toBe('warn');
      expect(down.detail).toMatch(/^route local could not be probed: /);
      expect(local.requests.length).toBe(before);
    } finally {
      await local.close().catch(() => {});
    }
  });
});
