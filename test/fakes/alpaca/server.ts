import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import { barsPage, type FakeBar } from './bars.ts';
import { FakeBook, orderJson, type TradeUpdateData } from './book.ts';
import { type FakeNewsItem, newsPage } from './news.ts';
import { fakeNewsStream } from './news-stream.ts';
import { validateOrder, validateReplace } from './orders.ts';

/**
 * A local Alpaca: Trading API v2, Market Data v2 bars and the trade_updates WebSocket, speaking
 * the wire format of Alpaca's own docs (docs.alpaca.markets): decimals as strings, 207 close-all,
 * `:by_client_order_id`, binary stream frames, X-Ratelimit-* on 429. Faults are scripted per
 * test through `control` in-process, or through `/_control/*` from another process.
 */
export type FakeFault =
  | { kind: 'rate_limit'; resetInS?: number; retryAfterS?: number }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'malformed' }
  /** Answer only after `ms` (the client has given up); `accept` decides whether the order was taken. */
  | { kind: 'hang'; ms: number; accept: boolean };

export interface FaultRule {
  method?: string;
  /** Path prefix, e.g. "/v2/orders". */
  path?: string;
  /** How many requests it applies to (default 1). */
  times?: number;
  fault: FakeFault;
}

export type { FakeBar } from './bars.ts';
export type { FakeNewsItem } from './news.ts';

export interface AlpacaFakeControl {
  readonly book: FakeBook;
  readonly requests: Array<{ method: string; path: string; query: string }>;
  setPrice(symbol: string, price: number): void;
  fault(rule: FaultRule): void;
  setBars(symbol: string, bars: FakeBar[]): void;
  /** The articles `GET /v1beta1/news` serves (replaces the previous set). */
  setNews(items: FakeNewsItem[]): void;
  /** Publishes one article on the real-time news stream (`/v1beta1/news` WebSocket). */
  pushNews(item: FakeNewsItem): void;
  /** A position that no order explains (opened by hand in the dashboard). */
  addPosition(symbol: string, qty: number, avgPrice: number): void;
  /** The account's flags as GET /v2/account reports them (https://docs.alpaca.markets/reference/getaccount-1). */
  accountFlags: {
    trading_blocked: boolean;
    account_blocked: boolean;
    pattern_day_trader: boolean;
    daytrade_count: number;
    /** Margin accounts may sell short (https://docs.alpaca.markets/docs/margin-and-short-selling). */
    shorting_enabled: boolean;
  };
  /** An asset's lending flags as GET /v2/assets/{symbol} reports them (default: shortable, easy to borrow). */
  setAsset(symbol: string, flags: { shortable: boolean; easy_to_borrow: boolean }): void;
  /** Drops every stream connection (the client should reconnect and catch up). */
  dropStreams(): void;
  /** Refuses new stream connections while true. */
  streamDown: boolean;
  countRequests(method: string, path: string): number;
  state(): {
    orders: Record<string, unknown>[];
    positions: Array<{ symbol: string; qty: number; avgPrice: number }>;
    cash: number;
  };
}

export interface AlpacaFake {
  baseUrl: string;
  streamUrl: string;
  keyId: string;
  secretKey: string;
  control: AlpacaFakeControl;
  close(): Promise<void>;
}

const send = (
  response: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  if (response.writableEnded || response.destroyed) return;
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(''));
  });

