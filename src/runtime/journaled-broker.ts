import type { Account, Broker, Order, OrderRequest, PaperBroker, Position } from '../broker/index.ts';
import { withFields } from '../platform/index.ts';
import type { Queryable } from '../store/index.ts';
import { runtimeSql } from './sql.ts';

/** One state-changing request to the paper broker, as logged in `paper_requests`. */
export type PaperRequest =
  | { kind: 'submit'; request: OrderRequest }
  | { kind: 'cancel'; clientOrderId: string; reason?: string }
  | { kind: 'replaceStop'; symbol: string; clientOrderId: string | null; stopPrice: number }
  | { kind: 'closeAll'; idPrefix: string };

/** The paper broker has no ids of its own: it reports ours, as reconciliation reads it too. */
function withBrokerId(order: Order): Order {
  return withFields(order, { brokerOrderId: order.clientOrderId });
}

function logKey(entry: PaperRequest): string {
  if (entry.kind === 'submit') return entry.request.clientOrderId;
  if (entry.kind === 'cancel') return `cancel:${entry.clientOrderId}`;
  // A stop only tightens (the monitor's stop management): each price is new for its stop.
  if (entry.kind === 'replaceStop') return `replaceStop:${entry.clientOrderId}:${entry.stopPrice}`;
  return `closeAll:${entry.idPrefix}`;
}

/**
 * The paper broker with a durable log of every state-changing request. The log row is committed
 * before the request reaches the broker, so after a crash the broker can be rebuilt exactly
 * (`replayPaperRequests`) and none of its orders is forgotten or submitted twice.
 */
export class JournaledPaperBroker implements Broker {
  readonly name: string;

  constructor(
    private readonly inner: PaperBroker,
    private readonly db: Queryable,
    private readonly runId: string,
    private readonly barIndex: () => number,
  ) {
    this.name = inner.name;
  }

  async #log(entry: PaperRequest): Promise<void> {
    await this.db.query(runtimeSql.logPaperRequest(), [
      this.runId,
      this.barIndex(),
      logKey(entry),
      JSON.stringify(entry),
    ]);
  }

  account(): Account {
    return this.inner.account();
  }

  positions(): Position[] {
    return this.inner.positions();
  }

  async submit(request: OrderRequest): Promise<Order> {
    // Idempotent like the broker itself: a known id is answered without a new log row.
    const known = this.inner.getOrder(request.clientOrderId);
    if (known) return withBrokerId(known);
    await this.#log({ kind: 'submit', request });
    return withBrokerId(this.inner.submit(request));
  }

  async cancel(clientOrderId: string, reason?: string): Promise<Order | undefined> {
    await this.#log({ kind: 'cancel', clientOrderId, ...(reason === undefined ? {} : { reason }) });
    return this.inner.cancel(clientOrderId, reason);
  }

  async replaceStop(
    stop: { symbol: string; clientOrderId: string | null },
    stopPrice: number,
  ): Promise<Order> {
    await this.#log({
      kind: 'replaceStop',
      symbol: stop.symbol,
      clientOrderId: stop.clientOrderId,
      stopPrice,
    });
    return withBrokerId(this.inner.replaceStop(stop, stopPrice));
  }

  getOrder(clientOrderId: string): Order | undefined {
    const order = this.inner.getOrder(clientOrderId);
    return order && withBrokerId(order);
  }

  workingOrders(): Order[] {
    return this.inner.workingOrders().map(withBrokerId);
  }

  async closeAll(idPrefix: string): Promise<Order[]> {
    await this.#log({ kind: 'closeAll', idPrefix });
    return this.inner.closeAll(idPrefix);
  }
}

export interface LoggedRequest {
  barIndex: number;
  entry: PaperRequest;
}

export async function loadPaperRequests(db: Queryable, runId: string): Promise<LoggedRequest[]> {
  const rows = await db.query<{ bar_index: number; request: PaperRequest }>(runtimeSql.paperRequests(), [
    runId,
  ]);
  return rows.rows.map((row) => ({ barIndex: Number(row.bar_index), entry: row.request }));
}

/** Applies one logged request to a paper broker being rebuilt. */
export function applyPaperRequest(broker: PaperBroker, entry: PaperRequest): void {
  if (entry.kind === 'submit') broker.submit(entry.request);
  else if (entry.kind === 'cancel') broker.cancel(entry.clientOrderId, entry.reason);
  else if (entry.kind === 'replaceStop') {
    // Logged before it reached the broker: a stop that has filled or gone since is left as it is.
    const stop = entry.clientOrderId === null ? undefined : broker.getOrder(entry.clientOrderId);
    if (stop?.status === 'open' || stop?.status === 'waiting')
      broker.replaceStop({ symbol: entry.symbol, clientOrderId: entry.clientOrderId }, entry.stopPrice);
  } else broker.closeAll(entry.idPrefix);
}
