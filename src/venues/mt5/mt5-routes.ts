import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Secret } from '../../config/index.ts';
import type { Logger } from '../../logging/index.ts';
import type { AuthFailureCounter } from '../venue-adapter.ts';
import {
  ackSchema,
  applyAck,
  barsSchema,
  chartQuerySchema,
  dealsSchema,
  heartbeatSchema,
  type Mt5Reply,
  maxBarsPerPost,
  maxDealsPerPost,
  oncePerMessage,
  pollQuerySchema,
  positionsSchema,
  recordBars,
  recordCapture,
  recordDeals,
  recordHeartbeat,
  recordPositions,
  type TransactionalStore,
  takeNextCommand,
} from './broker/index.ts';
import { eaIsOutdated, outdatedEaAdvice } from './ea-version.ts';

/**
 * The EA bridge's HTTP contract (`/mt5/v1`, mt5-bridge.md section 5) as a Fastify plugin. The
 * full ingress mounts it with `app.register(mt5Routes, { prefix: '/mt5/v1', ...dependencies })`.
 * Only GET and POST (all WebRequest reliably has); the EA acts on status codes alone, so error
 * bodies are small and optional; JSON bodies are parsed whatever their Content-Type, after one
 * trailing NUL byte and whitespace are stripped (what StringToCharArray leaves behind).
 */
export interface Mt5RoutesOptions {
  store: TransactionalStore;
  /** The EA's shared secret (X-Bridge-Token). */
  token: Secret;
  logger: Logger;
  heartbeatIntervalMs: number;
  pollIntervalS: number;
  /** Largest JSON body (default 256 KiB). */
  jsonBodyLimit?: number;
  /** Largest chart capture (default 2 MiB). */
  imageBodyLimit?: number;
  /** The ingress's failure counter (kind `ea`); without it, failures are only logged. */
  authFailures?: AuthFailureCounter;
}

const imageTypes = new Set(['image/png', 'image/gif', 'image/bmp']);

// A key of this process only: two MACs of equal length are compared, so neither the token's
// length nor its content shows in the time taken.
const comparisonKey = randomBytes(32);
const mac = (value: string) => createHmac('sha256', comparisonKey).update(value, 'utf8').digest();

/** Constant-time over MACs of equal length. */
export function tokenMatches(expected: Secret, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(mac(expected.reveal()), mac(given));
}

/** The header carrying the server's proof that it holds the EA's token. */
export const proofHeader = 'x-signet-proof';

/**
 * The proof on every answer to an authenticated EA request: HMAC-SHA256 of the exact body bytes
 * keyed with the shared token, in hex. The EA recomputes it and refuses commands without it,
 * so whatever else listens on the port cannot make it trade.
 */
export function responseProof(token: Secret, body: Buffer | string): string {
  return createHmac('sha256', token.reveal()).update(body).digest('hex');
}

function parseJson<Schema extends z.ZodType>(
  schema: Schema,
  raw: unknown,
): { value: z.output<Schema> } | { error: string } {
  const buffer = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  let text = buffer.toString('utf8');
  if (text.endsWith('\0')) text = text.slice(0, -1);
  text = text.trimEnd();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'body: not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { error: `${issue.path.map(String).join('.') || 'body'}: ${issue.message}` };
}

function send(reply: FastifyReply, result: Mt5Reply): FastifyReply {
  if (result.status === 204 || !result.body) return reply.code(result.status).send();
  return reply.code(result.status).send(result.body);
}

