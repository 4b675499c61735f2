import type { Route, RouteRequest, RouteResponse } from '../../src/llm/index.ts';

/** Answers by skill name (read from the persona heading the skills loader puts in the system text). */
export type ScriptedAnswer = unknown | ((request: RouteRequest) => unknown);

export interface ScriptedRouteOptions {
  name?: string;
  /** Skill name → answer object (serialised as JSON), a raw string, or a function of the request. */
  answers: Record<string, ScriptedAnswer>;
  /** Milliseconds to wait before answering, per skill (default 0). */
  delays?: Record<string, number>;
}

export function skillOf(request: RouteRequest): string {
  const match = /## Persona \(([a-z0-9-]+) /.exec(request.system);
  return match?.[1] ?? 'unknown';
}

/**
 * A model that answers from a script, for tests of the agents and the pipeline. It is a real
 * `Route`, so the router's validation, repair, ledger and breaker all run as in production.
 */
export function scriptedRoute(
  options: ScriptedRouteOptions,
): Route & { calls: Array<{ skill: string; request: RouteRequest }> } {
  const calls: Array<{ skill: string; request: RouteRequest }> = [];
  return {
    name: options.name ?? 'scripted',
    kind: 'openai-compatible',
    model: 'scripted-model',
    billing: 'local',
    timeoutMs: 30_000,
    calls,
    async complete(request: RouteRequest): Promise<RouteResponse> {
      const skill = skillOf(request);
      calls.push({ skill, request });
      const delay = options.delays?.[skill] ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (!(skill in options.answers)) throw new Error(`scripted route has no answer for skill ${skill}`);
      const scripted = options.answers[skill];
      const value =
        typeof scripted === 'function' ? (scripted as (request: RouteRequest) => unknown)(request) : scripted;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return {
        text,
        usage: { inputTokens: 100, outputTokens: 20, cachedTokens: 0, cacheWriteTokens: 0 },
        model: 'scripted-model',
      };
    },
  };
}
