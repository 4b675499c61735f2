import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { llmSectionSchema, loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { CircuitBreaker } from './breaker.ts';
import { LlmConfigError } from './errors.ts';
import { requestHash } from './replay.ts';
import { LlmRouter } from './router.ts';
import { createRoute } from './routes/index.ts';
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

  it('hashes the same bytes as before (recorded answers stay findable), the schema cache included', () => {
    const input = {
      skill: { name: 'strategist', version: '1.2.0' },
      system: 'Philosophy: "protect" capital — ünïcode\nline\ttab \u2028 end',
      prompt: 'Bars for ORCL: 12.1 12.3 {"x":1}',
      jsonSchema: {
        type: 'object',
        required: ['b', 'a'],
        properties: {
          b: { type: 'number', minimum: 0 },
          a: { enum: ['X', null], description: 'é' },
        },
        additionalProperties: false,
      },
    };
    // Made by the plain canonical({ v, skill, skillVersion, system, prompt, schema }) form.
    const pinned = '4aa3c75182bd247ce0520225eab06254ffef8887f3afd5dcb7176368a04a11fb';
    expect(requestHash(input)).toBe(pinned);
    expect(requestHash({ ...input, jsonSchema: structuredClone(input.jsonSchema) })).toBe(pinned);
    expect(requestHash({ ...input, prompt: 'other' })).not.toBe(pinned);
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

  it('fills Ollama and OpenRouter presets (any field on the route wins) and reads GEMINI_API_KEY', () => {
    const config = loadConfig({
      cwd: '/nonexistent',
      env: { OPENROUTER_API_KEY: 'sk-or-v1-abc', GEMINI_API_KEY: 'AIza-1' },
      overrides: {
        llm: {
          routes: [
            { name: 'ollama', kind: 'openai-compatible', preset: 'ollama', model: 'qwen3:8b' },
            { name: 'router', kind: 'openai-compatible', preset: 'openrouter', model: 'x/y' },
            { name: 'g', kind: 'gemini', model: 'gemini-3.5-flash' },
            {
              name: 'mine',
              kind: 'openai-compatible',
              preset: 'ollama',
              model: 'm',
              baseUrl: 'http://10.0.0.2:11434/v1',
            },
          ],
          prices: { 'x/y': { input: 1, output: 2 } },
        } as never,
      },
    });
    expect(config.secrets.llm.router?.reveal()).toBe('sk-or-v1-abc');
    expect(config.secrets.llm.g?.reveal()).toBe('AIza-1');
    expect(config.secrets.llm.ollama).toBeUndefined();
    const routes = config.llm.routes.map((route) => createRoute(route, config.secrets.llm[route.name]));
    expect(routes.map((route) => [route.name, route.kind, route.billing])).toEqual([
      ['ollama', 'openai-compatible', 'local'],
      ['router', 'openai-compatible', 'paid'],
      ['g', 'gemini', 'paid'],
      ['mine', 'openai-compatible', 'local'],
    ]);
  });

  it('refuses a preset or structuredOutput on a kind other than openai-compatible, and temperature on Anthropic', () => {
    const load = (route: Record<string, unknown>) =>
      loadConfig({ cwd: '/nonexistent', env: {}, overrides: { llm: { routes: [route] } as never } });
    expect(() => load({ name: 'a', kind: 'openai', model: 'gpt-6.1-sol', preset: 'ollama' })).toThrow(
      /preset applies to kind openai-compatible only/,
    );
    expect(() => load({ name: 'a', kind: 'gemini', model: 'g', structuredOutput: 'json_object' })).toThrow(
      /structuredOutput applies to kind openai-compatible only/,
    );
    expect(() =>
      load({ name: 'a', kind: 'anthropic', model: 'claude-sonnet-5-5', sendTemperature: true }),
    ).toThrow(/2026-10-21/);
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
