import { z } from 'zod';
import type { OperatorService } from '../operator/index.ts';
import { registerCostRoutes } from './cost-routes.ts';
import type { IngressDeps } from './deps.ts';
import { registerJournalRoutes } from './journal-routes.ts';
import { registerLedgerRoutes } from './ledger-routes.ts';
import { registerMessageRoutes } from './message-routes.ts';
import { registerStateRoutes } from './state-routes.ts';
import { problem, queryInt, type RouteTable, symbolSchema } from './validation.ts';

/**
 * The operator API's reads under /api/v1, by resource, each an adapter over the operator
 * service; then the chart bars, which come from the running feed rather than the database.
 * (Registration order is the order of /openapi.json.)
 */
export function registerOperatorRoutes(
  table: RouteTable,
  deps: IngressDeps,
  operator: OperatorService,
): void {
  registerStateRoutes(table, operator);
  registerLedgerRoutes(table, operator);
  registerJournalRoutes(table, operator);
  registerMessageRoutes(table, operator);
  registerCostRoutes(table, operator, deps);

  table.add(
    {
      method: 'GET',
      url: '/bars',
      summary: 'Price bars of a symbol up to the current bar (for charts)',
      query: z.strictObject({ symbol: symbolSchema.optional(), limit: queryInt(10, 5_000, 200) }),
    },
    async ({ query, reply }) => {
      const symbols = deps.market?.symbols() ?? [];
      const symbol = query.symbol ?? symbols[0];
      const bars = symbol ? (deps.market?.bars(symbol, query.limit) ?? null) : null;
      if (!symbol || !bars)
        return reply.code(404).send(problem('not_found', `no bars for ${query.symbol ?? 'any symbol'}`));
      return { symbol, symbols, bars };
    },
  );
}
