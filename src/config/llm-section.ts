import { z } from 'zod';
import { isWithheldEnvName } from './cli-environment.ts';
import { Secret } from './secret.ts';

/**
 * The `llm` section of signet.yaml: routes in priority order, the circuit breaker, the daily
 * budget for paid routes, the record/replay mode and the price table. API keys are not part of
 * the file: they come from the environment (see `readLlmSecrets`).
 */
export const llmRouteKindSchema = z.enum([
  'claude-cli',
  'codex-cli',
  'anthropic',
  'openai',
  'openai-compatible',
  'gemini',
]);

/**
 * Presets for `openai-compatible` routes: the base URL, key variable and billing each service
 * needs, so a route is three lines. Any field set on the route wins.
 */
export const llmPresets = {
  /** Ollama on this machine: no key; json_schema is compiled to a grammar. */
  ollama: { baseUrl: 'http://localhost:11434/v1', apiKeyEnv: undefined, billing: 'local' },
  /** OpenRouter: one key for many vendors' models, billed per token. */
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY', billing: 'paid' },
} as const;
export type LlmPreset = keyof typeof llmPresets;

const routeNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, 'use lower-case letters, digits, "_" or "-", starting with a letter');

/**
 * A model's training cutoff as `YYYY-MM`: bars before the end of that month may be in what the
 * model learned (look-ahead contamination, see src/llm/contamination.ts).
 */
export const trainingCutoffSchema = z
  .string()
  .regex(
    /^\d{4}-(0[1-9]|1[0-2])$/,
    "a month as YYYY-MM, e.g. 2026-06 (the vendor's published training cutoff)",
  );

const envNameSchema = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. OLLAMA_API_KEY');

