import { randomBytes } from 'node:crypto';
import { anthropicSchemaProblem } from './schema-rules.mjs';
import { type ScriptedServer, sendJson, sleep, startScriptedServer } from './scripted-http.ts';

/**
 * A local server speaking the Anthropic Messages API (reference §3): `POST /v1/messages`, the
 * documented response and error bodies, `retry-after` on 429/529, `request-id` headers. Each
 * request consumes one scripted step — after the request passed the checks the real API makes
 * (see `refusal` below; each rule names its source). The official SDK runs unchanged against it.
 */
export type AnthropicStep =
  | {
      kind: 'success';
      text: string;
      usage?: Partial<{
        input_tokens: number;
        output_tokens: number;
        cache_creation_input_tokens: number;
        cache_read_input_tokens: number;
      }>;
      stopReason?: 'end_turn' | 'max_tokens' | 'refusal';
      delayMs?: number;
    }
  | {
      kind: 'error';
      status: 400 | 401 | 402 | 403 | 404 | 429 | 500 | 504 | 529;
      message?: string;
      retryAfterSeconds?: number;
      delayMs?: number;
    }
  | { kind: 'malformed'; delayMs?: number }
  | { kind: 'hang' };

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const defaultMessages: Record<number, string> = {
  401: 'invalid x-api-key',
  429: "This request would exceed your organization's rate limit. Please try again later.",
  500: 'Internal server error',
  529: 'Overloaded',
};

export interface FakeAnthropic extends ScriptedServer<AnthropicStep> {}

export interface AnthropicModelLimits {
  /** Largest max_tokens the model takes. */
  maxOutput: number;
  /** Context window in tokens (prompt + max_tokens). */
  context: number;
}

/**
 * Model ids the fake knows, with the limits of the docs' models overview; any other id is the
 * API's 404 not_found_error "model: <id>". Tests may pass their own table.
 */
export const anthropicModels: Record<string, AnthropicModelLimits> = {
  'claude-fable-5-1': { maxOutput: 128_000, context: 1_000_000 },
  'claude-opus-5-5': { maxOutput: 128_000, context: 1_000_000 },
  'claude-sonnet-5-5': { maxOutput: 64_000, context: 1_000_000 },
  'claude-haiku-5-5': { maxOutput: 64_000, context: 200_000 },
  'claude-opus-4-8': { maxOutput: 128_000, context: 200_000 },
  'claude-sonnet-4-6': { maxOutput: 64_000, context: 200_000 },
  'claude-haiku-4-5': { maxOutput: 64_000, context: 200_000 },
};

/** API versions the service answers (docs: API reference → Versions). */
const apiVersions = new Set(['2023-06-01', '2026-10-21']);
/** The fake's token estimate: about four characters a token, as the docs' rule of thumb. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);
/** Prompt caching: shorter prefixes are not cached (docs: prompt caching → minimum cacheable length). */
const minimumCacheable = 1_024;

interface MessagesBody {
  model?: unknown;
  max_tokens?: unknown;
  messages?: unknown;
  system?: unknown;
  temperature?: unknown;
  top_p?: unknown;
  top_k?: unknown;
  output_config?: { format?: { type?: unknown; schema?: unknown } };
  output_format?: { type?: unknown; schema?: unknown };
}

function systemBlocks(system: unknown): Array<{ text: string; cached: boolean }> {
  if (typeof system === 'string') return [{ text: system, cached: false }];
  if (!Array.isArray(system)) return [];
  return system.map((block: { text?: unknown; cache_control?: unknown }) => ({
    text: typeof block.text === 'string' ? block.text : '',
    cached: block.cache_control !== undefined,
  }));
}

function promptText(body: MessagesBody): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ content?: unknown }>) : [];
  return [
    ...systemBlocks(body.system).map((block) => block.text),
    ...messages.map((message) =>
      typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
    ),
  ].join('\n');
}

/**
 * The checks the real API makes before any model runs, in its order, with its status and error
 * type; undefined when the request passes.
 */
