import { describe, expect, it } from 'vitest';
import {
  type ClaudeStep,
  type CodexStep,
  createCliScript,
  fakeClaudePath,
  fakeCodexPath,
} from '../../../test/fakes/cli-script.ts';
import { failure, routeRequest, useVendorFakes, vendorKeys } from '../../../test/support/vendor-fakes.ts';
import { Secret } from '../../config/index.ts';
import {
  createAnthropicRoute,
  createClaudeCliRoute,
  createCodexCliRoute,
  createGeminiRoute,
  createOpenAiCompatibleRoute,
  createOpenAiRoute,
} from './index.ts';

const { anthropic: anthropicKey, openai: openAiKey, gemini: geminiKey } = vendorKeys;
const request = routeRequest;
const fakes = useVendorFakes();

describe('anthropic route', () => {
  const route = () =>
    createAnthropicRoute({
      name: 'anthropic',
      model: 'claude-sonnet-5-5',
      apiKey: new Secret(anthropicKey),
      baseUrl: fakes.anthropic.baseUrl,
      timeoutMs: 5_000,
      maxOutputTokens: 512,
    });

  it('sends the system text with cache_control and maps usage (cache tokens included in input)', async () => {
    fakes.anthropic.script({
      kind: 'success',
      text: '{"action":"HOLD"}',
      usage: {
        input_tokens: 10,
        cache_read_input_tokens: 300,
        cache_creation_input_tokens: 50,
        output_tokens: 7,
      },
    });
    const answer = await route().complete(request);
    expect(answer.text).toBe('{"action":"HOLD"}');
    expect(answer.usage).toEqual({
      inputTokens: 360,
      outputTokens: 7,
      cachedTokens: 300,
      cacheWriteTokens: 50,
    });
    const sent = fakes.anthropic.requests.at(-1)!;
    // The SDK (API version 2026-10-21) sends the key as a bearer token.
    expect(sent.headers.authorization).toBe(`Bearer ${anthropicKey}`);
    expect(sent.headers['anthropic-version']).toBe('2026-10-21');
    expect(sent.body).toMatchObject({
      system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
      output_config: { format: { type: 'json_schema' } },
    });
    expect(sent.body).not.toHaveProperty('temperature');
  });

  it('maps 401, 429 with retry-after, 529, malformed bodies and refusals to typed errors', async () => {
    const bad = createAnthropicRoute({
      name: 'anthropic',
      model: 'claude-sonnet-5-5',
      apiKey: new Secret('sk-ant-wrong-key-123456'),
      baseUrl: fakes.anthropic.baseUrl,
      timeoutMs: 5_000,
      maxOutputTokens: 512,
    });
    const auth = await failure(bad.complete(request));
    expect(auth.code).toBe('llm_auth');
    expect(auth.opensRoute).toBe(true);
    expect(auth.message).not.toContain('sk-ant-wrong-key-123456');

    fakes.anthropic.script({ kind: 'error', status: 429, retryAfterSeconds: 7 });
    const limited = await failure(route().complete(request));
    expect(limited.code).toBe('llm_rate_limited');
    expect(limited.retryAfterMs).toBe(7_000);

    fakes.anthropic.script({ kind: 'error', status: 529 });
    expect((await failure(route().complete(request))).code).toBe('llm_overloaded');
    fakes.anthropic.script({ kind: 'error', status: 500 });
    expect((await failure(route().complete(request))).code).toBe('llm_server_error');
    fakes.anthropic.script({ kind: 'malformed' });
    expect((await failure(route().complete(request))).fault).toBe('external');
    fakes.anthropic.script({ kind: 'success', text: '', stopReason: 'refusal' });
    expect((await failure(route().complete(request))).code).toBe('llm_refusal');
    fakes.anthropic.script({ kind: 'error', status: 400, message: 'temperature: not supported' });
    const rejected = await failure(route().complete(request));
    expect(rejected.code).toBe('llm_bad_request');
    expect(rejected.opensRoute).toBe(true);
  });

  it('can be scripted from another process through its control API', async () => {
    const scripted = await fetch(`${fakes.anthropic.baseUrl}/_control/script`, {
      method: 'POST',
      body: JSON.stringify({ steps: [{ kind: 'error', status: 529 }] }),
    });
    expect(scripted.status).toBe(204);
    expect((await failure(route().complete(request))).code).toBe('llm_overloaded');
    const seen = (await (await fetch(`${fakes.anthropic.baseUrl}/_control/requests`)).json()) as unknown[];
    expect(seen.length).toBe(fakes.anthropic.requests.length);
  });

  it('times out a slow answer', async () => {
    fakes.anthropic.script({ kind: 'hang' });
    const error = await failure(route().complete({ ...request, timeoutMs: 200 }));
    expect(error.code).toBe('llm_timeout');
    expect(error.fault).toBe('timeout');
  });
});

