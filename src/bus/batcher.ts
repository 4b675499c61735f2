import { SignetError } from '../errors/index.ts';
import { GroupWriter, type Queryable } from '../store/index.ts';
import { IdPool } from './draw-ids.ts';
import type { BusMessage, MessageInput, ValidMessageInput } from './envelope.ts';
import {
  insertNumberedWith,
  insertSequencedWith,
  type NumberedValidMessage,
  validateMessage,
} from './publish.ts';
import type { TopicCatalog } from './topics.ts';

/** A message handed to the bus: its id at once, its commit later. */
export interface SentMessage {
  /** Drawn ahead from the table's identity sequence: the row's id once written, a cause to name now. */
  readonly id: number;
  /** Settles when the row's commit returns: the message as written (the one given, with its row's stamp), or why it was not written. */
  readonly written: Promise<BusMessage>;
}

/** A message not written because the message it answers (its causation id) was not. */
export class CauseNotWrittenError extends SignetError {
  constructor(id: number | null, causationId: number, cause: unknown) {
    super(
      `bus message ${id ?? '(unnumbered)'} not written: the message it answers (${causationId}) was not written`,
      {
        code: 'bus_cause_not_written',
        fault: 'system',
        isRetryable: true,
        cause,
        fix: 'see the cause: the database refused or lost the earlier write',
        details: { id, causationId },
      },
    );
  }
}

/** Ids drawn per round trip; another draw starts when a quarter is left. */
const defaultBlock = 64;
/** Failed ids remembered (failures are rare; a message names a recent cause). */
const maxFailedIds = 10_000;

/**
 * Group commit for standalone messages, two ways. A message *sent* (`send`) gets its id at once
 * from a block drawn from the table's identity sequence, so the sender can name it as the cause
 * of its next message without waiting for the commit; `written` settles after the commit. Why:
 * a decision's messages answer one another (stance → proposal → signatures), and waiting for
 * each commit to learn its id put three commits one after another on every candidate's path. A
 * message *published* (`publish`) resolves after its commit with its id from the sequence, as
 * before: a publisher that waits for each commit anyway pays no draws. Either way, what arrives
 * while a statement is in flight rides in the next one (GroupWriter: one multi-row insert, one
 * commit), in the order given.
 *
 * Never a hole in a chain: a message whose cause was sent here and failed to be written fails
 * too (CauseNotWrittenError, the cause's error as `cause`), and so do its own answers; a
 * published message whose cause is still on its way waits for it. A bad envelope fails its own
 * caller at once and never takes an id. Sends are numbered in the order given, and a send given
 * after a publish returned is numbered above it: a publish inside a transaction takes the next
 * drawn id when one is ready (`takeId`), and `renumber()` drops the drawn block after a write
 * that took its id from the sequence (a standalone publish or one inside a transaction, with none
 * ready). A send given
 * while a publish is on its way may be numbered below it; consumers read in delivery order
 * (tx_id, id), which is commit order, either way.
 */
export class PublishBatcher {
  readonly #writer: GroupWriter<NumberedValidMessage, BusMessage>;
  readonly #sequenced: GroupWriter<ValidMessageInput, BusMessage>;
  /** Sent messages not yet written, by id: a publish that answers one waits for it. */
  readonly #inFlight = new Map<number, Promise<BusMessage>>();
  readonly #ids: IdPool;
  /** Ids whose write failed, with why, oldest first (a Map iterates in insertion order). */
  readonly #failed = new Map<number, unknown>();
  readonly #catalog: TopicCatalog;

  constructor(
    queryable: Queryable,
    onCommitted: (messages: BusMessage[]) => void,
    catalog: TopicCatalog,
    options: { maxBatch?: number; block?: number } = {},
  ) {
    this.#catalog = catalog;
    const block = options.block ?? defaultBlock;
    this.#ids = new IdPool(queryable, { block, ahead: block / 4 });
    this.#sequenced = new GroupWriter(
      async (messages) => {
        const written = await insertSequencedWith(queryable, messages);
        onCommitted(written);
        return written;
      },
      { maxBatch: options.maxBatch ?? 500 },
    );
    this.#writer = new GroupWriter(
      async (rows) => {
        const messages = await insertNumberedWith(queryable, rows);
        onCommitted(messages);
        return messages;
      },
      {
        maxBatch: options.maxBatch ?? 500,
        // Never a hole in a chain: an answer to a message that was not written is not written.
        admit: (row) => {
          const cause = row.message.causationId;
          if (cause === null || !this.#failed.has(cause)) return undefined;
          return new CauseNotWrittenError(row.id, cause, this.#failed.get(cause));
        },
        failed: (row, error) => {
          this.#failed.set(row.id, error);
          if (this.#failed.size > maxFailedIds) this.#failed.delete(this.#failed.keys().next().value!);
        },
      },
    );
  }

  /**
   * Resolves once the message is committed. Its id is the next drawn one when one is ready (it
   * then rides in the sends' next statement, and no draw follows it: a cycle's Macro Officer view
   * and CEO budget each dropped the drawn block, and the next send waited for a draw); else
   * from the sequence, so a publisher that never sends never draws.
   */
  async publish(input: MessageInput): Promise<BusMessage> {
    const message = validateMessage(input, this.#catalog);
    await this.#causeWritten(message);
    const id = this.#ids.take();
    if (id !== undefined) return this.#enqueue(id, message).written;
    try {
      return await this.#sequenced.submit(message);
    } finally {
      this.renumber();
    }
  }

  /** Resolves with the message's id as soon as it has one; `written` settles at its commit. */
  send(input: MessageInput): Promise<SentMessage> {
    const message = validateMessage(input, this.#catalog);
    const id = this.#ids.take();
    if (id !== undefined) return Promise.resolve(this.#enqueue(id, message));
    return this.#ids.wait().then((drawn) => this.#enqueue(drawn, message));
  }

  /**
   * The next id in send order when one is drawn and nobody waits for one, else undefined (never
   * a draw: a transaction asking holds a connection of the pool a draw would need).
   */
  takeId(): number | undefined {
    return this.#ids.take();
  }

  /**
   * The next id in send order for a message written by its caller in a statement of its own
   * (Bus.publishWithWrites), once its cause is written: drawn ahead when one is ready, else the
   * next draw's (no connection is held meanwhile, so waiting for the draw cannot starve it).
   */
  async idFor(message: ValidMessageInput): Promise<number> {
    await this.#causeWritten(message);
    return this.#ids.take() ?? this.#ids.wait();
  }

  /** A message never answers one that failed to be written; one whose cause is on its way waits for it. */
  async #causeWritten(message: ValidMessageInput): Promise<void> {
    const cause = message.causationId;
    if (cause === null) return;
    if (this.#failed.has(cause)) throw new CauseNotWrittenError(null, cause, this.#failed.get(cause));
    const pending = this.#inFlight.get(cause);
    if (pending)
      await pending.catch((error: unknown) => {
        throw new CauseNotWrittenError(null, cause, error);
      });
  }

  /** Drops the ids drawn so far: the next send draws again (see the class comment). */
  renumber(): void {
    this.#ids.drop();
  }

  #enqueue(id: number, message: ValidMessageInput): SentMessage {
    const written = this.#writer.submit({ id, message });
    this.#inFlight.set(id, written);
    // The sender sees a failure where it awaits `written`; none is reported unhandled meanwhile.
    written.then(
      () => this.#inFlight.delete(id),
      () => this.#inFlight.delete(id),
    );
    return { id, written };
  }
}
