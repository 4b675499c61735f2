import { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import { LlmConfigError, LlmOutputError, LlmServerError } from '../../errors.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { postJson } from '../http.ts';

/** Only the fields we use; unknown fields pass (vendors add fields often). */
const messageResponseSchema = z.object({
  model: z.string().optional(),
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  stop_reason: z.string().nullable().optional(),
  usage: z
    .object({
      input_tokens: z.number().default(0),
      output_tokens: z.number().default(0),
      cache_creation_input_tokens: z.number().nullable().optional(),
      cache_read_input_tokens: z.number().nullable().optional(),
    })
    .optional(),
});

export interface AnthropicRouteOptions {
  name: string;
  model: string;
  apiKey: Secret | undefined;
  baseUrl?: string;
  timeoutMs: number;
  maxOutputTokens: number;
  sendTemperature?: boolean;
  billing?: Billing;
}

/** The Messages API over fetch, with the system text marked for prompt caching. */
export function createAnthropicRoute(options: AnthropicRouteOptions): Route {
  const baseUrl = (options.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');
  const url = baseUrl.endsWith('/v1') ? `${baseUrl}/messages` : `${baseUrl}/v1/messages`;
  const { name, model } = options;
  return {
    name,
    kind: 'anthropic',
    model,
    billing: options.billing ?? 'paid',
    timeoutMs: options.timeoutMs,
    async complete(request: RouteRequest): Promise<RouteResponse> {
      const apiKey = options.apiKey;
      if (!apiKey)
        throw new LlmConfigError(`${name}: no API key`, {
          route: name,
          fix: "Set ANTHROPIC_API_KEY (or the route's apiKeyEnv) in the environment.",
        });
      const body: Record<string, unknown> = {
        model,
        max_tokens: Math.min(request.maxOutputTokens ?? options.maxOutputTokens, options.maxOutputTokens),
        // The long stable prefix is cached: later calls read it at a tenth of the input price.
        system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
        messages: request.messages,
        output_config: { format: { type: 'json_schema', schema: request.output.jsonSchema } },
      };
      if (options.sendTemperature && request.temperature !== undefined)
        body.temperature = request.temperature;
      const { json } = await postJson({
        route: name,
        url,
        headers: { 'x-api-key': apiKey.reveal(), 'anthropic-version': '2023-06-01' },
        body,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        secret: apiKey,
      });
      const parsed = messageResponseSchema.safeParse(json);
      if (!parsed.success)
        throw new LlmServerError(
          `${name}: unexpected Messages API response: ${parsed.error.issues[0]?.message}`,
          {
            route: name,
          },
        );
      const message = parsed.data;
      const text = message.content
        .filter((block) => block.type === 'text')
        .map((block) => block.text ?? '')
        .join('');
      if (message.stop_reason === 'refusal')
        throw new LlmOutputError(`${name}: the model refused`, {
          route: name,
          kind: 'llm_refusal',
          rawText: text,
        });
      if (message.stop_reason === 'max_tokens')
        throw new LlmOutputError(`${name}: answer cut at max_tokens (${options.maxOutputTokens})`, {
          route: name,
          kind: 'llm_truncated',
          rawText: text,
        });
      const usage = message.usage;
      const cacheRead = usage?.cache_read_input_tokens ?? 0;
      const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
      return {
        text,
        model: message.model ?? model,
        usage: {
          // Anthropic's input_tokens excludes cache reads and writes; ours counts every prompt token.
          inputTokens: (usage?.input_tokens ?? 0) + cacheRead + cacheWrite,
          outputTokens: usage?.output_tokens ?? 0,
          cachedTokens: cacheRead,
          cacheWriteTokens: cacheWrite,
        },
      };
    },
  };
}