describe('openai routes', () => {
  const route = (key = openAiKey) =>
    createOpenAiRoute({
      name: 'openai',
      model: 'gpt-6.1-sol',
      apiKey: new Secret(key),
      baseUrl: `${fakes.openai.baseUrl}/v1`,
      timeoutMs: 5_000,
      maxOutputTokens: 512,
      flavor: 'openai',
    });

  it('asks for JSON-schema output and maps usage (prompt tokens include cached ones)', async () => {
    fakes.openai.script({
      kind: 'success',
      text: '{"action":"BUY"}',
      usage: { prompt_tokens: 400, completion_tokens: 20, cached_tokens: 128 },
    });
    const answer = await route().complete(request);
    expect(answer.text).toBe('{"action":"BUY"}');
    expect(answer.usage).toEqual({
      inputTokens: 400,
      outputTokens: 20,
      cachedTokens: 128,
      cacheWriteTokens: 0,
    });
    expect(fakes.openai.requests.at(-1)!.body).toMatchObject({
      messages: [{ role: 'developer', content: request.system }, { role: 'user' }],
      response_format: { type: 'json_schema', json_schema: { name: 'decision', strict: true } },
    });
  });

  it('scrubs the masked key a 401 echoes; 429 carries retry-after; quota 429 is an auth-like error', async () => {
    const wrong = 'sk-proj-WRONGKEY99999999999';
    const auth = await failure(route(wrong).complete(request));
    expect(auth.code).toBe('llm_auth');
    expect(auth.message).not.toContain('sk-pro');
    fakes.openai.script({ kind: 'error', status: 429, retryAfterSeconds: 2 });
    const limited = await failure(route().complete(request));
    expect(limited.retryAfterMs).toBe(2_000);
    fakes.openai.script({
      kind: 'error',
      status: 429,
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: 'You exceeded your current quota.',
    });
    expect((await failure(route().complete(request))).opensRoute).toBe(true);
    fakes.openai.script({ kind: 'error', status: 503 });
    expect((await failure(route().complete(request))).code).toBe('llm_server_error');
    fakes.openai.script({ kind: 'success', text: '', refusal: 'I cannot help with that.' });
    expect((await failure(route().complete(request))).code).toBe('llm_refusal');
    fakes.openai.script({ kind: 'success', text: '{"act', finishReason: 'length' });
    expect((await failure(route().complete(request))).code).toBe('llm_truncated');
  });

  it('speaks to a local OpenAI-compatible server without a key', async () => {
    const compatible = createOpenAiCompatibleRoute({
      name: 'ollama',
      model: 'qwen3:8b',
      baseUrl: `${fakes.local.baseUrl}/v1`,
      timeoutMs: 5_000,
      maxOutputTokens: 256,
    });
    expect(compatible.billing).toBe('local');
    fakes.local.script({
      kind: 'success',
      text: '{"action":"SELL"}',
      usage: { prompt_tokens: 50, completion_tokens: 5 },
    });
    const answer = await compatible.complete({ ...request, temperature: 0.2 });
    expect(answer.text).toBe('{"action":"SELL"}');
    expect(fakes.local.requests.at(-1)!.body).toMatchObject({
      messages: [{ role: 'system' }, { role: 'user' }],
      temperature: 0.2,
      max_tokens: 256,
    });
    fakes.local.script({ kind: 'error', status: 500 });
    expect((await failure(compatible.complete(request))).code).toBe('llm_server_error');
  });
});

