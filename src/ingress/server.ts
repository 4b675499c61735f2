import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { backtestReportsPath } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { OperatorService } from '../operator/index.ts';
import { packageRoot } from '../platform/index.ts';
import { venues } from '../venues/index.ts';
import { AuthFailureLimiter, bearerMatches, isLoopback } from './auth.ts';
import { registerCaptureRoutes } from './capture-routes.ts';
import type { IngressDeps } from './deps.ts';
import { registerEventStream } from './events.ts';
import { listReportFiles, readInside } from './files.ts';
import { openApiDocument } from './openapi.ts';
import { registerOperatorRoutes } from './operator-routes.ts';
import { registerSafetyRoutes } from './safety-routes.ts';
import { RouteTable } from './validation.ts';

export interface IngressAppOptions extends IngressDeps {
  /** The built console (web/dist); default: the repository's. */
  consoleDir?: string;
}

export const defaultConsoleDir = path.join(packageRoot(), 'web', 'dist');

export { isLoopback };

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** Why the operator API is off, or null when it is on. */
export function operatorApiDisabledReason(deps: IngressDeps): string | null {
  return deps.config.secrets.operatorToken
    ? null
    : 'SIGNET_OPERATOR_TOKEN is not set: the operator API and console are off, only /health answers';
}

function unauthorized(reply: FastifyReply): FastifyReply {
  // No detail: a prober learns nothing about which part was wrong.
  return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
}

/**
 * The brain's HTTP server, not yet listening: /health, the operator API (/api/v1, bearer
 * operator token), the event stream, /openapi.json, the console's static files and, when the
 * EA token is set, the MT5 bridge under /mt5/v1. Without an operator token only /health and
 * the MT5 bridge (its own token) answer.
 */
export async function createIngressApp(options: IngressAppOptions): Promise<FastifyInstance> {
  const { config, logger } = options;
  const section = config.ingress;
  const app = Fastify({
    logger: false,
    bodyLimit: section.bodyLimit,
    trustProxy: false,
    forceCloseConnections: true,
  });
  const limiter = new AuthFailureLimiter(section.authFailuresPerMinute);
  const disabled = operatorApiDisabledReason(options);
  const operatorToken = config.secrets.operatorToken;

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return reply
        .code(413)
        .send({ error: 'body_too_large', message: `body: larger than ${section.bodyLimit} bytes` });
    if (status >= 400 && status < 500) {
      const message =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'body: send application/json'
          : `body: ${error.message}`;
      return reply.code(status).send({ error: 'invalid_request', message });
    }
    logger.error({ err: error.message, url: request.url.split('?')[0] }, 'ingress request failed');
    return reply
      .code(500)
      .send({ error: 'internal', message: 'internal error; the brain log has the details' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `${request.method} ${request.url.split('?')[0]} does not exist` }),
  );

  // Failures are limited where each credential is checked (operator API, EA bridge), after it failed.
  app.addHook('onRequest', async (_request, reply) => {
    for (const [name, value] of Object.entries(securityHeaders)) reply.header(name, value);
  });

  if (options.readOnly) {
    const reason = options.readOnly;
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        return reply.code(503).send({ error: 'standby', message: reason });
    });
  }

  app.get('/health', async () => ({
    ok: true,
    operatorApi: disabled ? 'off' : 'on',
    ...(disabled ? { reason: disabled } : {}),
  }));

  // Routes a venue needs on the brain's ingress (the MT5 EA's bridge), each under its prefix.
  for (const venue of options.readOnly ? [] : venues) {
    const routes = venue.ingressRoutes?.(config, { store: options.store, logger, authFailures: limiter });
    if (routes) await app.register(async (scope) => routes.register(scope), { prefix: routes.prefix });
  }

  if (disabled || !operatorToken) {
    app.get('/', async (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(`Signet console is off.\n${disabled}\n`),
    );
    return app;
  }

  let closeStreams: () => Promise<void> = async () => {};
  const tables: RouteTable[] = [];
  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request, reply) => {
        // Authenticate first: a valid token passes however many wrong ones came before it.
        if (bearerMatches(operatorToken, request.headers.authorization)) return;
        const wait = limiter.blockedFor('operator', request.ip);
        if (wait > 0)
          return reply.code(429).header('retry-after', String(wait)).send({ error: 'too_many_failures' });
        limiter.fail('operator', request.ip);
        logger.warn({ ip: request.ip, url: request.url.split('?')[0] }, 'operator API: bad or missing token');
        return unauthorized(reply);
      });
      const table = new RouteTable(api, '/api/v1');
      tables.push(table);
      const operator = new OperatorService(options);
      registerOperatorRoutes(table, options, operator);
      registerCaptureRoutes(table, options);
      registerSafetyRoutes(table, operator);
      closeStreams = registerEventStream(table, options);
      // `signet backtest --report` writes here by default, so its reports show without any setting.
      const reportsDir = backtestReportsPath(config);
      // The self-optimizer writes its reports as files directly under the context's reports/.
      const optimizerDir = path.resolve(config.paths.contextDir, 'reports');
      // `signet evaluate` writes one folder per evaluation here.
      const evaluationsDir = path.join(optimizerDir, 'evaluations');
      table.add(
        {
          method: 'GET',
          url: '/reports',
          summary: 'Backtest report files (ingress.reportsDir), self-optimizer reports and evaluations',
        },
        async () => ({
          configured: true,
          folder: reportsDir,
          files: await listReportFiles(reportsDir),
          optimizer: await listReportFiles(optimizerDir, 0),
          evaluations: await listReportFiles(evaluationsDir, 1),
        }),
      );
      table.add(
        {
          method: 'GET',
          url: '/reports/file',
          summary: 'One report file, read-only; paths leading out of their folder are refused',
          produces: '*/*',
          query: z.strictObject({
            path: z.string().min(1).max(512),
            source: z.enum(['backtest', 'optimizer', 'evaluation']).default('backtest'),
          }),
        },
        async ({ query, reply }) => {
          const root = { optimizer: optimizerDir, evaluation: evaluationsDir, backtest: reportsDir }[
            query.source
          ];
          const file = root ? await readInside(root, query.path) : null;
          if (!file)
            return reply.code(404).send({
              error: 'not_found',
              message: `query.path: no ${query.source} report file ${query.path}`,
            });
          return reply.type(file.type).header('cache-control', 'no-store').send(file.body);
        },
      );
    },
    { prefix: '/api/v1' },
  );
  app.addHook('preClose', async () => {
    await closeStreams();
  });

  app.get('/openapi.json', async () =>
    openApiDocument(
      tables.flatMap((table) => table.specs),
      '1',
    ),
  );

  const consoleDir = options.consoleDir ?? defaultConsoleDir;
  const serveConsole = async (relative: string, reply: FastifyReply) => {
    if (!existsSync(path.join(consoleDir, 'index.html')))
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The console is not built: run `npm run build:web` (it also runs before `npm start` and `npm test`).\n',
        );
    const file = await readInside(consoleDir, relative === '' ? 'index.html' : relative);
    if (!file) return reply.code(404).send({ error: 'not_found', message: `no console file ${relative}` });
    const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply.type(file.type).header('cache-control', cache).send(file.body);
  };
  app.get('/', async (_request, reply) => serveConsole('', reply));
  app.get('/*', async (request, reply) => {
    // The router decoded the path once; a `%` left means it was encoded twice, which no console file is.
    const relative = (request.params as { '*': string })['*'];
    if (relative.includes('%'))
      return reply.code(400).send({ error: 'invalid_request', message: 'path: encoded more than once' });
    return serveConsole(relative, reply);
  });
  return app;
}

