/** Runs `work` over the items (started in their order), at most `limit` at a time; results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * A write started now and awaited later: its failure is seen where it is awaited (the candidate
 * fails as if it had been awaited at once), never reported as an unhandled rejection meanwhile.
 */
export function inFlight<T>(write: Promise<T>): Promise<T> {
  write.catch(() => {});
  return write;
}

/**
 * Turns in rank order for work that runs side by side: `before(index)` resolves once every item
 * ranked above `index` has called `finish`. Items must be started in rank order (mapLimit does),
 * so an item waits only on items already running, never on one waiting for it.
 */
export class RankedTurns {
  readonly #finish: Array<() => void> = [];
  readonly #finished: Array<Promise<void>>;

  constructor(count: number) {
    this.#finished = Array.from(
      { length: count },
      (_, index) =>
        new Promise<void>((resolve) => {
          this.#finish[index] = resolve;
        }),
    );
  }

  async before(index: number): Promise<void> {
    for (let above = 0; above < index; above += 1) await this.#finished[above];
  }

  /** Safe to call more than once. */
  finish(index: number): void {
    this.#finish[index]?.();
  }
}
