/** Runs `work` over the items, at most `limit` at a time; results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
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
