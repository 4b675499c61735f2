import { z } from 'zod';

/**
 * The TWS events we read, as `@stoqey/ib` decodes them (its EWrapper callbacks' arguments),
 * validated at the boundary: a field missing or of the wrong type is refused by name rather
 * than read as undefined later.
 */
const num = z.number();
const optNum = z.number().nullish();
const optStr = z.string().nullish();

const contractSchema = z
  .object({ symbol: optStr, secType: optStr, conId: optNum, currency: optStr, exchange: optStr })
  .passthrough();

const orderSchema = z
  .object({
    orderId: optNum,
    clientId: optNum,
    permId: optNum,
    parentId: optNum,
    action: z.string(),
    totalQuantity: num,
    orderType: z.string(),
    lmtPrice: optNum,
    auxPrice: optNum,
    tif: optStr,
    orderRef: optStr,
    account: optStr,
  })
  .passthrough();

const orderStateSchema = z.object({ status: optStr, warningText: optStr }).passthrough();

export const openOrderArgs = z.tuple([num, contractSchema, orderSchema, orderStateSchema]).rest(z.unknown());
export const completedOrderArgs = z.tuple([contractSchema, orderSchema, orderStateSchema]).rest(z.unknown());

/** orderStatus(id, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld, ...). */
export const orderStatusArgs = z
  .tuple([num, z.string(), num, num, num, optNum, optNum, optNum, optNum, optStr])
  .rest(z.unknown());

const executionSchema = z
  .object({
    orderId: num,
    clientId: optNum,
    execId: z.string().min(1),
    time: optStr,
    acctNumber: optStr,
    side: z.string(),
    shares: num,
    price: num,
    permId: optNum,
    cumQty: optNum,
    avgPrice: optNum,
    orderRef: optStr,
  })
  .passthrough();

export const execDetailsArgs = z.tuple([num, contractSchema, executionSchema]).rest(z.unknown());
export type IbExecution = z.infer<typeof executionSchema>;

export const commissionReportArgs = z
  .tuple([z.object({ execId: z.string().min(1), commission: optNum, currency: optStr }).passthrough()])
  .rest(z.unknown());

/** position(account, contract, pos, avgCost). */
export const positionArgs = z.tuple([z.string(), contractSchema, num, optNum]).rest(z.unknown());

/** accountSummary(reqId, account, tag, value, currency). */
export const accountSummaryArgs = z
  .tuple([num, z.string(), z.string(), z.string(), optStr])
  .rest(z.unknown());

/** historicalData(reqId, time, open, high, low, close, volume, ...); the end is time "finished-...". */
export const historicalDataArgs = z.tuple([num, z.string(), num, num, num, num, num]).rest(z.unknown());

/** The side of an execution: IB writes BOT / SLD. */
export function executionSide(side: string): 'buy' | 'sell' {
  return side === 'BOT' || side === 'BUY' ? 'buy' : 'sell';
}

/** Parses event arguments, or undefined (logged by the caller) when they do not match. */
export function parseArgs<Schema extends z.ZodType>(
  schema: Schema,
  args: unknown[],
): z.output<Schema> | undefined {
  const parsed = schema.safeParse(args);
  return parsed.success ? parsed.data : undefined;
}
