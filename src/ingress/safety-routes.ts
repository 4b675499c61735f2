import { z } from 'zod';
import { readAccountState } from '../account-state/index.ts';
import { checkInvariants, HaltError, haltFileFor, raiseHalt, resumeTrading } from '../watchdog/index.ts';
import type { IngressDeps } from './deps.ts';
import { problem, type RouteTable } from './validation.ts';

/** The safety side of the operator API: the watchdog's invariants, raising a halt, resuming. */
export function registerSafetyRoutes(table: RouteTable, deps: IngressDeps): void {
  const { store, config } = deps;
  const haltStore = { db: store, haltFile: haltFileFor(config.dataPath) };

  table.add(
    {
      method: 'GET',
      url: '/invariants',
      summary:
        "The watchdog's invariants measured from the brain's tables (the watchdog process also asks its own broker connection)",
    },
    async () => {
      const account = await readAccountState(store, config.broker.kind);
      const snapshot = account?.value as { highWaterMark?: number; equity?: number } | undefined;
      const report = await checkInvariants({
        config,
        db: store,
        broker: undefined,
        databaseDownSince: null,
        now: Date.now(),
        highWaterMark: Number(snapshot?.highWaterMark ?? snapshot?.equity ?? 0),
      });
      return report;
    },
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
      const result = await raiseHalt(haltStore, {
        level: body.level,
        reason: body.reason,
        setBy: 'operator',
      });
      deps.logger.warn(
        { level: body.level, raised: result.raised },
        'operator raised a halt through the API',
      );
      return result;
    },
  );

  table.add(
    {
      method: 'POST',
      url: '/resume',
      summary: 'Resume trading: the operator token again and a written acknowledgement of what was checked',
      body: z.strictObject({
        token: z.string().min(1).max(1_000),
        acknowledgement: z
          .string()
          .trim()
          .min(10, 'write what you checked (at least 10 characters)')
          .max(2_000),
        operator: z.string().trim().min(1).max(100).default('console'),
      }),
    },
    async ({ body, reply }) => {
      try {
        const result = await resumeTrading(haltStore, config.secrets.operatorToken, {
          token: body.token,
          acknowledgement: body.acknowledgement,
          operator: body.operator,
        });
        deps.logger.warn(
          { operator: body.operator, previousLevel: result.previous.level },
          'trading resumed through the API',
        );
        return { resumed: true, previous: result.previous };
      } catch (error) {
        if (error instanceof HaltError) {
          const status = error.code === 'resume_no_ack' ? 400 : 403;
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
