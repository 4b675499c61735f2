import { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import { LlmConfigError, LlmOutputError, LlmServerError } from '../../errors.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { postJson } from '../http.ts';

const chatResponseSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
        }),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().default(0),
      completion_tokens: z.number().default(0),
      prompt_tokens_details: z
        .object({ cached_tokens: z.number().optional(), cache_write_tokens: z.number().optional() })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

export interface OpenAiRouteOptions {
  name: string;
  model: string;
  /** Required for api.openai.com; optional for local servers. */
  apiKey?: Secret;
  baseUrl?: string;
  timeoutMs: number;
  maxOutputTokens: number;
  sendTemperature?: boolean;
  billing?: Billing;
  /** `openai` speaks the newest dialect (developer role, max_completion_tokens); `openai-compatible` the common one. */
  flavor: 'openai' | 'openai-compatible';
}

/** Chat Completions with JSON-schema structured output; also any OpenAI-compatible server. */
export function createOpenAiRoute(options: OpenAiRouteOptions): Route {
  const { name, model, flavor } = options;
  const defaultBase = flavor === 'openai' ? 'https://api.openai.com/v1' : 'http://localhost:11434/v1';
  const url = `${(options.baseUrl ?? defaultBase).replace(/\/+$/, '')}/chat/completions`;
  return {
    name,
    kind: flavor,
    model,
    billing: options.billing ?? (flavor === 'openai' ? 'paid' : 'local'),
    timeoutMs: options.timeoutMs,
    async complete(request: RouteRequest): Promise<RouteResponse> {
      const apiKey = options.apiKey;
      if (!apiKey && flavor === 'openai')
        throw new LlmConfigError(`${name}: no API key`, {
          route: name,
          fix: "Set OPENAI_API_KEY (or the route's apiKeyEnv) in the environment.",
        });
      const body: Record<string, unknown> = {
        model,
        messages: [
          { role: flavor === 'openai' ? 'developer' : 'system', content: request.system },
          ...request.messages,
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: request.output.name, strict: true, schema: request.output.jsonSchema },
        },
        [flavor === 'openai' ? 'max_completion_tokens' : 'max_tokens']: Math.min(
          request.maxOutputTokens ?? options.maxOutputTokens,
          options.maxOutputTokens,
        ),
      };
      if (options.sendTemperature && request.temperature !== undefined)
        body.temperature = request.temperature;
      const { json } = await postJson({
        route: name,
        url,
        headers: apiKey ? { authorization: `Bearer ${apiKey.reveal()}` } : {},
        body,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        secret: apiKey,
      });
      const parsed = chatResponseSchema.safeParse(json);
      if (!parsed.success)
        throw new LlmServerError(
          `${name}: unexpected Chat Completions response: ${parsed.error.issues[0]?.message}`,
          {
            route: name,
          },
        );
      const choice = parsed.data.choices[0]!;
      const text = choice.message.content ?? '';
      if (choice.message.refusal)
        throw new LlmOutputError(`${name}: the model refused: ${choice.message.refusal.slice(0, 200)}`, {
          route: name,
          kind: 'llm_refusal',
        });
      if (choice.finish_reason === 'length')
        throw new LlmOutputError(`${name}: answer cut at the token limit (${options.maxOutputTokens})`, {
          route: name,
          kind: 'llm_truncated',
          rawText: text,
        });
      const usage = parsed.data.usage;
      return {
        text,
        model: parsed.data.model ?? model,
        usage: {
          // prompt_tokens already includes cached_tokens.
          inputTokens: usage?.prompt_tokens ?? 0,
          outputTokens: usage?.completion_tokens ?? 0,
          cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
          cacheWriteTokens: usage?.prompt_tokens_details?.cache_write_tokens ?? 0,
        },
      };
    },
  };
}