describe('gemini route', () => {
  const route = (key = geminiKey, model = 'gemini-3.5-flash') =>
    createGeminiRoute({
      name: 'gemini',
      model,
      apiKey: new Secret(key),
      baseUrl: fakes.gemini.baseUrl,
      timeoutMs: 5_000,
      maxOutputTokens: 512,
    });

  it('sends systemInstruction and the JSON schema; maps usage with implicitly cached tokens', async () => {
    const long = { ...request, system: 'Stable persona text. '.repeat(400) };
    await route().complete(long);
    fakes.gemini.script({
      kind: 'success',
      text: '{"action":"BUY"}',
      usage: { candidatesTokenCount: 9, thoughtsTokenCount: 30 },
    });
    const answer = await route().complete(long);
    expect(answer.text).toBe('{"action":"BUY"}');
    expect(answer.usage.cachedTokens).toBe(Math.ceil(long.system.length / 4));
    expect(answer.usage.outputTokens).toBe(39);
    const sent = fakes.gemini.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-3.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(geminiKey);
    expect(sent.body).toMatchObject({
      systemInstruction: { parts: [{ text: long.system }] },
      contents: [{ role: 'user', parts: [{ text: 'AAPL: enter?' }] }],
      generationConfig: { responseMimeType: 'application/json', maxOutputTokens: 512 },
    });
  });

  it('maps a wrong key, an unknown model, quota, overload, truncation and a bad body to typed errors', async () => {
    const auth = await failure(route('AIzaSyWRONG000000000000000000000000').complete(request));
    expect(auth.code).toBe('llm_auth');
    expect(auth.message).not.toContain('AIzaSyWRONG');
    const model = await failure(route(geminiKey, 'gemini-9-imaginary').complete(request));
    expect(model.code).toBe('llm_bad_request');
    expect(model.opensRoute).toBe(true);
    expect(model.message).toMatch(/models\/gemini-9-imaginary is not found/);
    fakes.gemini.script({ kind: 'error', status: 429 });
    expect((await failure(route().complete(request))).code).toBe('llm_rate_limited');
    fakes.gemini.script({ kind: 'error', status: 503 });
    expect((await failure(route().complete(request))).code).toBe('llm_server_error');
    fakes.gemini.script({ kind: 'success', text: '{"act', finishReason: 'MAX_TOKENS' });
    expect((await failure(route().complete(request))).code).toBe('llm_truncated');
    fakes.gemini.script({ kind: 'malformed' });
    expect((await failure(route().complete(request))).fault).toBe('external');
    fakes.gemini.script({ kind: 'hang' });
    expect((await failure(route().complete({ ...request, timeoutMs: 200 }))).code).toBe('llm_timeout');
  });
});

