import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The shared machinery of the HTTP fakes: a local server, a queue of scripted replies consumed
 * one per request (a default reply when the queue is empty), a log of the requests received,
 * and a small control API (`POST /_control/script`, `GET /_control/requests`) for use from
 * another process. The vendor-specific part (wire format) lives in each fake.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /**
   * Milliseconds from the request's arrival (its headers parsed, the handler called) to the answer
   * handed to the socket, set when sent: reading and parsing the body, the fake's checks, any
   * scripted delay (timer lateness included) and serializing the answer.
   */
  serverMs?: number;
  /** `performance.now()` at arrival and when the answer was sent: benchmarks in the same process split the client's time around them. */
  arrivedAt?: number;
  sentAt?: number;
}

export interface ScriptedServer<Step> {
  readonly baseUrl: string;
  /** Appends replies, consumed in order, one per request. */
  script(...steps: Step[]): void;
  /** The reply used when the queue is empty. */
  setDefault(step: Step): void;
  /**
   * Answers from the request itself (e.g. by the prompt's content) when the queue is empty and
   * the responder returns a step; for tests whose calls arrive in no fixed order.
   */
  setResponder(responder: ((request: RecordedRequest) => Step | undefined) | undefined): void;
  readonly requests: RecordedRequest[];
  pending(): number;
  reset(): void;
  close(): Promise<void>;
}

export type Reply = (
  request: RecordedRequest,
  step: unknown,
  response: ServerResponse,
) => Promise<void> | void;

export async function startScriptedServer<Step>(options: {
  defaultStep: Step;
  handle: (request: RecordedRequest, step: Step, response: ServerResponse) => Promise<void> | void;
  /** Paths served (others get 404 in the vendor's error shape via `notFound`). */
  accepts: (path: string) => boolean;
  notFound: (response: ServerResponse, path: string) => void;
}): Promise<ScriptedServer<Step>> {
  const queue: Step[] = [];
  let defaultStep = options.defaultStep;
  let responder: ((request: RecordedRequest) => Step | undefined) | undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });

  const server: Server = createServer(async (request, response) => {
    const arrived = performance.now();
    const url = new URL(request.url ?? '/', 'http://fake');
    const text = await readBody(request);
    if (url.pathname === '/_control/script' && request.method === 'POST') {
      const body = JSON.parse(text) as { steps?: Step[]; default?: Step; reset?: boolean };
      if (body.reset) queue.length = 0;
      if (body.steps) queue.push(...body.steps);
      if (body.default) defaultStep = body.default;
      response.writeHead(204).end();
      return;
    }
    if (url.pathname === '/_control/requests') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(requests));
      return;
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the raw text: the vendor would answer 400, the fake's handler decides
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body,
    };
    if (!options.accepts(url.pathname)) {
      options.notFound(response, url.pathname);
      return;
    }
    requests.push(recorded);
    // What the server itself spent: benchmarks subtract it to get the client's overhead.
    recorded.arrivedAt = arrived;
    response.on('finish', () => {
      recorded.sentAt = performance.now();
      recorded.serverMs = recorded.sentAt - arrived;
    });
    const step = queue.length > 0 ? queue.shift()! : (responder?.(recorded) ?? defaultStep);
    try {
      await options.handle(recorded, step, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    }
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    script: (...steps) => queue.push(...steps),
    setDefault: (step) => {
      defaultStep = step;
    },
    setResponder: (next) => {
      responder = next;
    },
    requests,
    pending: () => queue.length,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
