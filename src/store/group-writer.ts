/**
 * PostgreSQL refused a row for what it holds: SQLSTATE class 22 (data exception, e.g. a NUL
 * character jsonb cannot hold) or 23 (integrity constraint). A lost connection (class 08, or no
 * SQLSTATE at all) fails every row of a statement alike; writing them one by one would only
 * wait longer.
 */
export function refusedForData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

interface Waiting<Item, Written> {
  item: Item;
  resolve(written: Written): void;
  reject(error: unknown): void;
}

export interface GroupWriterOptions<Item> {
  maxBatch?: number;
  /** Checked for each item, in order, right before it is written: an error fails it unwritten. */
  admit?(item: Item): Error | undefined;
  /** Told of each item that failed, and why, before its caller is. */
  failed?(item: Item, error: unknown): void;
}

/**
 * Group commit for rows written one at a time by many callers: what is submitted while a
 * statement is in flight goes in the next one (one multi-row insert, one commit), in the order
 * submitted, and each caller resolves after its row's commit, exactly as if it had written
 * alone. A statement PostgreSQL refused for a row's data is written again one row at a time, so
 * only that row fails. `write` answers one result per item, in order. Used for the bus's
 * standalone messages (bus/batcher.ts) and the live journal's rows.
 */
export class GroupWriter<Item, Written> {
  #pending: Array<Waiting<Item, Written>> = [];
  #running = false;
  readonly #write: (items: Item[]) => Promise<Written[]>;
  readonly #options: GroupWriterOptions<Item>;

  constructor(write: (items: Item[]) => Promise<Written[]>, options: GroupWriterOptions<Item> = {}) {
    this.#write = write;
    this.#options = options;
  }

  submit(item: Item): Promise<Written> {
    return new Promise<Written>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // After the current synchronous run, which may submit more.
        queueMicrotask(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#admitted(this.#pending.splice(0, this.#options.maxBatch ?? 500));
      if (batch.length === 0) continue;
      const refused = await this.#settle(batch);
      if (refused === undefined) continue;
      // Inside a caller's transaction the refusal aborted it: each row then fails with that refusal.
      for (const waiting of batch)
        if (this.#admitted([waiting]).length > 0) await this.#settle([waiting], refused);
    }
    this.#running = false;
  }

  /** The batch without the items `admit` refuses (those fail now, in order). */
  #admitted(batch: Array<Waiting<Item, Written>>): Array<Waiting<Item, Written>> {
    const admit = this.#options.admit;
    if (!admit) return batch;
    return batch.filter((waiting) => {
      const refused = admit(waiting.item);
      if (refused) this.#fail(waiting, refused);
      return !refused;
    });
  }

  /**
   * Writes and settles the batch; answers the error, leaving the batch unsettled, when PostgreSQL
   * refused a row's data among several. `refused`: the batch's refusal, reported instead of
   * "transaction aborted" (SQLSTATE 25P02) when the rows are written again in the same transaction.
   */
  async #settle(batch: Array<Waiting<Item, Written>>, refused?: unknown): Promise<unknown> {
    try {
      const written = await this.#write(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => {
        waiting.resolve(written[index]!);
      });
      return undefined;
    } catch (error) {
      if (batch.length > 1 && refusedForData(error)) return error;
      const aborted = refused !== undefined && (error as { code?: unknown } | null)?.code === '25P02';
      for (const waiting of batch) this.#fail(waiting, aborted ? refused : error);
      return undefined;
    }
  }

  #fail(waiting: Waiting<Item, Written>, error: unknown): void {
    this.#options.failed?.(waiting.item, error);
    waiting.reject(error);
  }
}
