import { randomBytes } from 'node:crypto';
import { estimateTokens } from './anthropic-server.ts';
import { openAiStrictSchemaProblem } from './schema-rules.mjs';
import { type ScriptedServer, sendJson, sleep, startScriptedServer } from './scripted-http.ts';

/**
 * A local server speaking OpenAI Chat Completions (reference §4.1, §4.3) and, with
 * `dialect: 'compatible'`, what Ollama / vLLM / llama.cpp / OpenRouter return (no usage details,
 * no rate-limit headers, optional auth). Mounted under `/v1` like the real services. Before a
 * scripted step is used, the request must pass the checks the real API makes (`refusal` below;
 * each rule names its source); the official SDK runs unchanged against it.
 */
export type OpenAiStep =
  | {
      kind: 'success';
      text: string;
      usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
      finishReason?: 'stop' | 'length';
      refusal?: string;
      delayMs?: number;
    }
  | {
      kind: 'error';
      status: 400 | 401 | 403 | 404 | 429 | 500 | 502 | 503;
      code?: string;
      type?: string;
      message?: string;
      retryAfterSeconds?: number;
      delayMs?: number;
    }
  | { kind: 'malformed'; delayMs?: number }
  | { kind: 'hang' };

export interface FakeOpenAi extends ScriptedServer<OpenAiStep> {}

export interface OpenAiModelLimits {
  /** Largest max_completion_tokens / max_tokens. */
  maxOutput: number;
  /** Context window in tokens. */
  context: number;
  /** Reasoning models refuse max_tokens (docs: API reference, max_tokens is deprecated for them). */
  refusesMaxTokens?: boolean;
}

/** The ids the fake knows (docs: models page), with their limits; others are 404 model_not_found. */
export const openAiModels: Record<string, OpenAiModelLimits> = {
  'gpt-6-astra': { maxOutput: 128_000, context: 1_000_000, refusesMaxTokens: true },
  'gpt-6.1-sol': { maxOutput: 128_000, context: 400_000, refusesMaxTokens: true },
  'gpt-6.1-terra': { maxOutput: 128_000, context: 400_000, refusesMaxTokens: true },
  'gpt-6-luna': { maxOutput: 128_000, context: 400_000, refusesMaxTokens: true },
  'gpt-5.4': { maxOutput: 128_000, context: 400_000, refusesMaxTokens: true },
  'gpt-5.4-mini': { maxOutput: 128_000, context: 400_000, refusesMaxTokens: true },
};

/** What a local server has pulled (an Ollama-style list); the compatible dialect's default. */
export const localModels: Record<string, OpenAiModelLimits> = {
  'fake-model': { maxOutput: 32_768, context: 131_072 },
  'qwen3:8b': { maxOutput: 32_768, context: 40_960 },
};

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  response_format?: { type?: unknown; json_schema?: { name?: unknown; strict?: unknown; schema?: unknown } };
}

type Refusal = { status: number; message: string; type: string; code: string | null; param: string | null };

/** The checks the real API makes before a model runs, with its status, type, code and param. */
function refusal(
  body: ChatBody,
  models: Record<string, OpenAiModelLimits>,
  dialect: 'openai' | 'compatible',
): Refusal | undefined {
  const invalid = (
    message: string,
    param: string | null,
    code: string | null = null,
    status = 400,
  ): Refusal => ({
    status,
    message,
    type: 'invalid_request_error',
    code,
    param,
  });
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof body.model !== 'string' ||
    !Array.isArray(body.messages)
  )
    return invalid("Missing required parameter: 'model' or 'messages'.", null, 'missing_required_parameter');
  // Errors guide: an unknown or inaccessible model is 404 model_not_found. (Ollama answers
  // 404 "model \"x\" not found, try pulling it first".)
  const limits = models[body.model];
  if (!limits)
    return dialect === 'openai'
      ? invalid(
          `The model '${body.model}' does not exist or you do not have access to it.`,
          null,
          'model_not_found',
          404,
        )
      : {
          status: 404,
          message: `model "${body.model}" not found, try pulling it first`,
          type: 'api_error',
          code: null,
          param: null,
        };
  // API reference: reasoning models take max_completion_tokens, and refuse max_tokens.
  if (limits.refusesMaxTokens && body.max_tokens !== undefined)
    return invalid(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    );
  const requested = body.max_completion_tokens ?? body.max_tokens;
  if (
    requested !== undefined &&
    (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1)
  )
    return invalid(
      `Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got ${String(requested)} instead.`,
      'max_tokens',
      'integer_below_min_value',
    );
  if (typeof requested === 'number' && requested > limits.maxOutput)
    return invalid(
      `max_tokens is too large: ${requested}. This model supports at most ${limits.maxOutput} completion tokens, whereas you provided ${requested}.`,
      'max_tokens',
      'invalid_value',
    );
  // Errors guide: a prompt over the context window is 400 context_length_exceeded.
  const messages = body.messages as Array<{ content?: unknown }>;
  const text = messages
    .map((message) =>
      typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
    )
    .join('\n');
  const prompt = estimateTokens(text);
  if (prompt > limits.context)
    return invalid(
      `This model's maximum context length is ${limits.context} tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`,
      'messages',
      'context_length_exceeded',
    );
  const format = body.response_format;
  // JSON mode guide: json_object requires the word "JSON" somewhere in the messages.
  if (format?.type === 'json_object' && !/json/i.test(text))
    return invalid(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      'messages',
    );
  if (format?.type === 'json_schema') {
    const spec = format.json_schema;
    if (!spec || typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name))
      return invalid(
        "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        'response_format.json_schema.name',
        'invalid_value',
      );
    // Structured Outputs guide, "Supported schemas" (strict mode): schema-rules.mjs.
    if (spec.strict === true) {
      const problem = openAiStrictSchemaProblem(spec.schema, spec.name);
      if (problem) return invalid(problem, 'response_format');
    }
  }
  return undefined;
}