export async function mt5Routes(app: FastifyInstance, options: Mt5RoutesOptions): Promise<void> {
  const { store, logger } = options;
  const jsonLimit = options.jsonBodyLimit ?? 256 * 1024;
  const imageLimit = options.imageBodyLimit ?? 2 * 1024 * 1024;

  // Raw bytes for every content type (or none): JSON is parsed by the routes themselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: imageLimit }, (_request, body, done) =>
    done(null, body),
  );

  const authenticated = new WeakSet<FastifyRequest>();
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // Authenticate first: the EA's valid token passes however many wrong ones came before it.
    if (tokenMatches(options.token, request.headers['x-bridge-token'])) {
      authenticated.add(request);
      return;
    }
    const wait = options.authFailures?.blockedFor('ea', request.ip) ?? 0;
    if (wait > 0) return reply.code(429).header('retry-after', String(wait)).send();
    options.authFailures?.fail('ea', request.ip);
    logger.warn({ ip: request.ip, url: request.url.split('?')[0] }, 'EA bridge: bad or missing token');
    return reply.code(401).send();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!authenticated.has(request)) return payload;
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : '';
    reply.header(proofHeader, responseProof(options.token, body));
    return payload;
  });

  const jsonRoute = <Schema extends z.ZodType<{ msg_id: string; terminal_id: string }>>(
    path: string,
    schema: Schema,
    handle: (value: z.output<Schema>) => Promise<Mt5Reply> | Mt5Reply,
  ) => {
    app.post(path, { bodyLimit: jsonLimit }, async (request, reply) => {
      const parsed = parseJson(schema, request.body);
      if ('error' in parsed) return reply.code(400).send({ ok: false, error: parsed.error });
      return send(reply, await handle(parsed.value));
    });
  };

  const outdatedTold = new Set<string>();
  jsonRoute('/heartbeat', heartbeatSchema, (heartbeat) => {
    // Once per terminal and version: an older EA still trades, the operator is told how to update.
    const told = `${heartbeat.terminal_id}@${heartbeat.ea_version}`;
    if (eaIsOutdated(heartbeat.ea_version) && !outdatedTold.has(told)) {
      outdatedTold.add(told);
      logger.warn({ terminalId: heartbeat.terminal_id }, outdatedEaAdvice(heartbeat.ea_version));
    }
    return oncePerMessage(store, heartbeat.terminal_id, heartbeat.msg_id, 'heartbeat', (tx) =>
      recordHeartbeat(tx, heartbeat, options),
    );
  });

  jsonRoute('/bars', barsSchema, (bars) => {
    if (bars.bars.length > maxBarsPerPost)
      return { status: 413, body: { ok: false, error: `bars: at most ${maxBarsPerPost}` } };
    return oncePerMessage(store, bars.terminal_id, bars.msg_id, 'bars', (tx) => recordBars(tx, bars));
  });

  jsonRoute('/commands/ack', ackSchema, (ack) =>
    oncePerMessage(store, ack.terminal_id, ack.msg_id, 'ack', (tx) => applyAck(tx, ack)),
  );

  jsonRoute('/deals', dealsSchema, (deals) => {
    if (deals.deals.length > maxDealsPerPost)
      return { status: 413, body: { ok: false, error: `deals: at most ${maxDealsPerPost}` } };
    return oncePerMessage(store, deals.terminal_id, deals.msg_id, 'deals', (tx) => recordDeals(tx, deals));
  });

  jsonRoute('/positions', positionsSchema, (positions) =>
    oncePerMessage(store, positions.terminal_id, positions.msg_id, 'positions', (tx) =>
      recordPositions(tx, positions),
    ),
  );

  app.post('/chart', { bodyLimit: imageLimit }, async (request, reply) => {
    const query = chartQuerySchema.safeParse(request.query);
    if (!query.success) {
      const issue = query.error.issues[0]!;
      return reply.code(400).send({ ok: false, error: `${issue.path.join('.')}: ${issue.message}` });
    }
    const contentType = String(request.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (!imageTypes.has(contentType))
      return reply.code(400).send({ ok: false, error: 'content-type: image/png, image/gif or image/bmp' });
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (bytes.length === 0) return reply.code(400).send({ ok: false, error: 'body: empty image' });
    const { terminal_id: terminalId, msg_id: msgId, symbol, timeframe, t } = query.data;
    return send(
      reply,
      await oncePerMessage(store, terminalId, msgId, 'chart', (tx) =>
        recordCapture(tx, { terminalId, msgId, symbol, timeframe, t, contentType, bytes }),
      ),
    );
  });

  // Answered at once (never long-polled: the EA's thread is blocked while it waits).
  app.get('/commands', async (request, reply) => {
    const query = pollQuerySchema.safeParse(request.query);
    if (!query.success) {
      const issue = query.error.issues[0]!;
      return reply.code(400).send({ ok: false, error: `${issue.path.join('.')}: ${issue.message}` });
    }
    const command = await takeNextCommand(store, query.data.terminal_id);
    if (!command) return reply.code(204).send();
    return reply.code(200).send(command);
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) logger.error({ err: error.message }, 'EA bridge request failed');
    return reply.code(status).send(status >= 500 ? undefined : { ok: false, error: error.message });
  });
}

/** A server with only the EA bridge mounted: for tests and a bridge-only deployment. */
export async function createIngressServer(
  options: Mt5RoutesOptions & { host?: string; port?: number },
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(mt5Routes, { ...options, prefix: '/mt5/v1' });
  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return { app, url, close: () => app.close() };
}