export const llmRouteSchema = z
  .object({
    /** Unique name used in logs, the ledger, breaker state and `routes:` preferences. */
    name: routeNameSchema,
    kind: llmRouteKindSchema,
    model: z.string().min(1),
    /** CLI routes: the executable (a name on PATH or a path). */
    binary: z.string().min(1).optional(),
    /** HTTP routes: e.g. https://api.anthropic.com, https://api.openai.com/v1, http://localhost:11434/v1. */
    baseUrl: z.string().url().optional(),
    /** Lower runs first; ties keep file order. */
    priority: z.number().int().min(0).max(1_000).default(100),
    timeoutMs: z.number().int().min(100).max(900_000).default(120_000),
    maxOutputTokens: z.number().int().min(16).max(200_000).default(4_096),
    /** Environment variable holding the key (default: ANTHROPIC_API_KEY / OPENAI_API_KEY by kind). */
    apiKeyEnv: envNameSchema.optional(),
    /** paid routes count against the daily budget; default by kind (CLIs: subscription, compatible: local). */
    billing: z.enum(['subscription', 'paid', 'local']).optional(),
    /** Newer Anthropic and OpenAI models reject `temperature` (400); send it only where accepted. */
    sendTemperature: z.boolean().optional(),
    /**
     * CLI routes: more environment variables to hand the child beyond its allow-list (PATH, HOME,
     * locale, temp, proxies, its own login variables). Our broker keys, tokens and database URL
     * are never passed.
     */
    passEnv: z
      .array(
        envNameSchema.refine((name) => !isWithheldEnvName(name), {
          message:
            'Signet never hands its own secrets (APCA_*, ALPACA_*, SIGNET_*, PG*, DATABASE_URL) to a CLI: remove it',
        }),
      )
      .max(50)
      .optional(),
    /** openai-compatible: fills baseUrl, apiKeyEnv and billing for a known service. */
    preset: z.enum(['ollama', 'openrouter']).optional(),
    /**
     * openai-compatible: `json_schema` (the server enforces the schema; Ollama, llama.cpp, vLLM,
     * OpenRouter) or `json_object` (JSON mode, the schema goes in the prompt) for servers without it.
     */
    structuredOutput: z.enum(['json_schema', 'json_object']).optional(),
    enabled: z.boolean().default(true),
    /** Overrides the price table's training cutoff of this route's model (YYYY-MM). */
    trainingCutoff: trainingCutoffSchema.optional(),
  })
  .strict()
  .superRefine((route, context) => {
    if (route.kind === 'anthropic' && route.sendTemperature)
      context.addIssue({
        code: 'custom',
        path: ['sendTemperature'],
        message: `Anthropic API version 2026-10-21 (sent by the SDK) answers 400 to temperature; remove sendTemperature from route ${route.name}`,
      });
    for (const key of ['preset', 'structuredOutput'] as const) {
      if (route[key] !== undefined && route.kind !== 'openai-compatible')
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} applies to kind openai-compatible only; remove it from route ${route.name}`,
        });
    }
  });

export const llmPriceSchema = z
  .object({
    /** USD per million tokens. */
    input: z.number().min(0),
    output: z.number().min(0),
    cacheRead: z.number().min(0).optional(),
    cacheWrite: z.number().min(0).optional(),
    /** The vendor's published training cutoff (YYYY-MM); absent = unknown (counts as contaminated). */
    trainingCutoff: trainingCutoffSchema.optional(),
  })
  .strict();

/**
 * List prices (USD / 1M tokens) from the vendors' pricing pages, late 2026, and training cutoffs
 * (YYYY-MM, the vendor's "knowledge cutoff"; absent where no published figure was found, which
 * counts as unknown). Cutoff sources:
 * - Claude: the comparison tables of platform.claude.com/docs/zh-CN/models/sonnet-5-5/overview
 *   (Fable 5.1, Opus 5.5, Sonnet 5.5: Jun 2026), .../models/haiku-5-5/overview (Haiku 5.5:
 *   Jun 2026) and .../models/sonnet-5/overview (Opus 5: May 2026, Sonnet 5: Jan 2026, Haiku 4.5:
 *   Feb 2025). No published figure found for Fable 5, Opus 4.8, Sonnet 4.6.
 * - OpenAI: developer.box.com/guides/box-ai/ai-models/openai-gpt-6-1-terra-model-card ("Knowledge
 *   cutoff date: June 1st, 2026", quoting OpenAI). None found for the other GPT models.
 * - Gemini: ai.google.dev/gemini-api/docs/models/gemini-3.1-pro-preview (knowledge cutoff January
 *   2025). None found for 3.5 Flash, 3.1 Flash-Lite, 3 Flash.
 */
export const defaultLlmPrices: Record<string, z.infer<typeof llmPriceSchema>> = {
  'claude-fable-5-1': { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5, trainingCutoff: '2026-06' },
  'claude-opus-5-5': { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5, trainingCutoff: '2026-06' },
  'claude-sonnet-5-5': { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5, trainingCutoff: '2026-06' },
  'claude-haiku-5-5': {
    input: 0.1,
    output: 0.5,
    cacheRead: 0.01,
    cacheWrite: 0.125,
    trainingCutoff: '2026-06',
  },
  'claude-fable-5': { input: 10, output: 50, cacheRead: 1, cacheWrite: 12.5 },
  'claude-opus-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, trainingCutoff: '2026-05' },
  'claude-sonnet-5': { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5, trainingCutoff: '2026-01' },
  'claude-opus-4-8': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-sonnet-4-6': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, trainingCutoff: '2025-02' },
  'gpt-6-astra': { input: 10, output: 50, cacheRead: 1 },
  'gpt-6.1-sol': { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 },
  'gpt-6.1-terra': { input: 1, output: 5, cacheRead: 0.05, cacheWrite: 1.25, trainingCutoff: '2026-06' },
  'gpt-6-sol': { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
  'gpt-6-luna': { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125 },
  'gpt-5.6-sol': { input: 4, output: 20, cacheRead: 0.4 },
  'gpt-5.6-terra': { input: 2, output: 12, cacheRead: 0.2 },
  'gpt-5.6-luna': { input: 0.2, output: 1.2, cacheRead: 0.02 },
  'gpt-5.5': { input: 5, output: 30, cacheRead: 0.5 },
  'gpt-5.4': { input: 2.5, output: 15, cacheRead: 0.25 },
  'gpt-5.4-mini': { input: 0.75, output: 4.5, cacheRead: 0.075 },
  'gpt-5.4-nano': { input: 0.2, output: 1.25, cacheRead: 0.02 },
  // Gemini API pricing page (prompts up to 200k tokens; cached input at a tenth).
  'gemini-3.5-flash': { input: 1.5, output: 9, cacheRead: 0.15 },
  'gemini-3.1-pro': { input: 2, output: 12, cacheRead: 0.2, trainingCutoff: '2025-01' },
  'gemini-3.1-flash-lite': { input: 0.25, output: 1.5, cacheRead: 0.025 },
  'gemini-3-flash': { input: 0.5, output: 3, cacheRead: 0.05 },
};

export const llmSectionSchema = z
  .object({
    /** Empty: no LLM configured; agents use their deterministic fallbacks. */
    routes: z
      .array(llmRouteSchema)
      .default([])
      .refine((routes) => new Set(routes.map((route) => route.name)).size === routes.length, {
        message: 'route names must be unique',
      }),
    breaker: z
      .object({
        /** Consecutive failures that open a route. */
        failures: z.number().int().min(1).max(100).default(3),
        /** How long an open route rests before one trial call. */
        cooldownMs: z.number().int().min(0).max(86_400_000).default(60_000),
      })
      .strict()
      .default({ failures: 3, cooldownMs: 60_000 }),
    budget: z
      .object({
        /** Daily cap (UTC day) in dollars for paid routes; 0 = no cap. */
        dailyUsd: z.number().min(0).default(0),
        /** Daily cap in dollars for challenger skills run in shadow (their own budget); 0 = no cap. */
        shadowDailyUsd: z.number().min(0).default(0),
      })
      .strict()
      .default({ dailyUsd: 0, shadowDailyUsd: 0 }),
    /** live | record (live + store answers) | replay (store only) | cache (store first, live on a miss). */
    mode: z.enum(['live', 'record', 'replay', 'cache']).default('live'),
    /** Model id -> USD per 1M tokens; merged over the built-in list prices. */
    prices: z.record(z.string(), llmPriceSchema).default({}),
  })
  .strict();

export type LlmSection = z.infer<typeof llmSectionSchema>;
export type LlmRouteConfig = z.infer<typeof llmRouteSchema>;
export type LlmRouteKind = z.infer<typeof llmRouteKindSchema>;
export type LlmPrice = z.infer<typeof llmPriceSchema>;

/** Route name -> API key, read from the environment (only here, in src/config). */
export type LlmSecrets = Record<string, Secret>;

const defaultKeyEnv: Partial<Record<LlmRouteKind, string>> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  gemini: 'GEMINI_API_KEY',
};

/** The variable a route's key is read from: its own apiKeyEnv, its preset's, or its kind's. */
export function routeKeyEnv(route: LlmRouteConfig): string | undefined {
  return route.apiKeyEnv ?? (route.preset ? llmPresets[route.preset].apiKeyEnv : defaultKeyEnv[route.kind]);
}

export function readLlmSecrets(env: NodeJS.ProcessEnv, section: LlmSection): LlmSecrets {
  const secrets: LlmSecrets = {};
  for (const route of section.routes) {
    const variable = routeKeyEnv(route);
    const value = variable ? env[variable]?.trim() : undefined;
    if (value) secrets[route.name] = new Secret(value);
  }
  return secrets;
}
