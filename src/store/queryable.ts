/**
 * The narrow interface every SQL caller needs. A pool, a pooled client inside a transaction
 * and a test harness all satisfy it, so a caller's transaction can carry a bus write together
 * with an order write (pass the transaction's client where a Queryable is asked for).
 */
export interface QueryResultLike<Row> {
  rows: Row[];
  rowCount: number | null;
}

export interface Queryable {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResultLike<Row>>;
}