function maskKey(key: string): string {
  // The real 401 echoes a masked key; scrubbing it is the client's job.
  return `${key.slice(0, 6)}***${key.slice(-4)}`;
}

export function startFakeOpenAi(options: {
  /** Required key; undefined = no auth (local servers). */
  apiKey?: string;
  dialect?: 'openai' | 'compatible';
  defaultText?: string;
  models?: Record<string, OpenAiModelLimits>;
}): Promise<FakeOpenAi> {
  const dialect = options.dialect ?? 'openai';
  const models = options.models ?? (dialect === 'openai' ? openAiModels : localModels);
  return startScriptedServer<OpenAiStep>({
    defaultStep: { kind: 'success', text: options.defaultText ?? '{"action":"HOLD","confidence":0.5}' },
    accepts: (path) => path === '/v1/chat/completions' || path === '/v1/models',
    notFound: (response, path) =>
      sendJson(response, 404, {
        error: {
          message: `Invalid URL (POST ${path})`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      }),
    async handle(request, step, response) {
      const headers: Record<string, string> =
        dialect === 'openai'
          ? {
              'x-request-id': `req_${randomBytes(12).toString('hex')}`,
              'openai-processing-ms': '12',
              'x-ratelimit-limit-requests': '10000',
              'x-ratelimit-remaining-requests': '9999',
              'x-ratelimit-reset-requests': '6ms',
            }
          : {};
      const error = (
        status: number,
        message: string,
        type: string,
        code: string | null,
        extra: Record<string, string> = {},
        param: string | null = null,
      ) =>
        sendJson(
          response,
          status,
          dialect === 'openai'
            ? { error: { message, type, param, code } }
            : { object: 'error', message, type, code: status },
          { ...headers, ...extra },
        );
      if (options.apiKey !== undefined) {
        const auth = String(request.headers.authorization ?? '');
        const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        // Authentication guide: no key at all is its own 401.
        if (!given)
          return error(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            'invalid_request_error',
            null,
          );
        if (given !== options.apiKey)
          return error(
            401,
            `Incorrect API key provided: ${maskKey(given || 'none')}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            'invalid_request_error',
            'invalid_api_key',
          );
      }
      // GET /v1/models: the free call `signet doctor` uses to prove the address and the key.
      if (request.path === '/v1/models')
        return sendJson(
          response,
          200,
          {
            object: 'list',
            data: Object.keys(models).map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })),
          },
          headers,
        );
      const body = request.body as ChatBody;
      const refused = refusal(body, models, dialect);
      if (refused)
        return error(refused.status, refused.message, refused.type, refused.code, {}, refused.param);
      if (step.kind === 'hang') return;
      if (step.delayMs) await sleep(step.delayMs);
      if (step.kind === 'error') {
        const extra: Record<string, string> =
          step.retryAfterSeconds !== undefined ? { 'retry-after': String(step.retryAfterSeconds) } : {};
        const defaults: Record<number, [string, string, string | null]> = {
          400: ['Invalid value for parameter.', 'invalid_request_error', 'invalid_value'],
          401: ['Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'],
          429: [
            `Rate limit reached for ${body.model} in organization org-fake on tokens per min (TPM): Limit 30000, Used 29500, Requested 1200. Please try again in 1.4s.`,
            'tokens',
            'rate_limit_exceeded',
          ],
          500: ['The server had an error while processing your request.', 'server_error', null],
          503: [
            'The engine is currently overloaded, please try again later.',
            'service_unavailable_error',
            'server_is_overloaded',
          ],
        };
        const [message, type, code] = defaults[step.status] ?? ['error', 'server_error', null];
        return error(step.status, step.message ?? message, step.type ?? type, step.code ?? code, extra);
      }
      if (step.kind === 'malformed') {
        response
          .writeHead(200, { 'content-type': 'application/json', ...headers })
          .end('{"id":"chatcmpl-x","choices":[{"mess');
        return;
      }
      const usage = step.usage ?? { prompt_tokens: 398, completion_tokens: 84, cached_tokens: 0 };
      sendJson(
        response,
        200,
        {
          id: `chatcmpl-${randomBytes(7).toString('hex')}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [
            {
              index: 0,
              finish_reason: step.finishReason ?? 'stop',
              logprobs: null,
              message: {
                role: 'assistant',
                content: step.refusal ? null : step.text,
                refusal: step.refusal ?? null,
                annotations: [],
              },
            },
          ],
          usage:
            dialect === 'openai'
              ? {
                  prompt_tokens: usage.prompt_tokens,
                  completion_tokens: usage.completion_tokens,
                  total_tokens: usage.prompt_tokens + usage.completion_tokens,
                  prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0, audio_tokens: 0 },
                  completion_tokens_details: {
                    reasoning_tokens: 0,
                    audio_tokens: 0,
                    accepted_prediction_tokens: 0,
                    rejected_prediction_tokens: 0,
                  },
                }
              : {
                  prompt_tokens: usage.prompt_tokens,
                  completion_tokens: usage.completion_tokens,
                  total_tokens: usage.prompt_tokens + usage.completion_tokens,
                },
          ...(dialect === 'openai' ? { service_tier: 'default', system_fingerprint: null } : {}),
        },
        headers,
      );
    },
  });
}
