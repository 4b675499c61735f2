import { EventEmitter } from 'node:events';
import { EventName, IBApi } from '@stoqey/ib';
import type { Logger } from '../../../logging/index.ts';
import { IbNotConnectedError, IbRequestError, IbTimeoutError, ibCodes, isWarning } from './errors.ts';

/** The part of IBApi's emitter we use, with listeners that take what the decoder gives. */
interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

export interface IbConnectionOptions {
  host: string;
  port: number;
  clientId: number;
  logger: Logger;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** Reconnect with backoff after the socket drops (default true). */
  reconnect?: boolean;
}

/** An error or notice of the TWS: `reqId` is the request's or order's id, -1 for none. */
export interface IbMessage {
  code: number;
  reqId: number;
  message: string;
}

export interface IbHandshake {
  serverVersion: number;
  accounts: string[];
  nextValidId: number;
}

interface Pending {
  what: string;
  fail(error: Error): void;
}

/**
 * One API client's socket to TWS / IB Gateway, through `@stoqey/ib`. It waits for the handshake
 * (the TWS sends nextValidId and managedAccounts once it accepts a client,
 * https://interactivebrokers.github.io/tws-api/connection.html), reconnects with backoff when the
 * socket drops, and tracks IB's own connectivity: 1100 makes it unusable (nothing new is sent)
 * until 1101/1102. Events: `ready` (handshake, after each reconnect too), `down`, `lost` (1100),
 * `restored` (1101/1102), `message` (every error or notice), and each TWS event by its name.
 */
export class IbConnection extends EventEmitter {
  readonly options: IbConnectionOptions;
  #api: IBApi | undefined;
  #socketUp = false;
  #lost: string | null = null;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #backoff: number;
  // Request ids far above order ids: the TWS reports an order's errors under its order id, and
  // both share the error callback's id field.
  #nextReqId = 900_000_000;
  readonly #pending = new Map<number, Pending>();
  handshake: IbHandshake | undefined;
  /** Connections made (1 after start, more after reconnects): for tests and logs. */
  connects = 0;

  constructor(options: IbConnectionOptions) {
    super();
    this.options = options;
    this.#backoff = options.reconnectInitialMs;
    // An `error` event with no listener would throw out of the emitter.
    this.on('error', () => {});
    // The book, the sync and each pending request listen to the same events.
    this.setMaxListeners(200);
  }

  /** Connects and waits for the handshake; throws when the Gateway cannot be reached. */
  async start(): Promise<IbHandshake> {
    this.#stopped = false;
    return this.#connect();
  }

