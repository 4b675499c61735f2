import { randomBytes } from 'node:crypto';
import { estimateTokens } from './anthropic-server.ts';
import { geminiSchemaProblem } from './schema-rules.mjs';
import { type ScriptedServer, sendJson, sleep, startScriptedServer } from './scripted-http.ts';

/**
 * A local server speaking the Gemini API's generateContent (`POST /v1beta/models/{model}:
 * generateContent`, key in `x-goog-api-key` or `?key=`), with Google's error body
 * `{"error":{"code","message","status","details"}}`. Before a scripted step is used, the request
 * must pass the checks the real API makes (`refusal` below; each rule names its source); Google's
 * SDK (`@google/genai`) runs unchanged against it.
 */
export type GeminiStep =
  | {
      kind: 'success';
      text: string;
      usage?: Partial<{ promptTokenCount: number; candidatesTokenCount: number; thoughtsTokenCount: number }>;
      finishReason?: 'STOP' | 'MAX_TOKENS' | 'SAFETY';
      delayMs?: number;
    }
  | { kind: 'error'; status: 400 | 403 | 404 | 429 | 500 | 503; message?: string; delayMs?: number }
  | { kind: 'malformed'; delayMs?: number }
  | { kind: 'hang' };

export interface FakeGemini extends ScriptedServer<GeminiStep> {}

export interface GeminiModelLimits {
  /** outputTokenLimit of models.get. */
  maxOutput: number;
  /** inputTokenLimit of models.get. */
  context: number;
}

/** The ids the fake knows (docs: models page, inputTokenLimit / outputTokenLimit); others are 404. */
export const geminiModels: Record<string, GeminiModelLimits> = {
  'gemini-3.5-flash': { maxOutput: 65_536, context: 1_048_576 },
  'gemini-3.1-pro': { maxOutput: 65_536, context: 1_048_576 },
  'gemini-3.1-flash-lite': { maxOutput: 65_536, context: 1_048_576 },
  'gemini-3-flash': { maxOutput: 65_536, context: 1_048_576 },
};

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};
const defaultMessages: Record<number, string> = {
  429: 'You exceeded your current quota, please check your plan and billing details.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
};
/** Implicit caching applies from this prompt length (docs: context caching → implicit caching). */
const minimumCacheable = 1_024;

interface GenerateBody {
  contents?: unknown;
  systemInstruction?: { parts?: Array<{ text?: unknown }> };
  generationConfig?: {
    maxOutputTokens?: unknown;
    responseMimeType?: unknown;
    responseSchema?: unknown;
    responseJsonSchema?: unknown;
  };
}

type Refusal = { status: number; message: string; reason?: string };

const textOf = (parts: unknown): string =>
  Array.isArray(parts)
    ? parts.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('')
    : '';

function refusal(
  key: string | undefined,
  apiKey: string,
  model: string,
  body: GenerateBody,
  models: Record<string, GeminiModelLimits>,
): Refusal | undefined {
  // API keys guide: no key is 403 PERMISSION_DENIED; a wrong one 400 API_KEY_INVALID.
  if (!key)
    return {
      status: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    };
  if (key !== apiKey)
    return {
      status: 400,
      message: 'API key not valid. Please pass a valid API key.',
      reason: 'API_KEY_INVALID',
    };
  // Troubleshooting guide: an unknown model is 404 NOT_FOUND.
  const limits = models[model];
  if (!limits)
    return {
      status: 404,
      message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    };
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray(body.contents) ||
    body.contents.length === 0
  )
    return { status: 400, message: '* GenerateContentRequest.contents: contents is not specified' };
  const config = body.generationConfig ?? {};
  // API reference, GenerationConfig.maxOutputTokens: 1 up to the model's outputTokenLimit.
  const max = config.maxOutputTokens;
  if (
    max !== undefined &&
    (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > limits.maxOutput)
  )
    return {
      status: 400,
      message: `Unable to submit request because it has a maxOutputTokens value of ${String(max)} but the supported range is from 1 (inclusive) to ${limits.maxOutput + 1} (exclusive). Update the value and try again.`,
    };
  // Long context guide: a prompt over inputTokenLimit is 400.
  const prompt = estimateTokens(
    textOf(body.systemInstruction?.parts) +
      (body.contents as Array<{ parts?: unknown }>).map((content) => textOf(content.parts)).join('\n'),
  );
  if (prompt > limits.context)
    return {
      status: 400,
      message: `The input token count (${prompt}) exceeds the maximum number of tokens allowed (${limits.context}).`,
    };
  // Structured output guide: a schema needs responseMimeType application/json; only one of
  // responseSchema and responseJsonSchema; the JSON Schema within the documented subset.
  if (config.responseSchema !== undefined && config.responseJsonSchema !== undefined)
    return { status: 400, message: 'Only one of response_schema and response_json_schema may be set.' };
  if (config.responseJsonSchema !== undefined) {
    if (config.responseMimeType !== 'application/json')
      return {
        status: 400,
        message: 'response_mime_type: response_json_schema requires response_mime_type application/json.',
      };
    const problem = geminiSchemaProblem(config.responseJsonSchema);
    if (problem) return { status: 400, message: problem };
  }
  return undefined;
}

