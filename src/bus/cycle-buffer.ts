import { type Queryable, WriteChain } from '../store/index.ts';
import { IdPool } from './draw-ids.ts';
import type { BusMessage, MessageInput, ValidMessageInput } from './envelope.ts';
import { messageWith, type PublishOptions, validateMessage, validParameters } from './publish.ts';
import { busSql } from './sql.ts';
import { type TopicCatalog, topicCatalog } from './topics.ts';

export interface CycleBufferOptions {
  /** Where the rows go (the pool: each flush is its own statement and commit). */
  store: Queryable;
  /** Where a publish inside a caller's transaction goes, after the buffer is flushed. */
  publishInTransaction(input: MessageInput, options: PublishOptions): Promise<BusMessage>;
  catalog?: TopicCatalog;
  /** Ids drawn from the sequence per round trip. */
  block?: number;
}

/**
 * Publishes a backtest cycle's messages in one statement instead of one commit each. A publish is
 * validated at once (a bad envelope fails its caller, as with `Bus.publish`) and answered with an
 * id drawn ahead from the table's identity sequence, so the cycle goes on naming causes exactly
 * as live; `flush()` writes the held rows in id order, in one INSERT with its notification.
 * Delivery order (tx_id, id) is the publish order: a publish inside a caller's transaction (an
 * order intent) flushes the buffer first, so a cause is always committed before its effects.
 * The driver writes the held rows behind once enough have gathered (many quiet bars to a
 * statement) and flushes before the broker's events are written; a failed flush fails the run
 * (nothing is dropped silently). A flush's commit does not wait for
 * the disk (see busSql.publishManyWithIds): the driver's next synchronous commit, at the latest
 * its `backtest.completed`, makes every earlier flush durable with it.
 */
export class CycleBuffer {
  readonly #store: Queryable;
  readonly #catalog: TopicCatalog;
  readonly #publishInTransaction: CycleBufferOptions['publishInTransaction'];
  readonly #ids: IdPool;
  #held: Array<{ id: number; message: ValidMessageInput }> = [];
  /** The writes started so far (flushBehind and flush), one after another. */
  readonly #writes = new WriteChain();

  constructor(options: CycleBufferOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog ?? topicCatalog;
    const block = options.block ?? 256;
    // The next block is drawn while a quarter of this one is left, so it is there when the block
    // runs out: drawn only then, the publish that found none waited a round trip, often behind
    // the insert under way (seven waits of ≈ 10 ms a run on ORCL 2012–2014, one now: the first).
    this.#ids = new IdPool(options.store, { block, ahead: block / 4 });
    this.#publishInTransaction = options.publishInTransaction;
  }

  /** Messages held, not yet written. */
  get held(): number {
    return this.#held.length;
  }

  async publish(input: MessageInput, options: PublishOptions = {}): Promise<BusMessage> {
    if (options.tx) {
      await this.flush();
      return this.#publishInTransaction(input, options);
    }
    const message = validateMessage(input, this.#catalog);
    const id = this.#ids.take() ?? (await this.#ids.wait());
    this.#held.push({ id, message });
    const now = new Date();
    // txId is assigned by PostgreSQL when the flush commits; no reader of a cycle's publish uses it.
    return messageWith(message, { id, txId: '0', ts: message.ts ?? now, recordedAt: now });
  }

  /**
   * Writes every held message in one statement (one round trip, one commit), after every write
   * started before it; a failed earlier write fails this call. Writes run one after another in
   * the order they were started, never side by side: two flushes at once (a broker event's and
   * an order transaction's) would otherwise race, and a message could commit in a transaction
   * begun before its cause's.
   */
  async flush(): Promise<void> {
    this.flushBehind();
    await this.written();
  }

  /**
   * Starts writing the held messages and returns at once: the driver goes on with the next bar
   * while they commit. `written()` (and every `flush()`, so every publish in a transaction)
   * waits for them; a failure is thrown there.
   */
  flushBehind(): void {
    if (this.#held.length === 0) return;
    const held = this.#take();
    this.#writes.start(() => this.#write(held));
  }

  /** Waits until every write started so far has committed (throws a failed one's error). */
  written(): Promise<void> {
    return this.#writes.settled();
  }

  #take(): Array<{ id: number; message: ValidMessageInput }> {
    const held = this.#held;
    this.#held = [];
    return held;
  }

  async #write(held: Array<{ id: number; message: ValidMessageInput }>): Promise<void> {
    if (held.length === 0) return;
    held.sort((a, b) => a.id - b.id);
    const parameters = validParameters(
      held.map((each) => each.message),
      held.map((each) => each.id),
    );
    await this.#store.query(busSql.publishManyWithIds(), parameters);
  }
}
