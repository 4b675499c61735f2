import { z } from 'zod';

/**
 * How the position monitor manages an open position's stop (src/pipeline/stop-management.ts).
 * R is the position's initial risk: the distance from its average price to the stop the Risk
 * Gate accepted. A managed stop only ever tightens, rounded to the venue's tick toward the price.
 * - `off` (default): the stop stays where the entry put it (Signet's behaviour before).
 * - `breakeven`: once the price is `triggerR` × R in profit, the stop moves to the average price.
 * - `trail`: once the price is `triggerR` × R in profit, the stop follows `trailR` × R behind it.
 */
export const stopManagementSchema = z
  .object({
    mode: z.enum(['off', 'breakeven', 'trail']).default('off'),
    /** Profit, in multiples of R, before the stop first moves (1: one R in profit). */
    triggerR: z
      .number()
      .gt(0, 'triggerR must be above 0: set it to e.g. 1 (one R in profit)')
      .max(50)
      .default(1),
    /** trail: how far behind the price the stop stays, in multiples of R. */
    trailR: z.number().gt(0, 'trailR must be above 0: set it to e.g. 1').max(50).default(1),
  })
  .strict();
export type StopManagement = z.infer<typeof stopManagementSchema>;

export const monitorSectionSchema = z
  .object({
    stopManagement: stopManagementSchema.default(stopManagementSchema.parse({})),
  })
  .strict();
export type MonitorSection = z.infer<typeof monitorSectionSchema>;
