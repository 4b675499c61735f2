import type { Queryable } from '../store/index.ts';
import type { BusMessage, MessageInput, ValidMessageInput } from './envelope.ts';
import { insertManyValidWith, insertValidWith, validateMessage } from './publish.ts';
import type { TopicCatalog } from './topics.ts';

interface Waiting {
  /** Validated once, when published: the insert takes it as it is. */
  message: ValidMessageInput;
  resolve(message: BusMessage): void;
  reject(error: unknown): void;
}

/**
 * Group commit for standalone publishes: the messages published in one event-loop turn go to the
 * database as one multi-row insert and one commit, and each caller resolves only after that
 * commit, exactly as if it had written alone. Under concurrency this turns many small commits
 * (each waiting its turn for the WAL flush) into a few larger ones. A bad envelope fails its own
 * caller at once and never joins a batch.
 */
export class PublishBatcher {
  #pending: Waiting[] = [];
  #running = false;

  constructor(
    private readonly queryable: Queryable,
    private readonly onCommitted: (messages: BusMessage[]) => void,
    private readonly catalog: TopicCatalog,
    private readonly maxBatch = 500,
  ) {}

  publish(input: MessageInput): Promise<BusMessage> {
    const message = validateMessage(input, this.catalog);
    return new Promise<BusMessage>((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      // Nothing in flight: go right after the current synchronous run (which may add more).
      // Something in flight: this message rides with the next batch, when that commit returns.
      if (!this.#running) {
        this.#running = true;
        queueMicrotask(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.maxBatch);
      try {
        // A lone message takes the plain single-row insert, which is cheaper to plan and run.
        const messages =
          batch.length === 1
            ? [await insertValidWith(this.queryable, batch[0]!.message)]
            : await insertManyValidWith(
                this.queryable,
                batch.map((waiting) => waiting.message),
              );
        this.onCommitted(messages);
        batch.forEach((waiting, index) => {
          waiting.resolve(messages[index]!);
        });
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.#running = false;
  }
}