export interface Ingress {
  /** The console URL when listening, else null. */
  url: string | null;
  /** One line for `signet start`: the URL, or why there is none. */
  describe(): string;
  stop(): Promise<void>;
}

export class IngressConfigError extends SignetError {}

/**
 * Starts the ingress as configured. Refuses to start on a non-loopback address without an
 * operator token (the API would be reachable by anyone who finds the port). In market mode a
 * port it cannot take stops the start: whatever holds it would receive the EA's token and
 * answer its polls. In sim a taken port is not fatal: the failure is logged and printed.
 */
export async function startIngress(options: IngressAppOptions): Promise<Ingress> {
  const { config, logger } = options;
  const section = config.ingress;
  if (!section.enabled)
    return { url: null, describe: () => 'off (ingress.enabled: false)', stop: async () => {} };
  const disabled = operatorApiDisabledReason(options);
  if (disabled && !isLoopback(section.host))
    throw new IngressConfigError(`ingress refuses to listen on ${section.host} without an operator token`, {
      code: 'ingress_no_token',
      fault: 'user',
      fix: 'Set SIGNET_OPERATOR_TOKEN, or bind ingress.host to 127.0.0.1.',
    });
  const app = await createIngressApp(options);
  let address: string;
  try {
    address = await app.listen({ host: section.host, port: section.port });
  } catch (error) {
    await app.close().catch(() => {});
    const message = (error as Error).message;
    // A standby's read-only console is a convenience: its port being taken never stops it.
    if (config.schedule.mode === 'market' && !options.readOnly)
      throw new IngressConfigError(
        `ingress cannot listen on ${section.host}:${section.port} (${message}); market mode does not start without it`,
        {
          code: 'ingress_port_taken',
          fault: 'user',
          fix: `Find what holds port ${section.port} (e.g. \`ss -ltnp | grep ${section.port}\`: another brain?) and stop it, or set ingress.port (and the EA's InpBaseUrl) to a free port.`,
        },
      );
    logger.error(
      { err: message, host: section.host, port: section.port },
      'ingress could not listen; the brain runs without it',
    );
    return { url: null, describe: () => `not started: ${message}`, stop: async () => {} };
  }
  const port = (app.server.address() as { port: number } | null)?.port ?? section.port;
  const host = section.host.includes(':') ? `[${section.host}]` : section.host;
  const url = `http://${host}:${port}/`;
  if (disabled) logger.warn({ address }, disabled);
  else logger.info({ url }, 'ingress listening');
  return {
    url,
    describe: () => (disabled ? `${url}health only — ${disabled}` : url),
    stop: async () => {
      await app.close();
    },
  };
}
