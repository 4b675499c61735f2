import { type BusSection, busSectionSchema } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable, SqlWrite, Store, TransactionOptions } from '../store/index.ts';
import { PublishBatcher, type SentMessage } from './batcher.ts';
import { Consumer, type ConsumerOptions, type ConsumerStats, type MessageHandler } from './consumer.ts';
import type { BusMessage, BusPosition, MessageInput } from './envelope.ts';
import { BusListener } from './listener.ts';
import { Notifier } from './notifier.ts';
import {
  type MessageRow,
  type PublishOptions,
  publishManyWith,
  publishValidWith,
  publishValidWithWrites,
  rowToMessage,
  validateMessage,
} from './publish.ts';
import { busSql, topicFilter } from './sql.ts';
import { type TopicCatalog, topicCatalog, withLegacyNames } from './topics.ts';

/** How Bus.publishWithWrites commits: `waitForDisk` (store TransactionOptions) and an SQL `guard`. */
export interface PublishWithWritesOptions extends TransactionOptions {
  /** Evaluated in the statement; refuses all of it by raising (busSql.publishOneWithWrites). */
  guard?: string;
}

export interface ReplayFilter {
  from?: Date;
  to?: Date;
  /** Exact topics or `prefix.*` patterns. */
  topics?: string[];
  cycleId?: string;
  /** Stop after this many messages. */
  limit?: number;
}

export interface ParkedMessage {
  consumer: string;
  messageId: number;
  topic: string;
  attempts: number;
  error: string;
  parkedAt: Date;
}

export interface Subscription {
  readonly consumer: string;
  stats(): ConsumerStats;
  stop(): Promise<void>;
}

export interface BusOptions {
  store: Store;
  logger: Logger;
  settings?: Partial<BusSection>;
  /** Topics publish accepts; Signet's catalog unless a test of the bus itself adds made-up ones. */
  catalog?: TopicCatalog;
}

/**
 * The durable message bus on Postgres. Publish is an insert plus a notification in one
 * transaction; consumers are woken by LISTEN/NOTIFY and poll as a safety net.
 */
export class Bus {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #settings: BusSection;
  readonly #consumers = new Map<string, Consumer>();
  readonly #notifier: Notifier;
  readonly #batcher: PublishBatcher;
  readonly #catalog: TopicCatalog;
  #listener: BusListener | undefined;
  #stopped = false;