function refusal(
  headers: RecordedHeaders,
  body: MessagesBody,
  apiKey: string,
  models: Record<string, AnthropicModelLimits>,
): { status: number; message: string } | undefined {
  // Auth (docs: API overview → authentication): x-api-key, or since API version 2026-10-21 the
  // SDKs' Authorization: Bearer <key>. Missing: 401 "x-api-key header is required".
  const bearer = String(headers.authorization ?? '');
  const given = headers['x-api-key'] ?? (bearer.startsWith('Bearer ') ? bearer.slice(7) : undefined);
  if (given === undefined) return { status: 401, message: 'x-api-key header is required' };
  if (given !== apiKey) return { status: 401, message: 'invalid x-api-key' };
  // Versioning (docs: API reference → Versions): the header is required, unknown values refused.
  const version = headers['anthropic-version'];
  if (version === undefined) return { status: 400, message: 'anthropic-version: header is required' };
  if (typeof version !== 'string' || !apiVersions.has(version))
    return { status: 400, message: `anthropic-version: unknown version '${String(version)}'` };
  if (typeof body !== 'object' || body === null) return { status: 400, message: 'Invalid JSON body' };
  for (const field of ['model', 'max_tokens', 'messages'] as const) {
    if (body[field] === undefined) return { status: 400, message: `${field}: Field required` };
  }
  // Migration guide for 2026-10-21: temperature, top_p and top_k are removed (400).
  if (version === '2026-10-21') {
    for (const field of ['temperature', 'top_p', 'top_k'] as const) {
      if (body[field] !== undefined)
        return { status: 400, message: `${field}: Extra inputs are not permitted in API version 2026-10-21` };
    }
  }
  // Errors page: an unknown model is 404 not_found_error "model: <id>".
  const limits = typeof body.model === 'string' ? models[body.model] : undefined;
  if (!limits) return { status: 404, message: `model: ${String(body.model)}` };
  // Messages API reference: max_tokens x >= 1, and at most the model's output limit (models overview).
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    return { status: 400, message: 'max_tokens: Input should be greater than or equal to 1' };
  if (body.max_tokens > limits.maxOutput)
    return {
      status: 400,
      message: `max_tokens: ${body.max_tokens} > ${limits.maxOutput}, which is the maximum allowed number of output tokens for ${body.model}`,
    };
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return { status: 400, message: 'messages: at least one message is required' };
  // Context windows page: prompt over the window is 400 "prompt is too long: N tokens > M maximum".
  const prompt = estimateTokens(promptText(body));
  if (prompt > limits.context)
    return { status: 400, message: `prompt is too long: ${prompt} tokens > ${limits.context} maximum` };
  // Structured outputs: the schema must stay inside the documented subset (schema-rules.mjs).
  const format = body.output_config?.format ?? body.output_format;
  if (format !== undefined) {
    if (format.type !== 'json_schema')
      return { status: 400, message: `output_config.format.type: Input should be 'json_schema'` };
    const problem = anthropicSchemaProblem(
      format.schema,
      body.output_config ? 'output_config.format.schema' : 'output_format.schema',
    );
    if (problem) return { status: 400, message: problem };
  }
  return undefined;
}

type RecordedHeaders = Record<string, string | string[] | undefined>;

export function startFakeAnthropic(options: {
  apiKey: string;
  defaultText?: string;
  models?: Record<string, AnthropicModelLimits>;
}): Promise<FakeAnthropic> {
  const requestId = () => `req_011${randomBytes(10).toString('hex')}`;
  const models = options.models ?? anthropicModels;
  // Cached prefixes (by text) for the usage numbers a cache hit reports.
  const cached = new Set<string>();
  return startScriptedServer<AnthropicStep>({
    defaultStep: { kind: 'success', text: options.defaultText ?? '{"action":"HOLD","confidence":0.5}' },
    accepts: (path) => path === '/v1/messages',
    notFound: (response, path) =>
      sendJson(response, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: `Not found: ${path}` },
        request_id: requestId(),
      }),
    async handle(request, step, response) {
      const headers = { 'request-id': requestId(), 'anthropic-organization-id': 'org-fake' };
      const error = (status: number, message: string, extra: Record<string, string> = {}) =>
        sendJson(
          response,
          status,
          {
            type: 'error',
            error: { type: errorTypes[status] ?? 'api_error', message },
            request_id: headers['request-id'],
          },
          { ...headers, ...extra },
        );
      const body = request.body as MessagesBody;
      const refused = refusal(request.headers, body, options.apiKey, models);
      if (refused) return error(refused.status, refused.message);
      if (step.kind === 'hang') return; // never answers: the client's deadline must fire
      if (step.delayMs) await sleep(step.delayMs);
      if (step.kind === 'error') {
        const extra: Record<string, string> =
          step.retryAfterSeconds !== undefined ? { 'retry-after': String(step.retryAfterSeconds) } : {};
        return error(step.status, step.message ?? defaultMessages[step.status] ?? 'error', extra);
      }
      if (step.kind === 'malformed') {
        response
          .writeHead(200, { 'content-type': 'application/json', ...headers })
          .end('{"id":"msg_01","type":"message","content":[{"type":"te');
        return;
      }
      // Prompt caching: a cache_control prefix long enough is written once, then read.
      const prefix = systemBlocks(body.system)
        .filter((block) => block.cached)
        .map((block) => block.text)
        .join('');
      const prefixTokens = estimateTokens(prefix);
      const cacheable = prefixTokens >= minimumCacheable;
      const hit = cacheable && cached.has(prefix);
      if (cacheable) cached.add(prefix);
      const usage = {
        input_tokens: 412,
        output_tokens: 19,
        cache_creation_input_tokens: cacheable && !hit ? prefixTokens : 0,
        cache_read_input_tokens: hit ? prefixTokens : 0,
        ...step.usage,
      };
      sendJson(
        response,
        200,
        {
          id: `msg_01${randomBytes(8).toString('hex')}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: step.stopReason === 'refusal' ? [] : [{ type: 'text', text: step.text }],
          stop_reason: step.stopReason ?? 'end_turn',
          stop_sequence: null,
          stop_details: null,
          usage: {
            ...usage,
            cache_creation: {
              ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
              ephemeral_1h_input_tokens: 0,
            },
            output_tokens_details: { thinking_tokens: 0 },
            server_tool_use: null,
            service_tier: 'standard',
            inference_geo: 'global',
          },
        },
        headers,
      );
    },
  });
}