  get api(): IBApi {
    if (!this.#api) throw new IbNotConnectedError('not connected yet');
    return this.#api;
  }

  /** Why nothing may be sent now, or null when the connection is usable. */
  unusableReason(): string | null {
    if (!this.#socketUp || !this.handshake) return 'the API socket to the Gateway is down';
    if (this.#lost) return this.#lost;
    return null;
  }

  /** Throws (fail closed) when the socket is down or IB's servers are lost (1100). */
  assertUsable(): void {
    const reason = this.unusableReason();
    if (reason) throw new IbNotConnectedError(reason);
  }

  nextRequestId(): number {
    this.#nextReqId += 1;
    return this.#nextReqId;
  }

  /**
   * Runs one request: `start` sends it and registers its listeners through `on` (removed when it
   * settles); an error with its reqId fails it; no answer in `requestTimeoutMs` fails it too.
   */
  request<T>(
    what: string,
    start: (
      reqId: number,
      on: (event: string, listener: (...args: unknown[]) => void) => void,
      done: (value: T) => void,
    ) => void,
    options: { timeoutMs?: number; reqId?: number } = {},
  ): Promise<T> {
    this.assertUsable();
    const reqId = options.reqId ?? this.nextRequestId();
    const listeners: [string, (...args: unknown[]) => void][] = [];
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
      const cleanup = () => {
        clearTimeout(timer);
        this.#pending.delete(reqId);
        for (const [event, listener] of listeners) this.off(event, listener);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new IbTimeoutError(what, timeoutMs));
      }, timeoutMs);
      this.#pending.set(reqId, {
        what,
        fail: (error) => {
          cleanup();
          reject(error);
        },
      });
      try {
        start(
          reqId,
          (event, listener) => {
            listeners.push([event, listener]);
            this.on(event, listener);
          },
          (value) => {
            cleanup();
            resolve(value);
          },
        );
      } catch (error) {
        cleanup();
        reject(error);
      }
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#failPending(new IbNotConnectedError('the connection was stopped'));
    const api = this.#api;
    this.#api = undefined;
    this.#socketUp = false;
    if (api) {
      (api as unknown as Emitter).removeAllListeners();
      api.disconnect();
    }
  }

  #connect(): Promise<IbHandshake> {
    const { host, port, clientId, logger } = this.options;
    const previous = this.#api;
    if (previous) {
      (previous as unknown as Emitter).removeAllListeners();
      previous.disconnect();
    }
    const api = new IBApi({ host, port, clientId });
    this.#api = api;
    const emitter = api as unknown as Emitter;
    this.handshake = undefined;
    return new Promise<IbHandshake>((resolve, reject) => {
      let serverVersion = 0;
      let accounts: string[] | undefined;
      let nextValidId: number | undefined;
      let settled = false;
      const timer = setTimeout(() => {
        fail(`no handshake from ${host}:${port} within ${this.options.connectTimeoutMs} ms`);
      }, this.options.connectTimeoutMs);
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        emitter.removeAllListeners();
        api.disconnect();
        reject(new IbNotConnectedError(reason));
      };
      const maybeReady = () => {
        if (settled || accounts === undefined || nextValidId === undefined) return;
        settled = true;
        clearTimeout(timer);
        this.handshake = { serverVersion, accounts, nextValidId };
        this.#socketUp = true;
        this.#lost = null;
        this.#backoff = this.options.reconnectInitialMs;
        this.connects += 1;
        logger.info({ host, port, clientId, serverVersion, accounts }, 'IB Gateway connected');
        resolve(this.handshake);
        this.emit('ready', this.handshake, this.connects > 1);
      };
      emitter.on(EventName.server, (version) => {
        serverVersion = Number(version);
      });
      emitter.on(EventName.managedAccounts, (list) => {
        accounts = String(list)
          .split(',')
          .map((each) => each.trim())
          .filter((each) => each.length > 0);
        maybeReady();
      });
      emitter.on(EventName.nextValidId, (id) => {
        nextValidId = Number(id);
        if (this.handshake) this.handshake.nextValidId = Math.max(this.handshake.nextValidId, nextValidId);
        this.emit('nextValidId', nextValidId);
        maybeReady();
      });
      emitter.on(EventName.disconnected, () => {
        if (!settled) {
          fail(
            `the Gateway at ${host}:${port} closed the connection (client id ${clientId} in use, or API not enabled?)`,
          );
          return;
        }
        this.#onDown();
      });
      const onMessage = (message: IbMessage) => {
        this.#onMessage(message);
        if (!settled && (message.code === ibCodes.clientIdInUse || message.code === ibCodes.connectFail))
          fail(`${message.message} (TWS error ${message.code})`);
      };
      emitter.on(EventName.error, (error, code, reqId) =>
        onMessage({
          code: Number(code),
          reqId: typeof reqId === 'number' ? reqId : -1,
          message: error instanceof Error ? error.message : String(error),
        }),
      );
      emitter.on(EventName.info, (message, code) =>
        onMessage({ code: Number(code), reqId: -1, message: String(message) }),
      );
      for (const event of forwarded)
        emitter.on(event, (...args: unknown[]) => {
          this.emit(event, ...args);
        });
      api.connect(clientId);
    });
  }

  #onMessage(message: IbMessage): void {
    const { logger } = this.options;
    if (message.code === ibCodes.connectivityLost) {
      this.#lost = `IB's servers are unreachable from the Gateway (TWS 1100: ${message.message})`;
      logger.error({ code: message.code, clientId: this.options.clientId }, this.#lost);
      this.emit('lost', this.#lost);
    } else if (message.code === ibCodes.restoredDataLost || message.code === ibCodes.restoredDataMaintained) {
      this.#lost = null;
      logger.warn({ code: message.code, clientId: this.options.clientId }, 'IB connectivity restored');
      this.emit('restored', message.code);
    } else if (isWarning(message.code)) {
      logger.debug({ code: message.code, reqId: message.reqId }, message.message);
    } else {
      logger.warn({ code: message.code, reqId: message.reqId }, `TWS: ${message.message}`);
    }
    this.emit('message', message);
    const pending = message.reqId >= 0 ? this.#pending.get(message.reqId) : undefined;
    if (pending && !isWarning(message.code) && message.code !== ibCodes.delayedDataNotice)
      pending.fail(new IbRequestError(pending.what, message.code, message.message));
  }

  #onDown(): void {
    if (!this.#socketUp) return;
    this.#socketUp = false;
    this.handshake = undefined;
    this.options.logger.error(
      { host: this.options.host, port: this.options.port, clientId: this.options.clientId },
      'IB Gateway connection lost: nothing is sent until it is back',
    );
    this.#failPending(new IbNotConnectedError('the API socket to the Gateway dropped'));
    this.emit('down');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.options.reconnect === false || this.#reconnectTimer) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, this.options.reconnectMaxMs);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#stopped) return;
      this.#connect().catch((error: unknown) => {
        this.options.logger.warn(
          { err: (error as Error).message, retryInMs: this.#backoff },
          'IB Gateway reconnect failed',
        );
        this.#scheduleReconnect();
      });
    }, delay);
  }

  #failPending(error: Error): void {
    for (const pending of [...this.#pending.values()]) pending.fail(error);
  }
}

/** TWS events passed through by name (the broker, the sync and the feed listen to these). */
const forwarded: string[] = [
  EventName.openOrder,
  EventName.openOrderEnd,
  EventName.orderStatus,
  EventName.execDetails,
  EventName.execDetailsEnd,
  EventName.commissionReport,
  EventName.position,
  EventName.positionEnd,
  EventName.accountSummary,
  EventName.accountSummaryEnd,
  EventName.completedOrder,
  EventName.completedOrdersEnd,
  EventName.currentTime,
  EventName.historicalData,
  EventName.historicalDataUpdate,
  EventName.marketDataType,
];
