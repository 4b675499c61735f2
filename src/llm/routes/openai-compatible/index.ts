import type { Secret } from '../../../config/index.ts';
import type { Billing, Route } from '../../route.ts';
import { createOpenAiRoute, type StructuredOutputMode } from '../openai/index.ts';

export interface OpenAiCompatibleRouteOptions {
  name: string;
  model: string;
  baseUrl: string;
  apiKey?: Secret;
  timeoutMs: number;
  maxOutputTokens: number;
  sendTemperature?: boolean;
  billing?: Billing;
  structuredOutput?: StructuredOutputMode;
}

/** Ollama, vLLM, llama.cpp server, OpenRouter: the Chat Completions dialect they share (system role, max_tokens). */
export function createOpenAiCompatibleRoute(options: OpenAiCompatibleRouteOptions): Route {
  return createOpenAiRoute({
    ...options,
    sendTemperature: options.sendTemperature ?? true,
    flavor: 'openai-compatible',
  });
}
