import WebSocket from 'ws';
import type { Logger } from '../../../logging/index.ts';
import type { AlpacaCredentials } from './http.ts';
import { type AlpacaTradeUpdate, streamMessageSchema, tradeUpdateSchema } from './schemas.ts';

export interface TradeStreamOptions {
  url: string;
  credentials: AlpacaCredentials;
  logger: Logger;
  onUpdate: (update: AlpacaTradeUpdate) => Promise<void> | void;
  /** Called each time the stream is listening again (the caller catches up on what it missed). */
  onListening?: () => void;
  /** Called when the connection drops (the caller falls back to polling). */
  onDisconnected?: () => void;
  reconnectMs?: number;
}

/**
 * Alpaca's trade_updates WebSocket: authenticate, listen, then one message per order event.
 * The paper endpoint sends JSON in binary frames; both frame kinds are decoded. It reconnects
 * after a drop; events missed while down are recovered by the caller's polling/reconciliation.
 */
export class AlpacaTradeStream {
  private socket: WebSocket | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  listening = false;

  constructor(private readonly options: TradeStreamOptions) {}

  /** Resolves once the first connection listens; rejects when the keys are refused. */
  start(): Promise<void> {
    this.stopped = false;
    return this.connect();
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.options.url);
      this.socket = socket;
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve();
      };
      socket.on('open', () => {
        socket.send(
          JSON.stringify({
            action: 'authenticate',
            data: {
              key_id: this.options.credentials.keyId.reveal(),
              secret_key: this.options.credentials.secretKey.reveal(),
            },
          }),
        );
      });
      socket.on('message', (raw: WebSocket.RawData) => {
        const text = Array.isArray(raw)
          ? Buffer.concat(raw).toString('utf8')
          : Buffer.from(raw as ArrayBuffer).toString('utf8');
        let parsed: ReturnType<typeof streamMessageSchema.safeParse>;
        try {
          parsed = streamMessageSchema.safeParse(JSON.parse(text));
        } catch {
          this.options.logger.warn('trade stream: a message that is not JSON was ignored');
          return;
        }
        if (!parsed.success) return;
        const { stream, data } = parsed.data;
        const status = (data as { status?: string } | null)?.status;
        if (stream === 'authorization') {
          if (status === 'authorized')
            socket.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
          else {
            this.stopped = true;
            socket.close();
            settle(new Error('the trade stream refused the API keys'));
          }
          return;
        }
        if (stream === 'listening') {
          this.listening = true;
          settle();
          this.options.onListening?.();
          return;
        }
        if (stream !== 'trade_updates') return;
        const update = tradeUpdateSchema.safeParse(data);
        if (!update.success) {
          this.options.logger.warn(
            { issues: update.error.issues.slice(0, 3) },
            'trade stream: malformed update ignored',
          );
          return;
        }
        // One at a time, in arrival order: the ledger sees events as the broker sent them.
        this.chain = this.chain
          .then(() => this.options.onUpdate(update.data))
          .catch((error: unknown) => this.options.logger.error({ err: error }, 'trade update not recorded'));
      });
      socket.on('error', (error) => {
        this.options.logger.warn({ err: error.message }, 'trade stream error');
        settle(error);
      });
      socket.on('close', () => {
        const was = this.listening;
        this.listening = false;
        if (was) this.options.onDisconnected?.();
        settle(new Error('the trade stream closed before listening'));
        if (!this.stopped) {
          this.reconnectTimer = setTimeout(() => {
            this.connect().catch(() => {});
          }, this.options.reconnectMs ?? 1_000);
        }
      });
    });
  }

  /** Waits for the updates received so far to be handled. */
  drain(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
        setTimeout(resolve, 1_000).unref();
      });
    }
    await this.chain;
  }
}
