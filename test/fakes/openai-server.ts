import { randomBytes } from 'node:crypto';
import { type ScriptedServer, sendJson, sleep, startScriptedServer } from './scripted-http.ts';

/**
 * A local server speaking OpenAI Chat Completions (reference §4.1, §4.3) and, with
 * `dialect: 'compatible'`, what Ollama / vLLM / llama.cpp return (no usage details, no
 * rate-limit headers, optional auth). Mounted under `/v1` like the real services.
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

function maskKey(key: string): string {
  // The real 401 echoes a masked key; scrubbing it is the client's job.
  return `${key.slice(0, 6)}***${key.slice(-4)}`;
}

export function startFakeOpenAi(options: {
  /** Required key; undefined = no auth (local servers). */
  apiKey?: string;
  dialect?: 'openai' | 'compatible';
  defaultText?: string;
}): Promise<FakeOpenAi> {
  const dialect = options.dialect ?? 'openai';
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
      ) =>
        sendJson(
          response,
          status,
          dialect === 'openai'
            ? { error: { message, type, param: null, code } }
            : { object: 'error', message, type, code: status },
          { ...headers, ...extra },
        );
      if (options.apiKey !== undefined) {
        const auth = String(request.headers.authorization ?? '');
        const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
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
          { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] },
          headers,
        );
      const body = request.body as { model?: unknown; messages?: unknown };
      if (
        typeof body !== 'object' ||
        !body ||
        typeof body.model !== 'string' ||
        !Array.isArray(body.messages)
      )
        return error(
          400,
          "Missing required parameter: 'model' or 'messages'.",
          'invalid_request_error',
          'missing_required_parameter',
        );
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
