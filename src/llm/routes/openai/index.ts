import type OpenAI from 'openai';
import { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import { LlmOutputError, LlmServerError } from '../../errors.ts';
import { openAiCompatibleSchema, openAiStrictSchema } from '../../provider-schemas/index.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { callVendor, requireApiKey, type VendorFailure } from '../http.ts';

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

/** How a route asks for JSON: a schema the server enforces, or JSON mode with the schema in the prompt. */
export type StructuredOutputMode = 'json_schema' | 'json_object';

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
  /** openai-compatible only: servers without `json_schema` get `json_object` and the schema in the prompt. */
  structuredOutput?: StructuredOutputMode;
}

type OpenAiModule = typeof import('openai');
let sdk: Promise<OpenAiModule> | undefined;
/** Loaded on the first call: a CLI run that never asks an OpenAI-style server skips the import. */
const loadSdk = () => {
  sdk ??= import('openai');
  return sdk;
};

/**
 * vLLM and some other servers answer errors as `{"object":"error","message":…}` without the
 * `error` wrapper the SDK reads, which would leave the error message empty: wrap such bodies.
 */
const fetchWrappingErrors: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.ok) return response;
  const text = await response.text();
  let body = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !('error' in parsed))
      body = JSON.stringify({ error: parsed });
  } catch {
    // not JSON: the SDK keeps the text as the message
  }
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

function openAiFailure(module: OpenAiModule, error: unknown): VendorFailure | undefined {
  if (!(error instanceof module.APIError) || error.status === undefined) return undefined;
  return { status: error.status, headers: error.headers, body: JSON.stringify({ error: error.error ?? {} }) };
}

/**
 * Chat Completions through the official SDK (`openai`), for api.openai.com and every
 * OpenAI-compatible server (Ollama, vLLM, llama.cpp, OpenRouter): strict JSON-schema output in the
 * subset OpenAI accepts, or JSON mode with the schema in the system text where a server has no
 * `json_schema`. The SDK's retries are off: the breaker decides.
 */
export function createOpenAiRoute(options: OpenAiRouteOptions): Route {
  const { name, model, flavor } = options;
  const defaultBase = flavor === 'openai' ? 'https://api.openai.com/v1' : 'http://localhost:11434/v1';
  const baseURL = (options.baseUrl ?? defaultBase).replace(/\/+$/, '');
  const mode: StructuredOutputMode =
    flavor === 'openai' ? 'json_schema' : (options.structuredOutput ?? 'json_schema');
  let client: OpenAI | undefined;
  return {
    name,
    kind: flavor,
    model,
    billing: options.billing ?? (flavor === 'openai' ? 'paid' : 'local'),
    timeoutMs: options.timeoutMs,
    async complete(request: RouteRequest): Promise<RouteResponse> {
      // Local servers may take no key; api.openai.com always needs one.
      const apiKey =
        flavor === 'openai' ? requireApiKey(name, options.apiKey, 'OPENAI_API_KEY') : options.apiKey;
      const module = await loadSdk();
      // Explicit values (null included) keep the SDK from reading OPENAI_* variables: secrets come
      // from src/config only. A keyless local server gets the placeholder Ollama's docs use.
      client ??= new module.default({
        apiKey: apiKey?.reveal() ?? 'ollama',
        adminAPIKey: null,
        organization: null,
        project: null,
        webhookSecret: null,
        baseURL,
        maxRetries: 0,
        fetch: fetchWrappingErrors,
      });
      // JSON mode enforces no schema: the full one goes under the skill's own output guidance
      // (which already says to answer with one JSON object; JSON mode requires the word "JSON").
      const system =
        mode === 'json_object'
          ? `${request.system}\n\n## Output JSON Schema\n\n${JSON.stringify(request.output.jsonSchema)}`
          : request.system;
      const schema =
        flavor === 'openai'
          ? openAiStrictSchema(request.output.jsonSchema)
          : openAiCompatibleSchema(request.output.jsonSchema);
      const body: OpenAI.ChatCompletionCreateParamsNonStreaming = {
        model,
        messages: [
          { role: flavor === 'openai' ? 'developer' : 'system', content: system },
          ...request.messages,
        ],
        response_format:
          mode === 'json_object'
            ? { type: 'json_object' }
            : { type: 'json_schema', json_schema: { name: request.output.name, strict: true, schema } },
      };
      // A probe (signet doctor) asks for less than the route's cap, never more.
      const maxTokens = Math.min(request.maxOutputTokens ?? options.maxOutputTokens, options.maxOutputTokens);
      if (flavor === 'openai') body.max_completion_tokens = maxTokens;
      else body.max_tokens = maxTokens;
      if (options.sendTemperature && request.temperature !== undefined)
        body.temperature = request.temperature;
      const answer = await callVendor({
        route: name,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        secret: apiKey,
        call: (signal) => client!.chat.completions.create(body, { signal, timeout: request.timeoutMs }),
        failure: (error) => openAiFailure(module, error),
      });
      const parsed = chatResponseSchema.safeParse(answer);
      if (!parsed.success)
        throw new LlmServerError(
          `${name}: unexpected Chat Completions response: ${parsed.error.issues[0]?.message}`,
          { route: name },
        );
      const choice = parsed.data.choices[0]!;
      const text = choice.message.content ?? '';
      if (choice.message.refusal)
        throw new LlmOutputError(`${name}: the model refused: ${choice.message.refusal.slice(0, 200)}`, {
          route: name,
          kind: 'llm_refusal',
        });
      if (choice.finish_reason === 'length')
        throw new LlmOutputError(`${name}: answer cut at the token limit (${maxTokens})`, {
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
