import { withFields } from '../platform/index.ts';

/**
 * Who actually decided, counted: each agent run is one decision, attributed to the route and
 * model that answered, to the deterministic fallback, or to a failure (the agent failed closed).
 * Reports read these counts, never the configured routes: a run whose every call fell back
 * says so.
 */
export interface DeciderCounts {
  /** `route/model` -> decisions answered by that LLM. */
  routes: Record<string, number>;
  fallback: number;
  failure: number;
  total: number;
}

/** The part of an agent's outcome the tally reads (an `AgentOutcome` satisfies it). */
export type TalliedOutcome =
  | { ok: true; decidedBy: 'llm' | 'fallback'; route: string | null; model: string | null }
  | { ok: false };

export function emptyDeciderCounts(): DeciderCounts {
  return { routes: {}, fallback: 0, failure: 0, total: 0 };
}

export function deciderKey(route: string, model: string | null): string {
  return model ? `${route}/${model}` : route;
}

export class DeciderTally {
  #counts = emptyDeciderCounts();

  record(outcome: TalliedOutcome): void {
    const counts = this.#counts;
    counts.total += 1;
    if (!outcome.ok) counts.failure += 1;
    else if (outcome.decidedBy === 'fallback' || outcome.route === null) counts.fallback += 1;
    else {
      const key = deciderKey(outcome.route, outcome.model);
      counts.routes[key] = (counts.routes[key] ?? 0) + 1;
    }
  }

  counts(): DeciderCounts {
    return withFields(this.#counts, { routes: { ...this.#counts.routes } });
  }
}

/** One line: "anthropic/claude-sonnet-5-5 12, fallback 30, failure 0 (of 42 decisions)". */
export function describeDeciders(counts: DeciderCounts): string {
  if (counts.total === 0) return 'no agent decisions yet';
  const routes = Object.entries(counts.routes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, count]) => `${key} ${count}`);
  return (
    [...routes, `fallback ${counts.fallback}`, `failure ${counts.failure}`].join(', ') +
    ` (of ${counts.total} decisions)`
  );
}

/** A short form for a status line: "llm 12 · fallback 30 · failed 0". */
export function shortDeciders(counts: DeciderCounts): string {
  const llm = Object.values(counts.routes).reduce((sum, count) => sum + count, 0);
  return `llm ${llm} fallback ${counts.fallback} failed ${counts.failure}`;
}
