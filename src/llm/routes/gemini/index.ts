import type { GoogleGenAI } from '@google/genai';
import { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import { LlmOutputError, LlmServerError } from '../../errors.ts';
import { geminiSchema } from '../../provider-schemas/index.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { callVendor, requireApiKey, type VendorFailure } from '../http.ts';

/** generateContent's answer, only the fields we use (docs: GenerateContentResponse). */
const responseSchema = z.object({
  modelVersion: z.string().optional(),
  candidates: z
    .array(
      z.object({
        finishReason: z.string().optional(),
        content: z
          .object({
            parts: z
              .array(z.object({ text: z.string().optional(), thought: z.boolean().optional() }))
              .optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  promptFeedback: z.object({ blockReason: z.string().optional() }).optional(),
  usageMetadata: z
    .object({
      // promptTokenCount includes the cached tokens (docs: UsageMetadata).
      promptTokenCount: z.number().default(0),
      cachedContentTokenCount: z.number().default(0),
      candidatesTokenCount: z.number().default(0),
      thoughtsTokenCount: z.number().default(0),
    })
    .optional(),
});

export interface GeminiRouteOptions {
  name: string;
  model: string;
  apiKey: Secret | undefined;
  baseUrl?: string;
  timeoutMs: number;
  maxOutputTokens: number;
  sendTemperature?: boolean;
  billing?: Billing;
}

type GenAiModule = typeof import('@google/genai');
let sdk: Promise<GenAiModule> | undefined;
const loadSdk = () => {
  sdk ??= import('@google/genai');
  return sdk;
};

function geminiFailure(module: GenAiModule, error: unknown): VendorFailure | undefined {
  // The SDK's ApiError carries the status and, as its message, the JSON error body.
  if (!(error instanceof module.ApiError)) return undefined;
  return { status: error.status, headers: undefined, body: error.message };
}

const refusedReasons = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']);

/**
 * Gemini's generateContent through Google's SDK (`@google/genai`): the system text as
 * systemInstruction (Gemini caches repeated prefixes implicitly and reports the cached tokens),
 * the skill's schema as responseJsonSchema in the documented subset. The SDK retries nothing
 * unless asked; the breaker decides.
 */
export function createGeminiRoute(options: GeminiRouteOptions): Route {
  const { name, model } = options;
  const baseUrl = (options.baseUrl ?? 'https://generativelanguage.googleapis.com').replace(/\/+$/, '');
  let client: GoogleGenAI | undefined;
  return {
    name,
    kind: 'gemini',
    model,
    billing: options.billing ?? 'paid',
    timeoutMs: options.timeoutMs,
    async complete(request: RouteRequest): Promise<RouteResponse> {
      const apiKey = requireApiKey(name, options.apiKey, 'GEMINI_API_KEY');
      const module = await loadSdk();
      // vertexai: false and an explicit base URL keep the SDK from reading GOOGLE_* variables.
      client ??= new module.GoogleGenAI({
        apiKey: apiKey.reveal(),
        vertexai: false,
        apiVersion: 'v1beta',
        httpOptions: { baseUrl },
      });
      const answer = await callVendor({
        route: name,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        secret: apiKey,
        call: (signal) =>
          client!.models.generateContent({
            model,
            contents: request.messages.map((message) => ({
              role: message.role === 'assistant' ? 'model' : 'user',
              parts: [{ text: message.content }],
            })),
            config: {
              systemInstruction: request.system,
              responseMimeType: 'application/json',
              responseJsonSchema: geminiSchema(request.output.jsonSchema),
              // A probe (signet doctor) asks for less than the route's cap, never more.
              maxOutputTokens: Math.min(
                request.maxOutputTokens ?? options.maxOutputTokens,
                options.maxOutputTokens,
              ),
              ...(options.sendTemperature && request.temperature !== undefined
                ? { temperature: request.temperature }
                : {}),
              abortSignal: signal,
            },
          }),
        failure: (error) => geminiFailure(module, error),
      });
      const parsed = responseSchema.safeParse(answer);
      if (!parsed.success)
        throw new LlmServerError(
          `${name}: unexpected generateContent response: ${parsed.error.issues[0]?.message}`,
          {
            route: name,
          },
        );
      const response = parsed.data;
      const candidate = response.candidates?.[0];
      const text = (candidate?.content?.parts ?? [])
        .filter((part) => !part.thought)
        .map((part) => part.text ?? '')
        .join('');
      const blocked = response.promptFeedback?.blockReason;
      if (blocked || (candidate?.finishReason && refusedReasons.has(candidate.finishReason)))
        throw new LlmOutputError(`${name}: the model refused (${blocked ?? candidate?.finishReason})`, {
          route: name,
          kind: 'llm_refusal',
          rawText: text,
        });
      if (candidate?.finishReason === 'MAX_TOKENS')
        throw new LlmOutputError(`${name}: answer cut at maxOutputTokens (${options.maxOutputTokens})`, {
          route: name,
          kind: 'llm_truncated',
          rawText: text,
        });
      const usage = response.usageMetadata;
      return {
        text,
        model: response.modelVersion ?? model,
        usage: {
          inputTokens: usage?.promptTokenCount ?? 0,
          // Thinking tokens are billed as output.
          outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
          cachedTokens: usage?.cachedContentTokenCount ?? 0,
          cacheWriteTokens: 0,
        },
      };
    },
  };
}
