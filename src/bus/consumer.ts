import type { BusSection } from '../config/index.ts';
import { errorMessage } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import type { BusMessage, BusPosition } from './envelope.ts';
import { comparePositions, maxPosition } from './position.ts';
import { type MessageRow, publishWith, rowToMessage } from './publish.ts';
import { busSql, topicFilter } from './sql.ts';
import { topics as catalogTopics } from './topics.ts';

export type MessageHandler = (message: BusMessage) => Promise<void> | void;

export interface ConsumerOptions {
  /**
   * False for a watcher such as `signet bus tail`: it keeps its position in memory only and
   * never parks messages (it has no offset row to keep them out of anybody's way).
   */
  durable?: boolean;
  /** Where a non-durable consumer starts. */
  startAfter?: BusPosition;
}

export interface ConsumerStats {
  consumer: string;
  position: BusPosition;
  handled: number;
  failures: number;
  parked: number;
}

interface ReadRow extends MessageRow {
  horizon: string;
  blocked: boolean;
}

const consumerName = /^[a-z][a-z0-9_.:-]{0,127}$/;

/**
 * A durable consumer: reads messages after its stored offset in delivery order, hands them to
 * its handler one at a time, and stores the new offset. Delivery is at least once: a crash
 * between handling and storing the offset hands the same message over again after a restart.
 */
export class Consumer {
  readonly name: string;
  readonly #topics: string[];
  readonly #filter: ReturnType<typeof topicFilter>;
  #position: BusPosition = { txId: '0', id: 0 };
  #stored: BusPosition = { txId: '0', id: 0 };
  #persisting: Promise<void> | undefined;
  #stopped = false;
  #dirty = true;
  #wakeUp: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #stats = { handled: 0, failures: 0, parked: 0 };

  constructor(
    name: string,
    topics: string[],
    private readonly handler: MessageHandler,
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly settings: BusSection,
    private readonly options: ConsumerOptions = {},
  ) {
    if (!consumerName.test(name)) {
      throw new Error(`consumer name "${name}" is invalid: use lower-case letters, digits and . _ : -`);
    }
    if (topics.length === 0)
      throw new Error(`consumer "${name}" subscribes to no topic: name at least one, or "*"`);
    this.name = name;
    this.#topics = topics;
    this.#filter = topicFilter(topics);
  }

  /** Loads the stored offset, then runs until stopped. */
  async start(): Promise<void> {
    if (this.options.durable === false) {
      this.#position = this.#stored = this.options.startAfter ?? { txId: '0', id: 0 };
      this.#loop = this.#run();
      return;
    }
    await this.store.query(busSql.ensureOffset(), [this.name]);
    const offset = await this.store.query<{ tx_id: string; message_id: number }>(busSql.readOffset(), [
      this.name,
    ]);
    const row = offset.rows[0];
    if (row) this.#position = this.#stored = { txId: row.tx_id, id: Number(row.message_id) };
    this.#loop = this.#run();
  }

  matches(topic: string): boolean {
    if (this.#filter.all || this.#filter.exact.includes(topic)) return true;
    return this.#topics.some((pattern) => pattern.endsWith('.*') && topic.startsWith(pattern.slice(0, -1)));
  }

  wake(): void {
    this.#dirty = true;
    this.#wakeUp?.();
  }

  stats(): ConsumerStats {
    return { consumer: this.name, position: this.#position, ...this.#stats };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeUp?.();
    await this.#loop;
    await this.#flush();
  }

  async #run(): Promise<void> {
    let errorBackoffMs = 50;
    while (!this.#stopped) {
      try {
        let recheckMs = this.settings.pollIntervalMs;
        if (this.#dirty) {
          this.#dirty = false;
          const { full, blocked } = await this.#readAndHandle();
          if (full) this.#dirty = true;
          // Committed messages wait behind an older open transaction: look again soon rather than
          // at the next poll, since that transaction may end without notifying (a rollback).
          if (blocked) recheckMs = Math.min(recheckMs, 20);
        }
        errorBackoffMs = 50;
        if (!this.#dirty && !this.#stopped) await this.#sleep(recheckMs, true);
      } catch (error) {
        if (this.#stopped) break;
        this.logger.warn(
          { consumer: this.name, err: errorMessage(error), retryInMs: errorBackoffMs },
          'bus consumer cannot read; retrying',
        );
        this.#dirty = true;
        await this.#sleep(errorBackoffMs, false);
        errorBackoffMs = Math.min(errorBackoffMs * 2, 5_000);
      }
    }
  }

  /** Waits for `ms`, or (when wakeable) until a notification arrives; either way the next loop reads. */
  #sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        this.#dirty = true;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wakeUp = () => {
        if (wakeable || this.#stopped) finish();
      };
    });
  }

