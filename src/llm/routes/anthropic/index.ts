import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import { LlmOutputError, LlmServerError } from '../../errors.ts';
import { anthropicSchema } from '../../provider-schemas/index.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { callVendor, requireApiKey, type VendorFailure } from '../http.ts';

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
  billing?: Billing;
}

type AnthropicModule = typeof import('@anthropic-ai/sdk');
let sdk: Promise<AnthropicModule> | undefined;
/** Loaded on the first call: a CLI run that never asks Anthropic does not pay for the import. */
const loadSdk = () => {
  sdk ??= import('@anthropic-ai/sdk');
  return sdk;
};

function anthropicFailure(module: AnthropicModule, error: unknown): VendorFailure | undefined {
  if (!(error instanceof module.APIError) || error.status === undefined) return undefined;
  return {
    status: error.status,
    headers: error.headers ?? undefined,
    body: JSON.stringify(error.error ?? {}),
  };
}

/**
 * The Messages API through the official SDK (`@anthropic-ai/sdk`): the system text marked for
 * prompt caching, the skill's schema in the subset Anthropic accepts, the SDK's retries off.
 */
export function createAnthropicRoute(options: AnthropicRouteOptions): Route {
  // The SDK appends /v1/messages itself.
  const baseURL = (options.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '').replace(/\/v1$/, '');
  const { name, model } = options;
  let client: Anthropic | undefined;
  return {
    name,
    kind: 'anthropic',
    model,
    billing: options.billing ?? 'paid',
    timeoutMs: options.timeoutMs,
    async complete(request: RouteRequest): Promise<RouteResponse> {
      const apiKey = requireApiKey(name, options.apiKey, 'ANTHROPIC_API_KEY');
      const module = await loadSdk();
      // authToken: null and an explicit baseURL keep the SDK from reading ANTHROPIC_* variables:
      // secrets come from src/config only.
      client ??= new module.default({ apiKey: apiKey.reveal(), authToken: null, baseURL, maxRetries: 0 });
      // No temperature: API version 2026-10-21, which the SDK sends, answers it with 400.
      const body: Anthropic.MessageCreateParamsNonStreaming = {
        model,
        max_tokens: Math.min(request.maxOutputTokens ?? options.maxOutputTokens, options.maxOutputTokens),
        // The long stable prefix is cached: later calls read it at a tenth of the input price.
        system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
        messages: request.messages,
        output_config: {
          format: { type: 'json_schema', schema: anthropicSchema(request.output.jsonSchema) },
        },
      };
      const answer = await callVendor({
        route: name,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        secret: apiKey,
        call: (signal) => client!.messages.create(body, { signal, timeout: request.timeoutMs }),
        failure: (error) => anthropicFailure(module, error),
      });
      const parsed = messageResponseSchema.safeParse(answer);
      if (!parsed.success)
        throw new LlmServerError(
          `${name}: unexpected Messages API response: ${parsed.error.issues[0]?.message}`,
          { route: name },
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