describe('claude-cli route', () => {
  const script = createCliScript<ClaudeStep>('claude');
  script.use();
  const route = createClaudeCliRoute({
    name: 'claude',
    model: 'sonnet',
    binary: fakeClaudePath,
    timeoutMs: 10_000,
    passEnv: script.passEnv,
  });

  it('runs print mode with JSON output, no tools and our system prompt; parses the result', async () => {
    script.script({
      kind: 'success',
      text: '{"action":"HOLD"}',
      costUsd: 0.02,
      warning: 'Warning: no stdin data received in 3s',
    });
    const answer = await route.complete(request);
    expect(answer.text).toBe('{"action":"HOLD"}');
    expect(answer.reportedCostUsd).toBe(0.02);
    expect(answer.model).toBe('claude-sonnet-5-5');
    expect(answer.usage).toEqual({
      inputTokens: 12 + 4120 + 15890,
      outputTokens: 214,
      cachedTokens: 15890,
      cacheWriteTokens: 4120,
    });
    const call = script.calls().at(-1)!;
    expect(call.stdin).toBe('AAPL: enter?');
    expect(call.argv).toEqual(
      expect.arrayContaining([
        '-p',
        '--output-format',
        'json',
        '--tools',
        '',
        '--system-prompt',
        request.system,
      ]),
    );
  });

  it('reads the verbose array shape and structured_output', async () => {
    script.script({ kind: 'success', text: 'prose', structured: { action: 'BUY' }, verbose: true });
    const answer = await route.complete(request);
    expect(answer.structured).toEqual({ action: 'BUY' });
  });

  it('detects usage limits, API errors, non-zero exits and timeouts', async () => {
    script.script({ kind: 'usage_limit' });
    expect((await failure(route.complete(request))).code).toBe('llm_usage_limit');
    script.script({ kind: 'usage_limit', text: 'Claude AI usage limit reached|4102444800' });
    const old = await failure(route.complete(request));
    expect(old.code).toBe('llm_usage_limit');
    expect(old.retryAfterMs).toBeGreaterThan(0);
    script.script({ kind: 'api_error', status: 529 });
    expect((await failure(route.complete(request))).code).toBe('llm_overloaded');
    script.script({ kind: 'api_error', status: 429 });
    expect((await failure(route.complete(request))).code).toBe('llm_rate_limited');
    script.script({ kind: 'api_error', status: 401 });
    expect((await failure(route.complete(request))).code).toBe('llm_auth');
    script.script({ kind: 'exit', code: 2, stderr: 'Error: unknown option --bogus' });
    const exit = await failure(route.complete(request));
    expect(exit.code).toBe('llm_process');
    expect(exit.message).toContain('exit 2');
    script.script({ kind: 'hang' });
    expect((await failure(route.complete({ ...request, timeoutMs: 500 }))).code).toBe('llm_timeout');
  });

  it('reports a missing binary as a configuration error', async () => {
    const missing = createClaudeCliRoute({
      name: 'claude',
      model: 'sonnet',
      binary: '/nonexistent/claude',
      timeoutMs: 1_000,
    });
    const error = await failure(missing.complete(request));
    expect(error.code).toBe('llm_config');
  });
});

describe('codex-cli route', () => {
  const script = createCliScript<CodexStep>('codex');
  script.use();
  const route = createCodexCliRoute({
    name: 'codex',
    model: 'gpt-6.1-sol',
    binary: fakeCodexPath,
    timeoutMs: 10_000,
    passEnv: script.passEnv,
  });

  it('runs codex exec --json with the schema file; takes the last agent message and usage', async () => {
    script.script({ kind: 'success', text: '{"action":"BUY"}', banner: 'codex 0.169.0 (research preview)' });
    const answer = await route.complete(request);
    expect(answer.text).toBe('{"action":"BUY"}');
    expect(answer.usage).toEqual({
      inputTokens: 26642,
      outputTokens: 52,
      cachedTokens: 8576,
      cacheWriteTokens: 0,
    });
    const call = script.calls().at(-1)!;
    expect(call.argv.slice(0, 2)).toEqual(['exec', '--json']);
    expect(call.argv).toContain('--output-schema');
    expect(call.stdin.startsWith(request.system)).toBe(true);
  });

  it('detects the usage limit, failed turns and non-zero exits', async () => {
    script.script({ kind: 'usage_limit' });
    expect((await failure(route.complete(request))).code).toBe('llm_usage_limit');
    script.script({ kind: 'turn_failed' });
    expect((await failure(route.complete(request))).code).toBe('llm_rate_limited');
    script.script({ kind: 'turn_failed', message: 'unexpected status 502 Bad Gateway: upstream' });
    expect((await failure(route.complete(request))).code).toBe('llm_server_error');
    script.script({ kind: 'exit', code: 3, stderr: 'Error: config invalid' });
    expect((await failure(route.complete(request))).code).toBe('llm_process');
  });
});
