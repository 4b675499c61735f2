import { z } from 'zod';
import { ValidationError } from '../../errors/index.ts';
import { withFields } from '../../platform/index.ts';
import type { Order, OrderRequest } from '../broker.ts';

const positive = z.number().finite().positive();
export const orderRequestSchema = z
  .object({
    clientOrderId: z.string().min(1).max(200),
    symbol: z.string().min(1).max(32),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit', 'stop']),
    qty: positive,
    limitPrice: positive.optional(),
    stopPrice: positive.optional(),
    leg: z.enum(['entry', 'stop_loss', 'take_profit', 'exit', 'flatten']).optional(),
    bracket: z.object({ stopLoss: positive.optional(), takeProfit: positive.optional() }).strict().optional(),
    referencePrice: positive.optional(),
    cycleId: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((request, context) => {
    if (request.type === 'limit' && request.limitPrice === undefined)
      context.addIssue({ code: 'custom', path: ['limitPrice'], message: 'a limit order needs limitPrice' });
    if (request.type === 'stop' && request.stopPrice === undefined)
      context.addIssue({ code: 'custom', path: ['stopPrice'], message: 'a stop order needs stopPrice' });
    if (request.bracket) {
      if (request.leg !== undefined && request.leg !== 'entry')
        context.addIssue({ code: 'custom', path: ['bracket'], message: 'brackets are for entries only' });
      const { stopLoss, takeProfit } = request.bracket;
      if (stopLoss === undefined && takeProfit === undefined)
        context.addIssue({
          code: 'custom',
          path: ['bracket'],
          message: 'a bracket needs stopLoss, takeProfit or both',
        });
      // A buy's stop is below its target; a sell entry's (a short's) stop is above it.
      if (stopLoss !== undefined && takeProfit !== undefined) {
        if (request.side === 'buy' && stopLoss >= takeProfit)
          context.addIssue({
            code: 'custom',
            path: ['bracket'],
            message: 'stopLoss must be below takeProfit',
          });
        if (request.side === 'sell' && stopLoss <= takeProfit)
          context.addIssue({
            code: 'custom',
            path: ['bracket'],
            message: 'stopLoss must be above takeProfit for a sell entry',
          });
      }
    }
  });

const requestKeys = new Set([
  'clientOrderId',
  'symbol',
  'side',
  'type',
  'qty',
  'leg',
  'referencePrice',
  'cycleId',
]);
const isPositive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** A market order without extras, or one the fast path can vouch for: same rules as the schema. */
export function isPlainRequest(request: OrderRequest): boolean {
  return (
    request.type === 'market' &&
    (request.side === 'buy' || request.side === 'sell') &&
    typeof request.clientOrderId === 'string' &&
    request.clientOrderId.length > 0 &&
    request.clientOrderId.length <= 200 &&
    typeof request.symbol === 'string' &&
    request.symbol.length > 0 &&
    request.symbol.length <= 32 &&
    isPositive(request.qty) &&
    request.limitPrice === undefined &&
    request.stopPrice === undefined &&
    request.bracket === undefined &&
    (request.referencePrice === undefined || isPositive(request.referencePrice)) &&
    (request.leg === undefined ||
      request.leg === 'entry' ||
      request.leg === 'exit' ||
      request.leg === 'flatten') &&
    (request.cycleId === undefined ||
      (typeof request.cycleId === 'string' && request.cycleId.length <= 200)) &&
    Object.keys(request).every((key) => requestKeys.has(key))
  );
}

export function copy(order: Order): Order {
  return withFields(order, { linkedClientOrderIds: [...order.linkedClientOrderIds] });
}

export const isFinal = (order: Order) =>
  order.status === 'filled' || order.status === 'cancelled' || order.status === 'rejected';

/** Validates a request: the fast hand check for plain market orders, zod (and its words) otherwise. */
export function validateOrderRequest(request: OrderRequest): OrderRequest {
  if (isPlainRequest(request)) return request;
  const parsed = orderRequestSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: `order.${issue.path.map(String).join('.')}`,
    message: issue.message,
  }));
  throw new ValidationError(
    `invalid order ${request.clientOrderId}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
    { fix: 'Correct the named field of the order request.' },
  );
}
