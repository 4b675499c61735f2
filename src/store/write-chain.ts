/**
 * Writes started behind their caller and run one after another, in the order started: the
 * full-pipeline backtest's bus rows (CycleBuffer) and journal rows (DeferredJournal). A write
 * never overtakes an earlier one, so rows commit in the order their writers handed them over.
 * A failed write fails every later one and every later `settled()` with its error: nothing
 * written after a loss looks complete.
 */
export class WriteChain {
  #tail: Promise<void> = Promise.resolve();

  /** Starts `write` once every write started before it has finished, and returns at once. */
  start(write: () => Promise<void>): void {
    const next = this.#tail.then(write);
    this.#tail = next;
    next.catch(() => {}); // thrown by settled()
  }

  /** Waits for every write started so far; throws the error of one that failed. */
  async settled(): Promise<void> {
    const tail = this.#tail;
    await tail;
    // All done and none failed: let the finished chain go.
    if (this.#tail === tail) this.#tail = Promise.resolve();
  }
}
