import { noTradeAnswer } from '../../src/agents/index.ts';
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
 * What the market-wide agents answer when a test does not script them: a neutral Macro Officer and
 * a CEO that leaves the configured budget open, so a test about one symbol's decisions is not
 * changed by them.
 */
export const unscriptedDefaults: Record<string, ScriptedAnswer> = {
  'macro-officer': { regime: 'ranging', bias: 'neutral', stance: 'neutral', rationale: 'scripted: no view' },
  ceo: { stance: 'neutral', riskMultiplierCap: 1, maxNewPositions: 1000, rationale: 'scripted: open budget' },
};

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
      const answers = { ...unscriptedDefaults, ...options.answers };
      if (!(skill in answers)) throw new Error(`scripted route has no answer for skill ${skill}`);
      const scripted = answers[skill];
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

/** The symbol an agent is asked about (the skills render `Symbol: X` first). */
export function symbolOf(request: RouteRequest): string {
  const match = /^Symbol: (\w+)/m.exec(request.messages[0]?.content ?? '');
  if (!match) throw new Error('no "Symbol:" line in the prompt');
  return match[1]!;
}

/** A Strategist answer: buy at market at `last`, the stop and target at these multiples of it. */
export function buyAtMarket(
  symbol: string,
  last: number,
  options: {
    stop: number;
    target: number;
    digits?: number;
    horizonBars?: number;
    rationale?: string;
    facts?: Array<{ name: string; value: number }>;
  },
): Record<string, unknown> {
  const digits = options.digits ?? 2;
  return {
    decision: 'trade',
    symbol,
    side: 'buy',
    entryType: 'market',
    entryPrice: last,
    stopPrice: Number((last * options.stop).toFixed(digits)),
    targetPrice: Number((last * options.target).toFixed(digits)),
    horizonBars: options.horizonBars ?? 10,
    rationale: options.rationale ?? 'scripted',
    confidence: 0.6,
    facts: options.facts ?? [{ name: 'last', value: last }],
  };
}

/** A Strategist answer: sell (a new short) at market at `last`; `stop` above 1, `target` below. */
export function sellAtMarket(
  symbol: string,
  last: number,
  options: Parameters<typeof buyAtMarket>[2],
): Record<string, unknown> {
  return { ...buyAtMarket(symbol, last, options), side: 'sell' };
}

/** A route whose regime is down with a short bias, whose signers sign: the Strategist alone decides. */
export function agreeingShortRoute(strategist: ScriptedAnswer) {
  return scriptedRoute({
    answers: {
      regime: { regime: 'trending_down', bias: 'short', riskMultiplier: 1, rationale: 'down' },
      strategist,
      'fact-checker': { verdict: 'sign', reasons: ['ok'] },
      'double-checker': { verdict: 'sign', reasons: ['ok'] },
    },
  });
}

/** A route whose regime is up and whose signers sign: the Strategist alone decides. */
export function agreeingRoute(strategist: ScriptedAnswer) {
  return scriptedRoute({
    answers: {
      regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'up' },
      strategist,
      'fact-checker': { verdict: 'sign', reasons: ['ok'] },
      'double-checker': { verdict: 'sign', reasons: ['ok'] },
    },
  });
}

/** The strategist buys the prompt's quoted last at market, stop 10 % under it, target 30 % over. */
export function buyAtQuotedLast(request: RouteRequest): unknown {
  const last = Number(/"last": ([\d.]+)/.exec(request.messages[0]!.content)![1]);
  return buyAtMarket(symbolOf(request), last, { stop: 0.9, target: 1.3 });
}

/** The strategist proposes a long with a 4 % stop and an 8 % target whenever the last close is above its SMA20. */
export function buyAboveSma20(request: RouteRequest): unknown {
  const prompt = request.messages[0]!.content;
  const symbol = /^Symbol: (\w+)/m.exec(prompt)?.[1];
  const last = Number(/"last": ([\d.]+)/.exec(prompt)?.[1]);
  const sma20 = Number(/"sma20": ([\d.]+)/.exec(prompt)?.[1]);
  if (!symbol || !Number.isFinite(last) || !(last > sma20)) {
    return noTradeAnswer(symbol ?? 'UNKNOWN', 'close is not above SMA20', 0.2);
  }
  return buyAtMarket(symbol, last, {
    stop: 0.96,
    target: 1.08,
    rationale: `close ${last} above SMA20 ${sma20}`,
    facts: [
      { name: 'last', value: last },
      { name: 'sma20', value: sma20 },
    ],
  });
}
