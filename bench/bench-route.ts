import type { Route, RouteRequest } from '../src/llm/index.ts';
import { buyAtMarket } from '../test/support/scripted-route.ts';

/**
 * The pipeline benchmark's scripted model: every skill answers at once (or after `delayMs`) with
 * a valid answer that trades, so a cycle runs every agent, the signers and the executor.
 */
function answerFor(request: RouteRequest): string {
  const skill = /## Persona \(([a-z0-9-]+) /.exec(request.system)?.[1];
  const prompt = request.messages[0]!.content;
  const symbol = /^Symbol: (\w+)/m.exec(prompt)?.[1] ?? 'X';
  const last = Number(/"last": ([\d.]+)/.exec(prompt)?.[1] ?? 100);
  switch (skill) {
    case 'macro-officer':
      return JSON.stringify({ regime: 'trending_up', bias: 'long', stance: 'risk_on', rationale: 'bench' });
    case 'ceo':
      return JSON.stringify({
        stance: 'risk_on',
        riskMultiplierCap: 1,
        // The skill's most (1000), above the candidates of every phase: the session's limit
        // (settings.ceo) decides.
        maxNewPositions: 1000,
        rationale: 'bench',
      });
    case 'regime':
      return JSON.stringify({ regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'bench' });
    case 'strategist':
      // The strategist's output schema requires the facts it relies on (checked by the fact-checker).
      return JSON.stringify(
        buyAtMarket(symbol, last, {
          stop: 0.96,
          target: 1.08,
          horizonBars: 5,
          rationale: 'bench',
          facts: [{ name: 'last', value: last }],
        }),
      );
    default:
      return JSON.stringify({ verdict: 'sign', reasons: ['bench'] });
  }
}

/** A scripted route answering after `delayMs`; `calls` gets each call's skill, in order. */
export function benchRoute(delayMs: number, calls: string[] = []): Route {
  return {
    name: 'bench',
    kind: 'openai-compatible',
    model: 'bench-model',
    billing: 'local',
    timeoutMs: 60_000,
    async complete(request) {
      calls.push(/## Persona \(([a-z0-9-]+) /.exec(request.system)?.[1] ?? '?');
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return {
        text: answerFor(request),
        usage: { inputTokens: 10, outputTokens: 10, cachedTokens: 0, cacheWriteTokens: 0 },
        model: 'bench-model',
      };
    },
  };
}