export async function startAlpacaFake(
  options: { port?: number; host?: string; keyId?: string; secretKey?: string } = {},
): Promise<AlpacaFake> {
  const keyId = options.keyId ?? 'PKFAKEKEY';
  const secretKey = options.secretKey ?? 'fake-secret';
  const listeners = new Set<WebSocket>();
  const emit = (update: TradeUpdateData) => {
    // The paper endpoint sends JSON in binary frames.
    const frame = Buffer.from(JSON.stringify({ stream: 'trade_updates', data: update }));
    for (const socket of listeners) socket.send(frame);
  };
  const book = new FakeBook(emit);
  const rules: FaultRule[] = [];
  const bars = new Map<string, FakeBar[]>();
  let news: FakeNewsItem[] = [];
  const newsStream = fakeNewsStream(keyId, secretKey);
  const requests: AlpacaFakeControl['requests'] = [];
  const sockets = new Set<Socket>();

  const control: AlpacaFakeControl = {
    book,
    requests,
    streamDown: false,
    accountFlags: {
      trading_blocked: false,
      account_blocked: false,
      pattern_day_trader: false,
      daytrade_count: 0,
      shorting_enabled: true,
    },
    setAsset(symbol, flags) {
      book.assets.set(symbol, flags);
    },
    setPrice(symbol, price) {
      book.prices.set(symbol, price);
      book.match();
    },
    fault(rule) {
      rules.push({ ...rule, times: rule.times ?? 1 });
    },
    setNews(items) {
      news = [...items];
    },
    pushNews(item) {
      newsStream.push(item);
    },
    setBars(symbol, list) {
      bars.set(
        symbol,
        [...list].sort((a, b) => a.t.localeCompare(b.t)),
      );
    },
    addPosition(symbol, qty, avgPrice) {
      book.positions.set(symbol, { symbol, qty, avgPrice });
    },
    dropStreams() {
      for (const socket of listeners) socket.terminate();
      listeners.clear();
      newsStream.drop();
    },
    countRequests(method, path) {
      return requests.filter((each) => each.method === method && each.path === path).length;
    },
    state() {
      return {
        orders: book.orders.map(orderJson),
        positions: [...book.positions.values()].map((each) => ({ ...each })),
        cash: book.cash,
      };
    },
  };

  const takeFault = (method: string, path: string): FakeFault | undefined => {
    const index = rules.findIndex(
      (rule) =>
        (rule.method ?? method) === method && path.startsWith(rule.path ?? '') && (rule.times ?? 1) > 0,
    );
    if (index < 0) return undefined;
    const rule = rules[index]!;
    rule.times = (rule.times ?? 1) - 1;
    if (rule.times <= 0) rules.splice(index, 1);
    return rule.fault;
  };

  const handleControl = (method: string, path: string, body: unknown, response: ServerResponse) => {
    const input = (body ?? {}) as Record<string, unknown>;
    if (path === '/_control/state') return send(response, 200, control.state());
    if (path === '/_control/requests') return send(response, 200, requests);
    if (method !== 'POST') return send(response, 405, { message: 'POST' });
    if (path === '/_control/price') control.setPrice(String(input.symbol), Number(input.price));
    else if (path === '/_control/fault') control.fault(input as unknown as FaultRule);
    else if (path === '/_control/bars') control.setBars(String(input.symbol), input.bars as FakeBar[]);
    else if (path === '/_control/position')
      control.addPosition(String(input.symbol), Number(input.qty), Number(input.avgPrice));
    else if (path === '/_control/drop-streams') control.dropStreams();
    else if (path === '/_control/session')
      // The trading session opens (held `accepted` orders routed) or ends (day orders expire).
      input.open === true ? book.openSession() : book.endSession();
    else if (path === '/_control/stream-down') control.streamDown = Boolean(input.down);
    else return send(response, 404, { message: 'unknown control' });
    return send(response, 204);
  };

  /** Validates like Alpaca; `accept` false = the request is lost before the broker books it. */
  const submitOrder = (raw: unknown, accept: boolean): { status: number; body: unknown } => {
    const checked = validateOrder(raw, book, control.accountFlags.shorting_enabled);
    if ('status' in checked) return checked;
    if (!accept) return { status: 0, body: undefined };
    // Answered pending_new; live (`new`) and then filled shortly after, never inside the answer.
    const order = book.submit({ ...checked.request, pending: true });
    setTimeout(() => {
      book.accept(order);
      book.match();
    }, 5);
    return { status: 200, body: orderJson(order) };
  };

  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const text = await readBody(request);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = Symbol('unparsable');
    }
    if (path.startsWith('/_control/')) return handleControl(method, path, body, response);
    requests.push({ method, path, query: url.search });
    if (request.headers['apca-api-key-id'] !== keyId || request.headers['apca-api-secret-key'] !== secretKey)
      return send(response, 401, { code: 40110000, message: 'request is not authorized' });
    const fault = takeFault(method, path);
    if (fault?.kind === 'rate_limit') {
      const headers: Record<string, string> = {
        // 429 with the X-RateLimit-Limit/Remaining/Reset headers (reset in epoch seconds):
        // https://docs.alpaca.markets/docs/getting-started-with-trading-api (rate limit: 200/min).
        'X-Ratelimit-Limit': '200',
        'X-Ratelimit-Remaining': '0',
        'X-Ratelimit-Reset': String(Math.ceil(Date.now() / 1000) + (fault.resetInS ?? 1)),
      };
      if (fault.retryAfterS !== undefined) headers['Retry-After'] = String(fault.retryAfterS);
      return send(response, 429, { code: 42910000, message: 'rate limit exceeded' }, headers);
    }
    if (fault?.kind === 'status')
      return send(
        response,
        fault.status,
        fault.body ?? { code: fault.status * 100_000, message: 'scripted error' },
      );
    if (fault?.kind === 'malformed') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "7b08df51", "status": ');
      return;
    }
    if (fault?.kind === 'hang') {
      // The broker books the order, but its answer never reaches the client in time.
      if (method === 'POST' && path === '/v2/orders' && fault.accept) submitOrder(body, true);
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      response.destroy();
      return;
    }
    const clock = new Date();
    if (method === 'GET' && path === '/v2/account') {
      return send(response, 200, {
        id: 'e6fe16f3-64a4-4921-8928-cadf02f92f98',
        account_number: 'PA3FAKE00001',
        status: 'ACTIVE',
        currency: 'USD',
        cash: String(book.cash),
        equity: String(book.equity()),
        portfolio_value: String(book.equity()),
        buying_power: String(book.cash * 2),
        ...control.accountFlags,
        multiplier: '2',
      });
    }
    if (method === 'GET' && path.startsWith('/v2/assets/')) {
      // https://docs.alpaca.markets/reference/get-v2-assets-symbol_or_asset_id
      const symbol = decodeURIComponent(path.slice('/v2/assets/'.length));
      if (!book.prices.has(symbol) && !book.assets.has(symbol))
        return send(response, 404, { code: 40410000, message: 'asset not found' });
      const flags = book.assets.get(symbol) ?? { shortable: true, easy_to_borrow: true };
      return send(response, 200, {
        id: '00000000-0000-4000-8000-000000000000',
        class: 'us_equity',
        exchange: 'NASDAQ',
        symbol,
        status: 'active',
        tradable: true,
        marginable: true,
        fractionable: true,
        ...flags,
      });
    }
    if (method === 'GET' && path === '/v2/clock') {
      return send(response, 200, {
        timestamp: clock.toISOString(),
        is_open: true,
        next_open: new Date(clock.getTime() + 86_400_000).toISOString(),
        next_close: new Date(clock.getTime() + 3_600_000).toISOString(),
      });
    }
    if (method === 'GET' && path === '/v2/calendar') {
      const start = url.searchParams.get('start') ?? clock.toISOString().slice(0, 10);
      return send(response, 200, [
        { date: start, open: '09:30', close: '16:00', session_open: '0400', session_close: '2000' },
      ]);
    }
    if (path === '/v2/positions' && method === 'GET') {
      return send(
        response,
        200,
        [...book.positions.values()].map((position) => ({
          asset_id: '00000000-0000-4000-8000-000000000000',
          symbol: position.symbol,
          exchange: 'NASDAQ',
          asset_class: 'us_equity',
          avg_entry_price: String(position.avgPrice),
          qty: String(position.qty),
          qty_available: String(position.qty),
          side: position.qty >= 0 ? 'long' : 'short',
          market_value: String(position.qty * book.price(position.symbol)),
          current_price: String(book.price(position.symbol)),
        })),
      );
    }
    if (path === '/v2/positions' && method === 'DELETE') return send(response, 207, book.closeAll());
    if (method === 'POST' && path === '/v2/orders') {
      if (typeof body === 'symbol')
        return send(response, 400, { code: 40010000, message: 'request body format is invalid' });
      const answer = submitOrder(body, true);
      return send(response, answer.status, answer.body);
    }
    if (method === 'GET' && path === '/v2/orders:by_client_order_id') {
      const id = url.searchParams.get('client_order_id') ?? '';
      const order = book.byClientId(id);
      // Strict: this call has no `nested` parameter, so legs are never rolled up here
      // (https://docs.alpaca.markets/us/reference/getorderbyclientorderid); only the calls
      // documented with nested=true nest them (Get Order by ID, List Orders).
      return order
        ? send(response, 200, { ...orderJson(order), legs: null })
        : send(response, 404, { code: 40410000, message: `order not found for ${id}` });
    }
    if (method === 'GET' && path === '/v2/orders') {
      const status = url.searchParams.get('status') ?? 'open';
      const nested = url.searchParams.get('nested') === 'true';
      const after = url.searchParams.get('after');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 50) || 50, 500);
      const open = (order: { status: string }) =>
        !['filled', 'canceled', 'expired', 'rejected', 'replaced'].includes(order.status);
      let list = nested ? book.topLevel() : [...book.orders];
      list = list.filter((order) =>
        status === 'all' ? true : status === 'open' ? open(order) : !open(order),
      );
      // `after` is exclusive of the timestamp (https://docs.alpaca.markets/reference/getallorders):
      // a client paging from its last order's time skips the others submitted in that instant.
      if (after) list = list.filter((order) => Date.parse(order.submitted_at) > Date.parse(after));
      list.sort((a, b) => a.submitted_at.localeCompare(b.submitted_at));
      if (url.searchParams.get('direction') !== 'asc') list.reverse();
      return send(
        response,
        200,
        list
          .slice(0, limit)
          .map((order) => (nested ? orderJson(order) : { ...orderJson(order), legs: null })),
      );
    }
    const orderMatch = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (orderMatch) {
      const order = book.byId(decodeURIComponent(orderMatch[1]!));
      if (!order) return send(response, 404, { code: 40410000, message: 'order not found' });
      // Legs rolled up only with nested=true (https://docs.alpaca.markets/us/reference/getorderbyorderid-1).
      if (method === 'GET')
        return send(
          response,
          200,
          url.searchParams.get('nested') === 'true' ? orderJson(order) : { ...orderJson(order), legs: null },
        );
      if (method === 'PATCH') {
        const checked = validateReplace(typeof body === 'symbol' ? undefined : body, order);
        if ('status' in checked) return send(response, checked.status, checked.body);
        const clientOrderId = checked.changes.client_order_id;
        if (clientOrderId && book.byClientId(clientOrderId))
          return send(response, 422, { code: 40010001, message: 'client_order_id must be unique' });
        return send(response, 200, orderJson(book.requestReplace(order, checked.changes)));
      }
      if (method === 'DELETE') {
        return book.requestCancel(order)
          ? send(response, 204)
          : send(response, 422, { code: 42210000, message: 'order is not cancelable' });
      }
    }
    if (method === 'GET' && path === '/v1beta1/news') {
      const answer = newsPage(url, news);
      return send(response, answer.status, answer.body);
    }
    if (method === 'GET' && path === '/v2/stocks/bars') {
      const answer = barsPage(url, bars);
      return send(response, answer.status, answer.body);
    }
    if (method === 'GET' && path === '/v2/stocks/bars/latest') {
      const latest: Record<string, FakeBar> = {};
      for (const symbol of (url.searchParams.get('symbols') ?? '').split(',').filter(Boolean)) {
        const list = bars.get(symbol);
        if (list && list.length > 0)
          latest[symbol] = { n: 1, vw: list[list.length - 1]!.c, ...list[list.length - 1]! };
      }
      return send(response, 200, { bars: latest });
    }
    return send(response, 404, { code: 40410000, message: 'endpoint not found' });
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) =>
      send(response, 500, { code: 50010000, message: String(error) }),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://fake').pathname === '/v1beta1/news' && !control.streamDown)
      return newsStream.handle(request, socket, head);
    if (new URL(request.url ?? '/', 'http://fake').pathname !== '/stream' || control.streamDown) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      let authorized = false;
      const reply = (message: unknown) => ws.send(Buffer.from(JSON.stringify(message)));
      ws.on('message', (raw) => {
        let message: { action?: string; data?: { key_id?: string; secret_key?: string; streams?: string[] } };
        try {
          message = JSON.parse(raw.toString());
        } catch {
          return;
        }
        if (message.action === 'authenticate') {
          authorized = message.data?.key_id === keyId && message.data?.secret_key === secretKey;
          reply({
            stream: 'authorization',
            data: { status: authorized ? 'authorized' : 'unauthorized', action: 'authenticate' },
          });
          if (!authorized) ws.close();
          return;
        }
        if (message.action === 'listen') {
          if (!authorized)
            return reply({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
          const streams = (message.data?.streams ?? []).filter((name) => name === 'trade_updates');
          if (streams.length > 0) listeners.add(ws);
          else listeners.delete(ws);
          reply({ stream: 'listening', data: { streams } });
        }
      });
      ws.on('close', () => listeners.delete(ws));
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    baseUrl: `http://${host}:${port}`,
    streamUrl: `ws://${host}:${port}/stream`,
    keyId,
    secretKey,
    control,
    async close() {
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      newsStream.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Standalone: npx tsx test/fakes/alpaca/server.ts --port 8790 [--key-id K --secret-key S]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argument = (name: string) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  const fake = await startAlpacaFake({
    port: Number(argument('--port') ?? 0),
    keyId: argument('--key-id'),
    secretKey: argument('--secret-key'),
  });
  process.stdout.write(`alpaca fake listening ${fake.baseUrl} stream ${fake.streamUrl}\n`);
  const stop = () => {
    fake.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
