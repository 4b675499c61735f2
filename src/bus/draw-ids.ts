import { busSql } from './sql.ts';

/** What a draw needs of a connection: a pool, a transaction's client or a COPY connection. */
export interface IdDrawer {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Draws `count` ids from the bus table's identity sequence, ascending, for a writer that hands
 * ids out before its rows are written (CycleBuffer, a backtest's log).
 */
export async function drawIds(queryable: IdDrawer, count: number): Promise<number[]> {
  if (count === 0) return [];
  const result = await queryable.query(busSql.reserveIds(), [count]);
  const ids: number[] = [];
  // Each row is a run of consecutive ids; the runs come in ascending order.
  for (const row of result.rows) {
    for (let id = Number(row.first); id <= Number(row.last); id += 1) ids.push(id);
  }
  if (ids.length !== count)
    throw new Error(`drew ${ids.length} ids from the bus sequence, asked for ${count}`);
  return ids;
}

/**
 * Ids drawn ahead in blocks, handed out in the order asked for: the one pool of a writer that
 * names its rows before writing them (CycleBuffer, the Bus's sends). `take()` answers an id at
 * once when one is drawn and nobody waits; `wait()` queues for the next draw. With `ahead`, the
 * next block is drawn when that many are left, so a taker rarely waits. `drop()` forgets the
 * drawn ids (a draw under way is dropped when it returns): later ids are drawn after it.
 */
export class IdPool {
  #ids: number[] = [];
  #waiting: Array<{ resolve(id: number): void; reject(error: unknown): void }> = [];
  #drawing = false;
  #generation = 0;
  readonly #drawer: IdDrawer;
  readonly #block: number;
  readonly #ahead: number;

  constructor(drawer: IdDrawer, options: { block: number; ahead?: number }) {
    this.#drawer = drawer;
    this.#block = options.block;
    this.#ahead = options.ahead ?? 0;
  }

  take(): number | undefined {
    if (this.#waiting.length > 0 || this.#ids.length === 0) return undefined;
    const id = this.#ids.shift()!;
    if (this.#ids.length <= this.#ahead) this.#draw();
    return id;
  }

  wait(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#draw();
    });
  }

  drop(): void {
    this.#ids = [];
    this.#generation += 1;
  }

  #draw(): void {
    if (this.#drawing) return;
    this.#drawing = true;
    const generation = this.#generation;
    drawIds(this.#drawer, this.#block).then(
      (ids) => {
        this.#drawing = false;
        if (generation === this.#generation) this.#ids.push(...ids);
        while (this.#waiting.length > 0 && this.#ids.length > 0)
          this.#waiting.shift()!.resolve(this.#ids.shift()!);
        if (this.#waiting.length > 0) this.#draw();
      },
      (error: unknown) => {
        this.#drawing = false;
        // No ids: every taker waiting fails (a later one tries again).
        for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
      },
    );
  }
}
