import { z } from 'zod';
import type { OperatorService } from '../operator/index.ts';
import { queryInt, type RouteTable, symbolSchema } from './validation.ts';

/** GET /positions, /orders, /fills: the order ledger, read through the operator service. */
export function registerLedgerRoutes(table: RouteTable, operator: OperatorService): void {
  table.add(
    { method: 'GET', url: '/positions', summary: 'Open positions with their stop and take-profit orders' },
    async () => ({ positions: await operator.positions() }),
  );

  table.add(
    {
      method: 'GET',
      url: '/orders',
      summary: 'Orders, newest first',
      query: z.strictObject({
        status: z.string().min(1).max(32).optional(),
        symbol: symbolSchema.optional(),
        limit: queryInt(1, 1_000, 100),
      }),
    },
    async ({ query }) => ({ orders: await operator.orders(query) }),
  );

  table.add(
    {
      method: 'GET',
      url: '/fills',
      summary: 'Fills, newest first, with the leg of their order',
      query: z.strictObject({ symbol: symbolSchema.optional(), limit: queryInt(1, 5_000, 200) }),
    },
    async ({ query }) => ({ fills: await operator.fills(query) }),
  );
}
