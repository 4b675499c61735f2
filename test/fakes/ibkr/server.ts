import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Book, type BookEvents, type BookOrder, type RejectHook } from './book.ts';
import { type FakeBarInput, type HistoricalRequest, Pacing, selectBars, toWireBar } from './history.ts';
import { Ledger, twsZonedTime } from './ledger.ts';
import * as M from './messages.ts';
import { MAX_FAKE_SERVER_VERSION, MIN_FAKE_SERVER_VERSION, REQUEST_NAMES } from './protocol.ts';
import { type Handlers, handleRequest } from './requests.ts';
import { Session } from './session.ts';

/**
 * A strict fake TWS / IB Gateway on a local TCP port, speaking the TWS API socket protocol so an
 * unchanged @stoqey/ib (or IB's own EClient) talks to it. See README.md in this folder.
 */
export interface FakeContract {
  symbol: string;
  minTick: number;
  conId: number;
  exchange?: string;
  currency?: string;
}

export interface FakeTwsOptions {
  serverVersion?: number;
  accounts?: string[];
  contracts?: FakeContract[];
  bars?: Record<string, FakeBarInput[]>;
  rejectOrders?: RejectHook;
  /** Starting cash of each account (USD, default 100 000). */
  cash?: number;
  /** The fake's clock (pacing windows, currentTime, execution times); default Date.now. */
  now?: () => number;
  /** Apply the historical pacing rules to bars of 30 secs or less only, as the doc scopes them (default false). */
  pacingSmallBarsOnly?: boolean;
  /** Requests per second a client may send before error 100 (default 50, IB's limit; 0 turns it off). Wall clock. */
  maxMessagesPerSecond?: number;
}

export interface FakeOrder {
  id: number;
  clientId: number;
  permId: number;
  orderRef: string;
  parentId: number;
  symbol: string;
  action: string;
  qty: number;
  type: string;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: string;
  ocaGroup: string;
  account: string;
  status: string;
  transmit: boolean;
  transmitted: boolean;
  filled: number;
  avgFillPrice: number;
}

export interface FakeTws {
  port: number;
  host: string;
  close(): Promise<void>;
  orders(): FakeOrder[];
  fill(orderId: number, price: number, qty?: number): void;
  setLastPrice(symbol: string, price: number): void;
  loseConnectivity(): void;
  /** 1102 (data maintained), or 1101 with `dataLost` (keepUpToDate subscriptions are dropped). */
  restoreConnectivity(options?: { dataLost?: boolean }): void;
  dropClients(): void;
  requests(): Array<{ clientId: number; messageId: number; name: string }>;
  positions(): Array<{ account: string; symbol: string; qty: number; avgCost: number }>;
  /** Appends a bar and sends it to keepUpToDate subscribers as historicalDataUpdate (90). */
  addBar(symbol: string, bar: FakeBarInput): void;
  /** Client ids with a live API connection. */
  clients(): number[];
  /** Sends an error/notice to every connected client (e.g. 2110), for scenarios the controls do not cover. */
  notify(code: number, message: string, id?: number): void;
}

/** Data-farm notices TWS sends with id -1 right after the handshake (message_codes.html 2104/2106/2158). */
const FARM_NOTICES: Array<[number, string]> = [
  [2104, 'Market data farm connection is OK:usfarm'],
  [2106, 'HMDS data farm connection is OK:ushmds'],
  [2158, 'Sec-def data farm connection is OK:secdefnj'],
];

