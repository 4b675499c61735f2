import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { messageToJson, type Subscription } from '../bus/index.ts';
import type { IngressDeps } from './deps.ts';
import type { RouteTable } from './validation.ts';

const maxStreams = 32;
const keepAliveMs = 15_000;

/**
 * Server-sent events of bus messages: each client gets its own non-durable subscription that
 * starts after the newest message at connect time (history comes from /api/v1/messages).
 * Returns a closer that ends every open stream (the server calls it before it closes).
 */
export function registerEventStream(table: RouteTable, deps: IngressDeps): () => Promise<void> {
  const open = new Set<{ response: ServerResponse; subscription: Subscription; timer: NodeJS.Timeout }>();

  table.add(
    {
      method: 'GET',
      url: '/events',
      summary: 'Server-sent events: one `message` event per bus message from now on',
      produces: 'text/event-stream',
      query: z.strictObject({
        topics: z
          .string()
          .min(1)
          .max(400)
          .regex(/^[a-z0-9_.*,-]+$/, 'comma-separated topics or prefix.* patterns')
          .optional(),
      }),
    },
    async ({ query, request, reply }) => {
      if (open.size >= maxStreams)
        return reply
          .code(503)
          .send({ error: 'too_many_streams', message: `at most ${maxStreams} event streams` });
      const topics = query.topics?.split(',').filter(Boolean) ?? ['*'];
      const { position } = await deps.bus.latest(1);
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      response.write(': connected\n\n');
      const subscription = await deps.bus.subscribe(
        `ingress.sse.${randomBytes(6).toString('hex')}`,
        topics,
        (message) => {
          if (!response.writableEnded)
            response.write(
              `id: ${message.id}\nevent: message\ndata: ${JSON.stringify(messageToJson(message))}\n\n`,
            );
        },
        { durable: false, startAfter: position },
      );
      const timer = setInterval(() => response.write(': keep-alive\n\n'), keepAliveMs);
      const entry = { response, subscription, timer };
      open.add(entry);
      const close = () => {
        if (!open.delete(entry)) return;
        clearInterval(timer);
        subscription
          .stop()
          .catch((error: unknown) => deps.logger.warn({ err: String(error) }, 'event stream stop failed'));
        if (!response.writableEnded) response.end();
      };
      request.raw.on('close', close);
      response.on('close', close);
      return undefined;
    },
  );

  return async () => {
    const entries = [...open];
    open.clear();
    await Promise.all(
      entries.map(async (entry) => {
        clearInterval(entry.timer);
        await entry.subscription.stop().catch(() => {});
        if (!entry.response.writableEnded) entry.response.end();
      }),
    );
  };
}