  constructor(options: BusOptions) {
    this.#store = options.store;
    this.#logger = options.logger.child({ module: 'bus' });
    this.#settings = busSectionSchema.parse(options.settings ?? {});
    this.#catalog = options.catalog ?? topicCatalog;
    this.#notifier = new Notifier(this.#store, this.#logger);
    this.#batcher = new PublishBatcher(
      this.#store,
      (messages) => {
        for (const message of messages) {
          this.#notifier.notify(message.topic);
          // Consumers in this process need not wait for the notification's round trip.
          this.#wakeMatching(message.topic);
        }
      },
      this.#catalog,
    );
  }

  /**
   * Publishes one message and resolves once it is committed; pass `{ tx }` to make it part of the
   * caller's transaction.
   */
  async publish(input: MessageInput, options: PublishOptions = {}): Promise<BusMessage> {
    if (options.tx) return this.#publishInTransaction(options.tx, input);
    return this.#batcher.publish(input);
  }

  /**
   * A message in the caller's transaction takes the next drawn id, as a send would: numbered in
   * the order given, with no new draw after it (an order's intent and its submission each took
   * one from the sequence, and each made the next candidate's first send wait for a draw). A
   * rolled-back transaction leaves its id unused, as the sequence would. With no id drawn, it
   * takes one from the sequence and later sends draw again.
   */
  async #publishInTransaction(tx: Queryable, input: MessageInput): Promise<BusMessage> {
    const message = validateMessage(input, this.#catalog);
    const id = this.#batcher.takeId();
    if (id !== undefined) return publishValidWith(tx, message, id);
    return this.#renumbering(publishValidWith(tx, message));
  }

  /**
   * Publishes one message with the writes that must commit with it (an order intent and its
   * rows), in one statement, and resolves once it is committed. `writes` gets the message's id,
   * the next in send order (drawn ahead), so a row can name it. One statement is its own
   * transaction: all of it commits, or none, and listeners hear of it on the commit;
   * `waitForDisk` false: that commit does not wait for the disk (a backtest's orders); `guard`:
   * an SQL expression evaluated in the statement that refuses all of it by raising (the halt
   * ladder's at an order's submission), its error thrown here.
   */
  async publishWithWrites(
    input: MessageInput,
    writes: (messageId: number) => readonly SqlWrite[],
    options: PublishWithWritesOptions = {},
  ): Promise<BusMessage> {
    const message = validateMessage(input, this.#catalog);
    const id = await this.#batcher.idFor(message);
    return publishValidWithWrites(
      this.#store,
      message,
      id,
      writes(id),
      options.waitForDisk ?? true,
      options.guard,
    );
  }

  /**
   * Publishes one message on its own and resolves with its id as soon as it has one (drawn
   * ahead), before the commit: a decision names it as the cause of its next message at once and
   * awaits `written` before anything leaves (see PublishBatcher).
   */
  async send(input: MessageInput): Promise<SentMessage> {
    return this.#batcher.send(input);
  }

  publishMany(inputs: readonly MessageInput[], options: PublishOptions = {}): Promise<BusMessage[]> {
    return this.#renumbering(publishManyWith(options.tx ?? this.#store, inputs, this.#catalog));
  }

  /** A write that took its ids from the sequence: later sends are numbered above it. */
  async #renumbering<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.#batcher.renumber();
    }
  }

  /**
   * Starts a durable consumer. `consumer` names its stored offset: a restarted consumer with the
   * same name resumes where it stopped; another name reads every message on its own.
   */
  async subscribe(
    consumer: string,
    topics: string[],
    handler: MessageHandler,
    options: ConsumerOptions = {},
  ): Promise<Subscription> {
    if (this.#stopped) throw new Error('the bus is stopped');
    if (this.#consumers.has(consumer))
      throw new Error(`consumer "${consumer}" is already subscribed in this process`);
    const instance = new Consumer(
      consumer,
      topics,
      handler,
      this.#store,
      this.#logger,
      this.#settings,
      options,
    );
    this.#consumers.set(consumer, instance);
    await this.#ensureListener();
    await instance.start();
    return {
      consumer,
      stats: () => instance.stats(),
      stop: async () => {
        this.#consumers.delete(consumer);
        await instance.stop();
      },
    };
  }

  #wakeMatching(topic: string): void {
    for (const consumer of this.#consumers.values()) if (consumer.matches(topic)) consumer.wake();
  }

  async #ensureListener(): Promise<void> {
    if (this.#listener) return;
    this.#listener = new BusListener(this.#store, this.#logger, {
      onNotify: (topic) => this.#wakeMatching(topic),
      onReconnect: () => {
        for (const consumer of this.#consumers.values()) consumer.wake();
      },
    });
    await this.#listener.start();
  }

  /**
   * Messages of a window in delivery order, read page by page, as stored. A topic filter also
   * matches the legacy names of the catalog topics it names (old databases keep their history).
   */
  async *replay(filter: ReplayFilter = {}, queryable: Queryable = this.#store): AsyncGenerator<BusMessage> {
    const topics =
      filter.topics && filter.topics.length > 0 ? topicFilter(withLegacyNames(filter.topics)) : undefined;
    let after = { txId: '0', id: 0 };
    let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const page = Math.min(1_000, remaining);
      const result = await queryable.query<MessageRow>(busSql.replay(), [
        filter.from ?? null,
        filter.to ?? null,
        topics && !topics.all ? topics.exact : null,
        topics ? topics.patterns : [],
        filter.cycleId ?? null,
        after.txId,
        after.id,
        page,
      ]);
      for (const row of result.rows) yield rowToMessage(row);
      const last = result.rows.at(-1);
      if (!last || result.rows.length < page) return;
      after = { txId: last.tx_id, id: Number(last.id) };
      remaining -= result.rows.length;
    }
  }

  async replayAll(filter: ReplayFilter = {}): Promise<BusMessage[]> {
    const messages: BusMessage[] = [];
    for await (const message of this.replay(filter)) messages.push(message);
    return messages;
  }

  /**
   * The newest `count` committed messages, oldest first, for a listing. Unlike `latest` it does
   * not stop at the horizon: a transaction open elsewhere in the cluster does not hide them.
   */
  async newest(count: number): Promise<BusMessage[]> {
    const result = await this.#store.query<MessageRow>(busSql.newest(), [count]);
    return result.rows.map(rowToMessage).reverse();
  }

  /** The newest `count` messages, oldest first, and the position after them (for tails). */
  async latest(count: number): Promise<{ messages: BusMessage[]; position: BusPosition }> {
    const result = await this.#store.query<MessageRow & { horizon: string }>(busSql.latest(), [count]);
    const messages = result.rows
      .filter((row) => row.id !== null)
      .map(rowToMessage)
      .reverse();
    const last = messages.at(-1);
    const horizon = result.rows[0]?.horizon ?? '0';
    const position = last ? { txId: last.txId, id: last.id } : { txId: horizon, id: 0 };
    return { messages, position };
  }

  async parked(): Promise<ParkedMessage[]> {
    const result = await this.#store.query<{
      consumer: string;
      message_id: number;
      topic: string;
      attempts: number;
      error: string;
      parked_at: Date;
    }>(busSql.listParked());
    return result.rows.map((row) => ({
      consumer: row.consumer,
      messageId: Number(row.message_id),
      topic: row.topic,
      attempts: row.attempts,
      error: row.error,
      parkedAt: row.parked_at,
    }));
  }

  consumers(): ConsumerStats[] {
    return [...this.#consumers.values()].map((consumer) => consumer.stats());
  }

  /** Stops every consumer and the listener. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.#consumers.values()].map((consumer) => consumer.stop()));
    this.#consumers.clear();
    await this.#listener?.stop();
    await this.#notifier.flush();
  }
}