export async function startFakeTws(options: FakeTwsOptions = {}): Promise<FakeTws> {
  const serverVersion = options.serverVersion ?? MAX_FAKE_SERVER_VERSION;
  if (serverVersion < MIN_FAKE_SERVER_VERSION || serverVersion > MAX_FAKE_SERVER_VERSION)
    throw new Error(
      `startFakeTws: serverVersion ${serverVersion} is outside ${MIN_FAKE_SERVER_VERSION}..${MAX_FAKE_SERVER_VERSION}; pick one in that range`,
    );
  const now = options.now ?? Date.now;
  const maxRate = options.maxMessagesPerSecond ?? 50;
  const accounts = options.accounts ?? ['DU1234567'];
  const contracts = new Map<string, M.ContractInfo>();
  for (const c of options.contracts ?? [{ symbol: 'AAPL', minTick: 0.01, conId: 265598 }]) {
    contracts.set(c.symbol, {
      conId: c.conId,
      symbol: c.symbol,
      secType: 'STK',
      exchange: c.exchange ?? 'SMART',
      primaryExch: 'NASDAQ',
      currency: c.currency ?? 'USD',
      minTick: c.minTick,
    });
  }
  const bars = new Map<string, FakeBarInput[]>(
    Object.entries(options.bars ?? {}).map(([k, v]) => [k, [...v]]),
  );
  const sessions = new Set<Session>();
  const sockets = new Set<Socket>();
  const requestLog: Array<{ clientId: number; messageId: number; name: string }> = [];
  const subscriptions: Array<{ session: Session; req: HistoricalRequest; symbol: string }> = [];
  let lost = false;
  const deferred: Array<() => void> = [];

  const byClient = (clientId: number) => [...sessions].find((s) => s.ready && s.clientId === clientId);

  const sendOrder = (s: Session, o: BookOrder) => {
    s.send(M.openOrder(s.version, o));
    s.send(M.orderStatus(o, o.filled, o.totalQuantity - o.filled, o.avgFillPrice, o.lastFillPrice));
  };

  /**
   * While connectivity is lost (1100), "execution reports and simulated orders will be delayed
   * until the reset is complete" (https://interactivebrokers.github.io/tws-api/message_codes.html,
   * System Message Codes): order events queue and go out after 1102.
   */
  const report = (fn: () => void) => (lost ? deferred.push(fn) : fn());

  // Orders are snapshotted when the event happens: a report held back by lost connectivity must
  // still carry the state of its moment (PendingCancel, then Cancelled).
  const events: BookEvents = {
    orderChanged: (live) => {
      const o = { ...live };
      report(() => {
        const s = byClient(o.clientId);
        if (s) sendOrder(s, o);
      });
    },
    executed: (live, e) => {
      const o = { ...live };
      const rows = ledger
        .positions()
        .filter((p) => p.account === e.account && p.contract.conId === e.contract.conId)
        .map((p) => ({ ...p }));
      report(() => {
        const s = byClient(o.clientId);
        if (s) {
          s.send(M.execDetails(s.version, -1, e));
          sendOrder(s, o);
          s.send(M.commissionReport(e));
        }
        for (const sub of sessions) {
          if (!sub.ready || !sub.positionsSubscribed) continue;
          for (const p of rows) sub.send(M.position(p.account, p.contract, p.qty, p.avgCost));
        }
      });
    },
    error: (clientId, id, code, message) => report(() => byClient(clientId)?.error(id, code, message)),
  };

  const ledger = new Ledger(accounts, options.cash ?? 100_000, now);
  const book = new Book(contracts, ledger, events, options.rejectOrders, accounts);
  const pacing = new Pacing(now, options.pacingSmallBarsOnly ?? false);

  const handlers: Handlers = {
    book,
    ledger,
    pacing,
    accounts,
    now,
    deferOrderAction: (action) => {
      if (!lost) return false;
      deferred.push(action);
      return true;
    },
    historical: (s, req) => {
      const chosen = selectBars(bars.get(req.contract.symbol) ?? [], req, now());
      s.send(M.historicalData(req.reqId, chosen.start, chosen.end, chosen.bars));
      if (req.keepUpToDate) subscriptions.push({ session: s, req, symbol: req.contract.symbol });
    },
    cancelHistorical: (s, reqId) => {
      const i = subscriptions.findIndex((x) => x.session === s && x.req.reqId === reqId);
      if (i >= 0) subscriptions.splice(i, 1);
    },
    sendOrder,
  };

  const host = {
    serverVersion,
    connectionTime: () => twsZonedTime(now()),
    onStart: (s: Session) => {
      if (byClient(s.clientId)) {
        // MC 326 "Unable to connect as the client id is already in use. Retry with a unique client id."
        s.error(
          -1,
          326,
          'Unable to connect as the client id is already in use. Retry with a unique client id.',
        );
        return false;
      }
      sessions.add(s);
      // After START_API TWS sends managedAccounts and nextValidId (connection.html), then the farm notices.
      s.send(M.managedAccounts(accounts));
      s.send(M.nextValidId(book.nextValidId()));
      if (lost) s.error(-1, 1100, 'Connectivity between IB and Trader Workstation has been lost.');
      else for (const [code, text] of FARM_NOTICES) s.error(-1, code, text);
      return true;
    },
    onRequest: (s: Session, messageId: number, reader: Parameters<typeof handleRequest>[3]) => {
      // MC 100 "Max rate of messages per second has been exceeded.": 50 messages a second
      // (message_codes.html); the fake drops the request that exceeds it.
      if (maxRate > 0) {
        const t = Date.now();
        s.sentAt.push(t);
        while (s.sentAt.length > 0 && t - s.sentAt[0]! >= 1000) s.sentAt.shift();
        if (s.sentAt.length > maxRate) {
          s.error(-1, 100, 'Max rate of messages per second has been exceeded.');
          return;
        }
      }
      requestLog.push({
        clientId: s.clientId,
        messageId,
        name: REQUEST_NAMES[messageId] ?? `UNKNOWN_${messageId}`,
      });
      handleRequest(handlers, s, messageId, reader);
    },
    onClose: (s: Session) => {
      sessions.delete(s);
      for (let i = subscriptions.length - 1; i >= 0; i--)
        if (subscriptions[i]!.session === s) subscriptions.splice(i, 1);
    },
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Session(socket, host);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  const broadcast = (code: number, message: string, id = -1) => {
    for (const s of sessions) if (s.ready) s.error(id, code, message);
  };

  return {
    port: address.port,
    host: '127.0.0.1',
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    orders: () =>
      [...book.orders.values()].map((o) => ({
        id: o.orderId,
        clientId: o.clientId,
        permId: o.permId,
        orderRef: o.orderRef,
        parentId: o.parentId,
        symbol: o.contract.symbol,
        action: o.action,
        qty: o.totalQuantity,
        type: o.orderType,
        lmtPrice: o.lmtPrice,
        auxPrice: o.auxPrice,
        tif: o.tif,
        ocaGroup: o.ocaGroup,
        account: o.account,
        status: o.status,
        transmit: o.transmit,
        transmitted: o.transmitted,
        filled: o.filled,
        avgFillPrice: o.avgFillPrice,
      })),
    fill: (orderId, price, qty) => book.fill(orderId, price, qty),
    setLastPrice: (symbol, price) => {
      if (!contracts.has(symbol))
        throw new Error(`setLastPrice: unknown symbol ${symbol}; add it to options.contracts`);
      book.sweep(symbol, price);
    },
    loseConnectivity: () => {
      if (lost) return;
      lost = true;
      // MC 1100 "Connectivity between IB and Trader Workstation has been lost."
      broadcast(1100, 'Connectivity between IB and Trader Workstation has been lost.');
    },
    restoreConnectivity: (opts) => {
      if (!lost) return;
      lost = false;
      if (opts?.dataLost) {
        // MC 1101 "Connectivity between IB and TWS has been restored- data lost.": market data
        // subscriptions are gone and must be made again (message_codes.html, System Message Codes).
        subscriptions.splice(0);
        broadcast(1101, 'Connectivity between IB and Trader Workstation has been restored - data lost.');
      } else {
        // MC 1102 "Connectivity between IB and TWS has been restored- data maintained."
        broadcast(
          1102,
          'Connectivity between IB and Trader Workstation has been restored - data maintained. All data farms are connected: usfarm; ushmds; secdefnj.',
        );
      }
      for (const fn of deferred.splice(0)) fn();
    },
    dropClients: () => {
      for (const s of [...sessions]) s.close();
      for (const socket of sockets) socket.destroy();
    },
    requests: () => [...requestLog],
    positions: () =>
      ledger
        .positions()
        .map((p) => ({ account: p.account, symbol: p.contract.symbol, qty: p.qty, avgCost: p.avgCost })),
    addBar: (symbol, bar) => {
      if (!contracts.has(symbol))
        throw new Error(`addBar: unknown symbol ${symbol}; add it to options.contracts`);
      const list = bars.get(symbol) ?? [];
      list.push(bar);
      bars.set(symbol, list);
      for (const sub of subscriptions)
        if (sub.symbol === symbol)
          sub.session.send(M.historicalDataUpdate(sub.req.reqId, toWireBar(bar, sub.req)));
    },
    clients: () => [...sessions].filter((s) => s.ready).map((s) => s.clientId),
    notify: (code, message, id) => broadcast(code, message, id),
  };
}
