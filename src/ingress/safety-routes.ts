import { z } from 'zod';
import type { OperatorService } from '../operator/index.ts';
import { HaltError } from '../watchdog/index.ts';
import { problem, type RouteTable } from './validation.ts';

/** The safety side of the operator API: the watchdog's invariants, raising a halt, resuming. */
export function registerSafetyRoutes(table: RouteTable, operator: OperatorService): void {
  table.add(
    {
      method: 'GET',
      url: '/invariants',
      summary:
        "The watchdog's invariants measured from the brain's tables (the watchdog process also asks its own broker connection)",
    },
    async () => operator.invariants(),
  );

  table.add(
    {
      method: 'POST',
      url: '/halt',
      summary:
        'Raise the halt level (1 warn, 2 no new entries, 3 reduce only); level 4 belongs to the watchdog',
      body: z.strictObject({
        level: z.number().int().min(1).max(3),
        reason: z.string().trim().min(3).max(1_000),
      }),
    },
    async ({ body }) => {
      const { state, raised, databaseWritten } = await operator.halt(body.level, body.reason, 'api');
      return { state, raised, databaseWritten };
    },
  );

  table.add(
    {
      method: 'POST',
      url: '/resume',
      summary:
        'Resume trading: the operator token again, the halt level you saw (fromLevel; 409 when it changed) and a written acknowledgement of what was checked',
      body: z.strictObject({
        token: z.string().min(1).max(1_000),
        acknowledgement: z
          .string()
          .trim()
          .min(10, 'write what you checked (at least 10 characters)')
          .max(2_000),
        fromLevel: z.number().int().min(0).max(4),
      }),
    },
    async ({ body, reply }) => {
      try {
        const { previous, operator: label } = await operator.resume({
          token: body.token,
          acknowledgement: body.acknowledgement,
          fromLevel: body.fromLevel,
          by: 'api',
        });
        return { resumed: true, previous, operator: label };
      } catch (error) {
        if (error instanceof HaltError) {
          const status =
            error.code === 'resume_no_ack' ? 400 : error.code === 'resume_level_changed' ? 409 : 403;
          const field =
            error.code === 'resume_no_ack'
              ? 'body.acknowledgement: '
              : error.code === 'resume_bad_token'
                ? 'body.token: '
                : '';
          return reply.code(status).send(problem(error.code, `${field}${error.message}`, error.fix));
        }
        throw error;
      }
    },
  );
}
