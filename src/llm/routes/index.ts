import { type LlmRouteConfig, llmPresets, type Secret } from '../../config/index.ts';
import type { Route } from '../route.ts';
import { createAnthropicRoute } from './anthropic/index.ts';
import { createClaudeCliRoute } from './claude-cli/index.ts';
import { createCodexCliRoute } from './codex-cli/index.ts';
import { createGeminiRoute } from './gemini/index.ts';
import { createOpenAiRoute } from './openai/index.ts';
import { createOpenAiCompatibleRoute } from './openai-compatible/index.ts';

export {
  createAnthropicRoute,
  createClaudeCliRoute,
  createCodexCliRoute,
  createGeminiRoute,
  createOpenAiCompatibleRoute,
  createOpenAiRoute,
};

/** Builds the route a config entry describes. */
export function createRoute(config: LlmRouteConfig, apiKey: Secret | undefined): Route {
  const common = {
    name: config.name,
    model: config.model,
    timeoutMs: config.timeoutMs,
    billing: config.billing,
  };
  switch (config.kind) {
    case 'claude-cli':
      return createClaudeCliRoute({ ...common, binary: config.binary, passEnv: config.passEnv });
    case 'codex-cli':
      return createCodexCliRoute({ ...common, binary: config.binary, passEnv: config.passEnv });
    case 'anthropic':
      return createAnthropicRoute({
        ...common,
        apiKey,
        baseUrl: config.baseUrl,
        maxOutputTokens: config.maxOutputTokens,
      });
    case 'openai':
      return createOpenAiRoute({
        ...common,
        apiKey,
        baseUrl: config.baseUrl,
        maxOutputTokens: config.maxOutputTokens,
        sendTemperature: config.sendTemperature,
        flavor: 'openai',
      });
    case 'openai-compatible': {
      const preset = config.preset ? llmPresets[config.preset] : undefined;
      return createOpenAiCompatibleRoute({
        ...common,
        billing: config.billing ?? preset?.billing,
        apiKey,
        baseUrl: config.baseUrl ?? preset?.baseUrl ?? llmPresets.ollama.baseUrl,
        maxOutputTokens: config.maxOutputTokens,
        sendTemperature: config.sendTemperature,
        structuredOutput: config.structuredOutput,
      });
    }
    case 'gemini':
      return createGeminiRoute({
        ...common,
        apiKey,
        baseUrl: config.baseUrl,
        maxOutputTokens: config.maxOutputTokens,
        sendTemperature: config.sendTemperature,
      });
  }
}
