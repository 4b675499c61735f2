import type { Queryable } from '../../../store/index.ts';

/**
 * Order ids of one API client and account. IB wants each new order id above every id the client
 * used; the TWS sends the next valid id at connect, and we keep our own floor in the database
 * (`ibkr_order_ids`), so after a restart the next id is the larger of the two. Ids are reserved
 * in the database before an order is sent: a crash between reserving and sending only skips ids.
 */
export class IbOrderIds {
  readonly #db: Queryable;
  readonly #account: string;
  readonly #clientId: number;
  /** The TWS's floor (its last nextValidId). */
  #tws = 1;

  constructor(db: Queryable, account: string, clientId: number) {
    this.#db = db;
    this.#account = account;
    this.#clientId = clientId;
  }

  /** The TWS's nextValidId (at connect, or answering reqIds): ids below it are never used. */
  observe(nextValidId: number): void {
    if (Number.isSafeInteger(nextValidId) && nextValidId > this.#tws) this.#tws = nextValidId;
  }

  /** `count` consecutive ids, the first above every id reserved before and at or above the TWS's floor. */
  async reserve(count: number): Promise<number> {
    const result = await this.#db.query<{ first: string }>(
      `INSERT INTO ibkr_order_ids (account, client_id, next_id) VALUES ($1, $2, $3::bigint + $4)
       ON CONFLICT (account, client_id) DO UPDATE
         SET next_id = greatest(ibkr_order_ids.next_id, $3::bigint) + $4, updated_at = now()
       RETURNING next_id - $4 AS first`,
      [this.#account, this.#clientId, this.#tws, count],
    );
    const first = Number(result.rows[0]?.first);
    this.#tws = first + count;
    return first;
  }

  /** The next id that would be reserved (doctor, tests). */
  async peek(): Promise<number> {
    const result = await this.#db.query<{ next_id: string }>(
      'SELECT next_id FROM ibkr_order_ids WHERE account = $1 AND client_id = $2',
      [this.#account, this.#clientId],
    );
    return Math.max(this.#tws, Number(result.rows[0]?.next_id ?? 0));
  }
}
