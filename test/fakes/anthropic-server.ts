import { randomBytes } from 'node:crypto';
import { type ScriptedServer, sendJson, sleep, startScriptedServer } from './scripted-http.ts';

/**
 * A local server speaking the Anthropic Messages API (reference §3): `POST /v1/messages` with
 * `x-api-key` and `anthropic-version`, the documented response and error bodies, `retry-after`
 * on 429/529, `request-id` headers. Each request consumes one scripted step.
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

export function startFakeAnthropic(options: {
  apiKey: string;
  defaultText?: string;
}): Promise<FakeAnthropic> {
  const requestId = () => `req_011${randomBytes(10).toString('hex')}`;
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
      if (request.headers['x-api-key'] !== options.apiKey) return error(401, 'invalid x-api-key');
      if (request.headers['anthropic-version'] !== '2023-06-01')
        return error(400, 'anthropic-version: header is required');
      const body = request.body as { model?: unknown; max_tokens?: unknown; messages?: unknown };
      if (
        typeof body !== 'object' ||
        !body ||
        typeof body.model !== 'string' ||
        typeof body.max_tokens !== 'number' ||
        !Array.isArray(body.messages)
      )
        return error(400, 'model, max_tokens and messages are required');
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
      const usage = {
        input_tokens: 412,
        output_tokens: 19,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
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