  async #readAndHandle(): Promise<{ full: boolean; blocked: boolean }> {
    const limit = this.settings.batchSize;
    const result = await this.store.query<ReadRow>(busSql.readAfter(), [
      this.#position.txId,
      this.#position.id,
      limit,
      this.#filter.all,
      this.#filter.exact,
      this.#filter.patterns,
    ]);
    const first = result.rows[0];
    if (!first) return { full: false, blocked: false };
    const rows = result.rows.filter((row) => row.id !== null);
    for (const row of rows) {
      if (this.#stopped) break;
      const handled = await this.#handle(row);
      if (!handled) {
        this.#persist();
        return { full: true, blocked: false };
      }
      this.#position = { txId: row.tx_id, id: Number(row.id) };
    }
    const full = rows.length >= limit;
    if (!full && !this.#stopped) {
      // Everything below the horizon has been seen: skip ahead so the next read starts there.
      this.#position = maxPosition(this.#position, { txId: first.horizon, id: 0 });
    }
    this.#persist();
    return { full, blocked: first.blocked };
  }

  /**
   * Stores the position in the background, one write at a time, coalescing positions that
   * arrive meanwhile: the loop does not wait for the write. A crash before it lands redelivers
   * those messages, which at-least-once allows; `#flush` waits for it where order matters.
   */
  #persist(): void {
    if (this.#persisting) return;
    if (comparePositions(this.#position, this.#stored) <= 0) return;
    const position = this.#position;
    if (this.options.durable === false) {
      this.#stored = position;
      return;
    }
    this.#persisting = this.store
      .transaction(async (tx) => {
        await tx.query('SET LOCAL synchronous_commit = off');
        await tx.query(busSql.advanceOffset(), [this.name, position.txId, position.id]);
      })
      .then(
        () => {
          this.#stored = position;
        },
        (error: unknown) => {
          this.logger.warn(
            { consumer: this.name, err: errorMessage(error) },
            'bus offset not stored; will retry',
          );
        },
      )
      .finally(() => {
        this.#persisting = undefined;
        this.#persist();
      });
  }

  /** Waits until the current position is stored (or the write failed). */
  async #flush(): Promise<void> {
    while (this.#persisting) await this.#persisting;
    this.#persist();
    while (this.#persisting) await this.#persisting;
  }

  /** True when the message is done with (handled or parked); false to retry it after a backoff. */
  async #handle(row: MessageRow): Promise<boolean> {
    const message = rowToMessage(row);
    try {
      await this.handler(message);
      this.#stats.handled += 1;
      return true;
    } catch (error) {
      this.#stats.failures += 1;
      const reason = errorMessage(error).slice(0, 2_000);
      if (this.options.durable === false) {
        this.logger.warn(
          { consumer: this.name, messageId: message.id, err: reason },
          'watcher failed on a message; skipped',
        );
        return true;
      }
      await this.#flush();
      const recorded = await this.store.query<{ attempts: number }>(busSql.recordFailure(), [
        this.name,
        message.id,
        reason,
      ]);
      const attempts = Number(recorded.rows[0]?.attempts ?? 1);
      if (attempts >= this.settings.maxAttempts) {
        await this.#park(message, attempts, reason);
        return true;
      }
      const delay = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (attempts - 1));
      this.logger.warn(
        {
          consumer: this.name,
          messageId: message.id,
          topic: message.topic,
          attempts,
          err: reason,
          retryInMs: delay,
        },
        'bus handler failed; will retry',
      );
      await this.#sleep(delay * (0.8 + Math.random() * 0.4), false);
      return false;
    }
  }

  async #park(message: BusMessage, attempts: number, reason: string): Promise<void> {
    this.#stats.parked += 1;
    this.logger.error(
      { consumer: this.name, messageId: message.id, topic: message.topic, attempts, err: reason },
      'bus message parked after repeated failures',
    );
    await this.store.transaction(async (tx) => {
      await tx.query(busSql.park(), [this.name, message.id, message.topic, attempts, reason]);
      // A parked `bus.parked` is not announced again, or a failing catch-all consumer would loop.
      if (message.topic !== catalogTopics.busParked) {
        await publishWith(tx, {
          fromAgent: 'bus',
          toAgent: 'operator',
          topic: catalogTopics.busParked,
          cycleId: message.cycleId,
          causationId: message.id,
          payload: {
            consumer: this.name,
            messageId: message.id,
            topic: message.topic,
            attempts,
            error: reason,
          },
        });
      }
    });
  }
}
