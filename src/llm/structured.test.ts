import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { llmSectionSchema, loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { CircuitBreaker } from './breaker.ts';
import { LlmConfigError } from './errors.ts';
import { requestHash } from './replay.ts';
import { LlmRouter } from './router.ts';
import { extractJson, validateAnswer } from './structured.ts';

describe('answer parsing', () => {
  it('finds JSON bare, fenced or wrapped in prose', () => {
    expect(extractJson('{"a":1}')).toMatchObject({ ok: true, value: { a: 1 } });
    expect(extractJson('Sure:\n```json\n{"a":2}\n```')).toMatchObject({ ok: true, value: { a: 2 } });
    expect(extractJson('The answer is {"a":3}. Done.')).toMatchObject({ ok: true, value: { a: 3 } });
    expect(extractJson('no json here')).toMatchObject({ ok: false });
    expect(extractJson('')).toMatchObject({ ok: false, problem: 'the answer was empty' });
  });

  it('names the failing field', () => {
    const schema = z.object({ action: z.enum(['BUY', 'SELL']) });
    const result = validateAnswer(schema, '{"action":"HOLD"}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain('action:');
    expect(validateAnswer(schema, 'prose', { action: 'BUY' })).toMatchObject({
      ok: true,
      value: { action: 'BUY' },
    });
  });
});

describe('request hash', () => {
  it('ignores key order in the schema and changes with the skill version', () => {
    const base = {
      skill: { name: 's', version: '1' },
      system: 'sys',
      prompt: 'p',
      jsonSchema: { a: 1, b: 2 },
    };
    expect(requestHash(base)).toBe(requestHash({ ...base, jsonSchema: { b: 2, a: 1 } }));
    expect(requestHash(base)).not.toBe(requestHash({ ...base, skill: { name: 's', version: '2' } }));
  });
});

describe('circuit breaker', () => {
  it('opens after N failures, allows one trial after the cooldown, and honours retry-after', () => {
    const breaker = new CircuitBreaker('r', { failures: 2, cooldownMs: 100 });
    const failure = { code: 'x', message: 'x', opensRoute: false, retryAfterMs: undefined };
    expect(breaker.failure(failure, 0).to).toBe('closed');
    expect(breaker.failure(failure, 0).to).toBe('open');
    expect(breaker.admit(50)).toMatchObject({ allowed: false, code: 'breaker_open' });
    expect(breaker.admit(100)).toMatchObject({ allowed: true, trial: true });
    expect(breaker.admit(100)).toMatchObject({ allowed: false, code: 'trial_in_flight' });
    expect(breaker.success()?.to).toBe('closed');
    breaker.failure({ ...failure, retryAfterMs: 500 }, 1_000);
    expect(breaker.admit(1_400)).toMatchObject({ allowed: false, code: 'retry_after' });
    expect(breaker.admit(1_500)).toMatchObject({ allowed: true, trial: false });
    expect(breaker.failure({ ...failure, opensRoute: true }, 2_000).to).toBe('open');
  });
});

describe('llm config', () => {
  it('reads keys from the environment per route, never from the file', () => {
    const config = loadConfig({
      cwd: '/nonexistent',
      env: { ANTHROPIC_API_KEY: 'sk-ant-1', OLLAMA_KEY: 'local-1' },
      overrides: {
        llm: {
          routes: [
            { name: 'a', kind: 'anthropic', model: 'claude-sonnet-5-5' },
            { name: 'o', kind: 'openai', model: 'gpt-6.1-sol' },
            {
              name: 'l',
              kind: 'openai-compatible',
              model: 'qwen3:8b',
              baseUrl: 'http://localhost:11434/v1',
              apiKeyEnv: 'OLLAMA_KEY',
            },
          ],
        } as never,
      },
    });
    expect(config.secrets.llm.a?.reveal()).toBe('sk-ant-1');
    expect(config.secrets.llm.o).toBeUndefined();
    expect(config.secrets.llm.l?.reveal()).toBe('local-1');
    expect(JSON.stringify(config)).not.toContain('sk-ant-1');
    expect(config.llm.routes[0]).toMatchObject({ priority: 100, timeoutMs: 120_000 });
    expect(config.llm.mode).toBe('live');
  });

  it('rejects duplicate route names and unknown keys', () => {
    const route = { name: 'a', kind: 'anthropic', model: 'm' };
    expect(() =>
      loadConfig({ cwd: '/nonexistent', env: {}, overrides: { llm: { routes: [route, route] } as never } }),
    ).toThrow(/route names must be unique/);
    expect(() =>
      loadConfig({
        cwd: '/nonexistent',
        env: {},
        overrides: { llm: { routes: [{ ...route, apikey: 'x' }] } as never },
      }),
    ).toThrow(/apikey/);
  });

  it('refuses a paid route whose model has no price, naming the key to add', () => {
    const section = llmSectionSchema.parse({
      routes: [{ name: 'a', kind: 'anthropic', model: 'claude-new-9' }],
    });
    const store = { query: async () => ({ rows: [], rowCount: 0 }) };
    expect(() => new LlmRouter({ section, store, logger: silentLogger() })).toThrow(LlmConfigError);
    expect(() => new LlmRouter({ section, store, logger: silentLogger() })).toThrow(/claude-new-9/);
    const priced = llmSectionSchema.parse({
      ...section,
      prices: { 'claude-new-9': { input: 1, output: 2 } },
    });
    expect(new LlmRouter({ section: priced, store, logger: silentLogger() }).configured).toBe(true);
  });
});
