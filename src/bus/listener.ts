import type pg from 'pg';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { busChannel } from './sql.ts';

/**
 * One LISTEN connection per process, shared by its consumers. When it drops it reconnects with
 * backoff and wakes every consumer, since notifications sent while it was down are gone for good;
 * the consumers' periodic poll covers the gap until then.
 */
export class BusListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #connecting: Promise<void> | undefined;
  #backoffMs = 50;
  #reconnectTimer: NodeJS.Timeout | undefined;
  readonly #onNotify: (topic: string) => void;
  readonly #onReconnect: () => void;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    handlers: { onNotify: (topic: string) => void; onReconnect: () => void },
  ) {
    this.#onNotify = handlers.onNotify;
    this.#onReconnect = handlers.onReconnect;
  }

  get client(): pg.Client | undefined {
    return this.#client;
  }

  start(): Promise<void> {
    if (!this.#connecting) this.#connecting = this.#connect();
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    while (!this.#stopped) {
      try {
        const client = await this.store.connectClient();
        client.on('notification', (message) => {
          if (message.channel === busChannel) this.#onNotify(message.payload ?? '');
        });
        client.on('error', (error) => this.#lost(client, error));
        client.on('end', () => this.#lost(client, new Error('listener connection ended')));
        await client.query("SET application_name = 'signet-bus-listener'");
        await client.query(`LISTEN ${busChannel}`);
        if (this.#stopped) {
          await client.end().catch(() => {});
          return;
        }
        this.#client = client;
        this.#backoffMs = 50;
        this.#onReconnect();
        return;
      } catch (error) {
        this.logger.warn(
          { err: (error as Error).message, retryInMs: this.#backoffMs },
          'bus listener cannot connect',
        );
        await new Promise((resolve) => {
          this.#reconnectTimer = setTimeout(resolve, this.#backoffMs);
        });
        this.#backoffMs = Math.min(this.#backoffMs * 2, 5_000);
      }
    }
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    if (this.#stopped) return;
    this.logger.warn({ err: error.message }, 'bus listener connection lost; reconnecting');
    this.#connecting = this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }
}
