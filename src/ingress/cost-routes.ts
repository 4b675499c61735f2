import { z } from 'zod';
import type { OperatorService } from '../operator/index.ts';
import type { IngressDeps } from './deps.ts';
import { isoDay, queryInt, type RouteTable } from './validation.ts';

/** GET /costs, /routes: what the LLMs cost and how their routes stand. */
export function registerCostRoutes(table: RouteTable, operator: OperatorService, deps: IngressDeps): void {
  table.add(
    {
      method: 'GET',
      url: '/costs',
      summary: 'LLM cost ledger by day, route, model and agent',
      query: z.strictObject({ from: isoDay.optional(), to: isoDay.optional(), days: queryInt(1, 366, 30) }),
    },
    async ({ query }) => operator.costs(query),
  );

  table.add(
    {
      method: 'GET',
      url: '/routes',
      summary:
        'LLM routes with their circuit breakers, refused requests still standing, the daily budget, and who decided since the brain started',
    },
    // `decisions` are the running brain's own counts, not in the database: only the ingress has them.
    async () => ({ ...(await operator.llmStatus()), decisions: deps.decisions?.() ?? null }),
  );
}
