/**
 * The one interface every route implements (like vercel/ai's `LanguageModel`). It has no
 * dependencies so adapters, the router and test doubles can all import it.
 */
export type RouteKind = 'claude-cli' | 'codex-cli' | 'anthropic' | 'openai' | 'openai-compatible' | 'gemini';
export type Billing = 'subscription' | 'paid' | 'local';

export interface RouteMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface RouteRequest {
  /** The stable prefix (philosophy + persona): routes that can cache it do. */
  system: string;
  /** The rendered prompt, and on a repair the bad answer and the validation error after it. */
  messages: RouteMessage[];
  /**
   * The skill's FULL output schema. Each route sends its provider the subset it accepts
   * (src/llm/provider-schemas); the router validates the answer against the full schema.
   */
  output: { name: string; jsonSchema: Record<string, unknown> };
  temperature?: number;
  /** A cap below the route's own (`signet doctor` probes with the cheapest call); routes that cannot cap ignore it. */
  maxOutputTokens?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TokenUsage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens read from the vendor's cache. */
  cachedTokens: number;
  /** Prompt tokens written to the vendor's cache (Anthropic cache_creation). */
  cacheWriteTokens: number;
}

export interface RouteResponse {
  /** The answer text (JSON expected). */
  text: string;
  /** Already-parsed JSON when the backend returns it separately (claude structured_output). */
  structured?: unknown;
  usage: TokenUsage;
  /** The model that answered, as the backend named it. */
  model: string;
  /** A cost the backend reported itself (Claude Code's estimate), in USD. */
  reportedCostUsd?: number;
}

export interface Route {
  readonly name: string;
  readonly kind: RouteKind;
  readonly model: string;
  readonly billing: Billing;
  readonly timeoutMs: number;
  /** Resolves to an answer or rejects with an `LlmError`. */
  complete(request: RouteRequest): Promise<RouteResponse>;
}

export const emptyUsage: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
};

/** A skill name as an output schema name the vendors accept (letters, digits, _ and -, ≤ 64). */
export function schemaName(skill: string): string {
  return skill.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'answer';
}