export function startFakeGemini(options: {
  apiKey: string;
  defaultText?: string;
  models?: Record<string, GeminiModelLimits>;
}): Promise<FakeGemini> {
  const models = options.models ?? geminiModels;
  const cached = new Set<string>();
  const route = /^\/v1beta\/models\/([^/:]+):generateContent$/;
  return startScriptedServer<GeminiStep>({
    defaultStep: { kind: 'success', text: options.defaultText ?? '{"action":"HOLD","confidence":0.5}' },
    accepts: (path) => route.test(path),
    notFound: (response, path) =>
      sendJson(response, 404, {
        error: { code: 404, message: `Requested entity was not found: ${path}`, status: 'NOT_FOUND' },
      }),
    async handle(request, step, response) {
      const error = (status: number, message: string, reason?: string) =>
        sendJson(response, status, {
          error: {
            code: status,
            message,
            status: statusNames[status] ?? 'UNKNOWN',
            ...(reason
              ? {
                  details: [
                    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' },
                  ],
                }
              : {}),
          },
        });
      const model = decodeURIComponent(route.exec(request.path)?.[1] ?? '');
      const header = request.headers['x-goog-api-key'];
      const key = typeof header === 'string' ? header : request.query.key;
      const body = request.body as GenerateBody;
      const refused = refusal(key, options.apiKey, model, body, models);
      if (refused) return error(refused.status, refused.message, refused.reason);
      if (step.kind === 'hang') return;
      if (step.delayMs) await sleep(step.delayMs);
      if (step.kind === 'error')
        return error(step.status, step.message ?? defaultMessages[step.status] ?? 'error');
      if (step.kind === 'malformed') {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"candidates":[{"content":{"par');
        return;
      }
      // Implicit caching: a long system prefix seen before is reported as cached.
      const system = textOf(body.systemInstruction?.parts);
      const systemTokens = estimateTokens(system);
      const hit = systemTokens >= minimumCacheable && cached.has(system);
      if (systemTokens >= minimumCacheable) cached.add(system);
      const promptTokenCount = step.usage?.promptTokenCount ?? systemTokens + 120;
      const candidatesTokenCount = step.usage?.candidatesTokenCount ?? 40;
      const thoughtsTokenCount = step.usage?.thoughtsTokenCount ?? 0;
      sendJson(response, 200, {
        candidates: [
          {
            content: { parts: [{ text: step.text }], role: 'model' },
            finishReason: step.finishReason ?? 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount,
          candidatesTokenCount,
          totalTokenCount: promptTokenCount + candidatesTokenCount + thoughtsTokenCount,
          ...(hit ? { cachedContentTokenCount: systemTokens } : {}),
          ...(thoughtsTokenCount ? { thoughtsTokenCount } : {}),
          promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokenCount }],
        },
        modelVersion: model,
        responseId: randomBytes(12).toString('base64url'),
      });
    },
  });
}
