import { z } from 'zod';
import { messageToJson } from '../bus/index.ts';
import type { OperatorService } from '../operator/index.ts';
import { problem, queryInt, type RouteTable } from './validation.ts';

const dateTime = z.iso.datetime({ offset: true });

/** GET /messages, /cycles, /explain/:id: the bus and the decisions it recorded. */
export function registerMessageRoutes(table: RouteTable, operator: OperatorService): void {
  table.add(
    {
      method: 'GET',
      url: '/messages',
      summary:
        'Bus messages in delivery order: by window, cycle and topics; without a window, the newest `limit`',
      query: z.strictObject({
        from: dateTime.optional(),
        to: dateTime.optional(),
        cycleId: z.string().min(1).max(200).optional(),
        topic: z
          .string()
          .min(1)
          .max(400)
          .optional()
          .describe('comma-separated exact topics or prefix.* patterns'),
        limit: queryInt(1, 5_000, 200),
      }),
    },
    async ({ query }) => {
      const topics = query.topic
        ?.split(',')
        .map((topic) => topic.trim())
        .filter(Boolean);
      const messages = await operator.messages({
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        cycleId: query.cycleId,
        topics,
        limit: query.limit,
      });
      return { messages: messages.map(messageToJson) };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/cycles',
      summary: 'Decision cycles, newest first, with their journaled outcomes',
      query: z.strictObject({ limit: queryInt(1, 500, 50) }),
    },
    async ({ query }) => ({ cycles: await operator.cycles(query.limit) }),
  );

  table.add(
    {
      method: 'GET',
      url: '/explain/:id',
      summary:
        'The chain of one decision by cycle id, client order id or message id: the decision chain (the Macro Officer, the CEO, each candidate with the challengers in shadow beside its proposal), messages, signatures, orders, journal',
      params: z.strictObject({ id: z.string().min(1).max(200) }),
    },
    async ({ params, reply }) => {
      const explanation = await operator.explain(params.id);
      if (!explanation)
        return reply.code(404).send(problem('not_found', `no cycle, order or message "${params.id}"`));
      const { ceoDirective } = explanation.agents;
      return {
        ...explanation,
        messages: explanation.messages.map(messageToJson),
        agents: { ...explanation.agents, ceoDirective: ceoDirective ? messageToJson(ceoDirective) : null },
      };
    },
  );
}
