import { spawn } from 'node:child_process';
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

describe('strict fakes refuse what the real services refuse, and the routes say so', () => {
  const raw = {
    ...request,
    output: {
      name: 'regime',
      jsonSchema: {
        type: 'object',
        additionalProperties: false,
        required: ['riskMultiplier'],
        properties: { riskMultiplier: { type: 'number', minimum: 0, maximum: 1 } },
      },
    },
  };

  it('Anthropic: the raw schema is a 400 invalid_request_error; the route sends the safe subset instead', async () => {
    const direct = await fetch(`${fakes.anthropic.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': anthropicKey,
        'anthropic-version': '2026-10-21',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-5-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'x' }],
        output_config: { format: { type: 'json_schema', schema: raw.output.jsonSchema } },
      }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: "output_config.format.schema: For 'number' type, property 'minimum' is not supported",
      },
    });
    const answer = await createAnthropicRoute({
      name: 'anthropic',
      model: 'claude-sonnet-5-5',
      apiKey: new Secret(anthropicKey),
      baseUrl: fakes.anthropic.baseUrl,
      timeoutMs: 5_000,
      maxOutputTokens: 512,
    }).complete(raw);
    expect(answer.text).toBeTruthy();
  });

  it('Anthropic: unknown model, max_tokens over the limit, temperature on 2026-10-21, no version header', async () => {
    const make = (model: string, maxOutputTokens: number) =>
      createAnthropicRoute({
        name: 'a',
        model,
        apiKey: new Secret(anthropicKey),
        baseUrl: fakes.anthropic.baseUrl,
        timeoutMs: 5_000,
        maxOutputTokens,
      });
    const model = await failure(make('claude-imaginary-9', 512).complete(request));
    expect(model.message).toBe('a: HTTP 404 not_found_error: model: claude-imaginary-9');
    expect(model.opensRoute).toBe(true);
    const tokens = await failure(make('claude-sonnet-5-5', 200_000).complete(request));
    expect(tokens.message).toMatch(
      /max_tokens: 200000 > 64000, which is the maximum allowed number of output tokens/,
    );
    const post = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
      fetch(`${fakes.anthropic.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          model: 'claude-sonnet-5-5',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x' }],
          ...extra,
        }),
      });
    const noVersion = await post({ 'x-api-key': anthropicKey });
    expect(noVersion.status).toBe(400);
    const noKey = await post({ 'anthropic-version': '2023-06-01' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({
      error: { type: 'authentication_error', message: 'x-api-key header is required' },
    });
    const temperature = await post(
      { 'x-api-key': anthropicKey, 'anthropic-version': '2026-10-21' },
      { temperature: 0.2 },
    );
    expect(temperature.status).toBe(400);
    const tooLong = await post(
      { 'x-api-key': anthropicKey, 'anthropic-version': '2023-06-01' },
      {
        model: 'claude-haiku-5-5',
        messages: [{ role: 'user', content: 'x'.repeat(900_000) }],
      },
    );
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { message: string } }).error.message).toMatch(
      /^prompt is too long: \d+ tokens > 200000 maximum$/,
    );
  });

  it('OpenAI strict: the raw schema is refused as the API refuses it; the route sends required + closed objects', async () => {
    const direct = await fetch(`${fakes.openai.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${openAiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-6.1-sol',
        messages: [{ role: 'user', content: 'x' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'decision', strict: true, schema: request.output.jsonSchema },
        },
      }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        param: 'response_format',
        message: expect.stringMatching(/'additionalProperties' is required to be supplied and to be false/),
      },
    });
    const route = (model: string, maxOutputTokens = 512) =>
      createOpenAiRoute({
        name: 'o',
        model,
        apiKey: new Secret(openAiKey),
        baseUrl: `${fakes.openai.baseUrl}/v1`,
        timeoutMs: 5_000,
        maxOutputTokens,
        flavor: 'openai',
      });
    expect((await route('gpt-6.1-sol').complete(request)).text).toBeTruthy();
    const model = await failure(route('gpt-imaginary').complete(request));
    expect(model.message).toMatch(/The model 'gpt-imaginary' does not exist/);
    expect(model.opensRoute).toBe(true);
    const tokens = await failure(route('gpt-6.1-sol', 500_000).complete(request));
    expect(tokens.message).toMatch(/max_tokens is too large: 500000/);
    // A schema no transform can make acceptable (strict mode needs an object root) is refused
    // as our fault: the provider's words reach the error, and the route opens at once.
    const arrayRoot = await failure(
      route('gpt-6.1-sol').complete({
        ...request,
        output: { name: 'list', jsonSchema: { type: 'array', items: { type: 'string' } } },
      }),
    );
    expect(arrayRoot.code).toBe('llm_bad_request');
    expect(arrayRoot.fault).toBe('user');
    expect(arrayRoot.opensRoute).toBe(true);
    expect(arrayRoot.message).toMatch(
      /Invalid schema for response_format 'list': schema must be a JSON Schema of 'type: "object"'/,
    );
    const noKey = await fetch(`${fakes.openai.baseUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(noKey.status).toBe(401);
  });

  it('OpenAI-compatible JSON mode: the schema goes in the prompt, the server enforces none', async () => {
    const compatible = createOpenAiCompatibleRoute({
      name: 'plain',
      model: 'fake-model',
      baseUrl: `${fakes.local.baseUrl}/v1`,
      timeoutMs: 5_000,
      maxOutputTokens: 256,
      structuredOutput: 'json_object',
    });
    await compatible.complete(raw);
    const body = fakes.local.requests.at(-1)!.body as {
      response_format: unknown;
      messages: Array<{ content: string }>;
    };
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0]!.content).toContain(JSON.stringify(raw.output.jsonSchema));
    const unknown = await failure(
      createOpenAiCompatibleRoute({
        name: 'p',
        model: 'llama-none',
        baseUrl: `${fakes.local.baseUrl}/v1`,
        timeoutMs: 5_000,
        maxOutputTokens: 256,
      }).complete(request),
    );
    expect(unknown.message).toMatch(/model "llama-none" not found, try pulling it first/);
  });

  it('Gemini: an unsupported keyword is a 400 INVALID_ARGUMENT; the route sends the documented subset', async () => {
    const direct = await fetch(`${fakes.gemini.baseUrl}/v1beta/models/gemini-3.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': geminiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'x' }] }],
        generationConfig: {
          responseMimeType: 'application/json',
          responseJsonSchema: { type: 'object', properties: { a: { type: 'string', minLength: 1 } } },
        },
      }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const noKey = await fetch(`${fakes.gemini.baseUrl}/v1beta/models/gemini-3.5-flash:generateContent`, {
      method: 'POST',
      body: '{}',
    });
    expect(noKey.status).toBe(403);
    const answer = await createGeminiRoute({
      name: 'g',
      model: 'gemini-3.5-flash',
      apiKey: new Secret(geminiKey),
      baseUrl: fakes.gemini.baseUrl,
      timeoutMs: 5_000,
      maxOutputTokens: 512,
    }).complete(raw);
    expect(answer.text).toBeTruthy();
    const tokens = await failure(
      createGeminiRoute({
        name: 'g',
        model: 'gemini-3.5-flash',
        apiKey: new Secret(geminiKey),
        baseUrl: fakes.gemini.baseUrl,
        timeoutMs: 5_000,
        maxOutputTokens: 100_000,
      }).complete(request),
    );
    expect(tokens.message).toMatch(/maxOutputTokens value of 100000/);
  });
});

describe('strict CLI fakes', () => {
  const claudeScript = createCliScript<ClaudeStep>('claude');
  const codexScript = createCliScript<CodexStep>('codex');
  claudeScript.use();
  codexScript.use();
  const raw = {
    ...request,
    output: {
      name: 'regime',
      jsonSchema: {
        type: 'object',
        additionalProperties: false,
        required: ['rationale'],
        properties: { rationale: { type: 'string', minLength: 1, maxLength: 1200 } },
      },
    },
  };

  it('codex: reconnect error events followed by a completed turn -> the answer is used', async () => {
    codexScript.script({ kind: 'success', text: '{"action":"BUY"}', reconnects: 2 });
    const route = createCodexCliRoute({
      name: 'codex',
      model: 'gpt-6.1-sol',
      binary: fakeCodexPath,
      timeoutMs: 10_000,
      passEnv: codexScript.passEnv,
    });
    const answer = await route.complete(request);
    expect(answer.text).toBe('{"action":"BUY"}');
    expect(answer.usage.inputTokens).toBe(26642);
  });

  it('codex: the strict schema subset is what reaches it; a raw schema or an unknown model is our-fault and opens the route', async () => {
    const route = (model: string) =>
      createCodexCliRoute({
        name: 'codex',
        model,
        binary: fakeCodexPath,
        timeoutMs: 10_000,
        passEnv: codexScript.passEnv,
      });
    codexScript.script({ kind: 'success', text: '{"rationale":"ok"}' });
    expect((await route('gpt-6.1-sol').complete(raw)).text).toBe('{"rationale":"ok"}');
    const unknown = await failure(route('gpt-imaginary').complete(request));
    expect(unknown.code).toBe('llm_bad_request');
    expect(unknown.opensRoute).toBe(true);
    const bogus = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(fakeCodexPath, ['exec', '--json', '--bogus', '-']);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdin.end('x');
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/error: unexpected argument '--bogus' found/);
  });

  it('claude: refuses unknown flags; an unknown model is our-fault; the Anthropic subset passes', async () => {
    const bogus = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(fakeClaudePath, ['-p', '--output-format', 'json', '--bogus-flag', 'x']);
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stdin.end('x');
      child.on('close', (code) => resolve({ code, stderr, stdout }));
    });
    expect(bogus).toMatchObject({ code: 1, stdout: '' });
    expect(bogus.stderr).toBe("error: unknown option '--bogus-flag'\n");
    const route = (model: string) =>
      createClaudeCliRoute({
        name: 'claude',
        model,
        binary: fakeClaudePath,
        timeoutMs: 10_000,
        passEnv: claudeScript.passEnv,
      });
    claudeScript.script({ kind: 'success', text: '{"rationale":"ok"}' });
    expect((await route('sonnet').complete(raw)).text).toBe('{"rationale":"ok"}');
    const argv = claudeScript.calls().at(-1)!.argv;
    const sent = JSON.parse(argv[argv.indexOf('--json-schema') + 1]!) as {
      properties: { rationale: Record<string, unknown> };
    };
    expect(sent.properties.rationale).toEqual({
      type: 'string',
      description: '{minLength: 1, maxLength: 1200}',
    });
    const unknown = await failure(route('claude-imaginary-1').complete(request));
    expect(unknown.code).toBe('llm_bad_request');
    expect(unknown.message).toMatch(/issue with the selected model/);
  });
});
