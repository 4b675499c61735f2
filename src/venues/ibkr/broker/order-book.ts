import { EventName, type ExecutionFilter } from '@stoqey/ib';
import type { Logger } from '../../../logging/index.ts';
import {
  completedOrderArgs,
  execDetailsArgs,
  executionSide,
  type IbExecution,
  openOrderArgs,
  orderStatusArgs,
  parseArgs,
} from '../connection/events.ts';
import type { IbConnection } from '../connection/ib-connection.ts';
import { type IbOrderRecord, ibBrokerOrderId } from './mapping.ts';

/** IB writes an unset double as Double.MAX_VALUE; read it as no price. */
const price = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) || Math.abs(value) > 1e300 || value === 0
    ? null
    : value;

/** One execution as the book keeps it (for reconciliation's replay and the sync). */
export interface IbFill {
  execution: IbExecution;
  symbol: string;
  side: 'buy' | 'sell';
}

/**
 * The orders this client knows, kept from the TWS's openOrder / orderStatus events (which the TWS
 * sends for every order of this client as it changes, https://interactivebrokers.github.io/tws-api/order_submission.html)
 * and refreshed on demand with reqAllOpenOrders. Keyed by our broker order id (`clientId/orderId`).
 */
export class IbOrderBook {
  readonly #connection: IbConnection;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly records = new Map<string, IbOrderRecord>();
  /** Order ids (of this client) that the TWS refused, with its reason (error 201 and kin). */
  readonly rejections = new Map<number, string>();

  constructor(connection: IbConnection, logger: Logger, now: () => number) {
    this.#connection = connection;
    this.#logger = logger;
    this.#now = now;
    connection.on(EventName.openOrder, (...args: unknown[]) => this.#onOpenOrder(args));
    connection.on(EventName.orderStatus, (...args: unknown[]) => this.#onOrderStatus(args));
  }

  byRef(orderRef: string): IbOrderRecord | undefined {
    let found: IbOrderRecord | undefined;
    for (const record of this.records.values())
      if (record.orderRef === orderRef && (!found || record.orderId > found.orderId)) found = record;
    return found;
  }

  byOrderId(orderId: number, clientId = this.#connection.options.clientId): IbOrderRecord | undefined {
    return this.records.get(ibBrokerOrderId(clientId, orderId));
  }

  parentOf(record: IbOrderRecord): IbOrderRecord | undefined {
    return record.parentId === 0 ? undefined : this.byOrderId(record.parentId, record.clientId);
  }

  childrenOf(record: IbOrderRecord): IbOrderRecord[] {
    return [...this.records.values()].filter(
      (each) => each.parentId === record.orderId && each.clientId === record.clientId,
    );
  }

  /** Records what we are about to send, so events that arrive before the answer find it. */
  remember(record: IbOrderRecord): void {
    this.records.set(ibBrokerOrderId(record.clientId, record.orderId), record);
  }

  upsert(
    orderId: number,
    contract: { symbol?: string | null },
    order: {
      clientId?: number | null;
      permId?: number | null;
      parentId?: number | null;
      action?: string | null;
      totalQuantity?: number | null;
      orderType?: string | null;
      lmtPrice?: number | null;
      auxPrice?: number | null;
      tif?: string | null;
      orderRef?: string | null;
      account?: string | null;
    },
    status: string | null | undefined,
  ): IbOrderRecord {
    const clientId = order.clientId ?? this.#connection.options.clientId;
    const key = ibBrokerOrderId(clientId, orderId);
    const known = this.records.get(key);
    const record: IbOrderRecord = {
      orderId,
      clientId,
      permId: order.permId ?? known?.permId ?? 0,
      parentId: order.parentId ?? known?.parentId ?? 0,
      symbol: contract.symbol ?? known?.symbol ?? '',
      side: order.action ? (order.action === 'BUY' ? 'buy' : 'sell') : (known?.side ?? 'buy'),
      orderType: order.orderType ?? known?.orderType ?? 'MKT',
      qty: order.totalQuantity ?? known?.qty ?? 0,
      lmtPrice: price(order.lmtPrice),
      auxPrice: price(order.auxPrice),
      tif: order.tif ?? known?.tif ?? 'DAY',
      orderRef: order.orderRef || known?.orderRef || null,
      account: order.account ?? known?.account ?? null,
      status: status || known?.status || 'Submitted',
      filled: known?.filled ?? 0,
      avgFillPrice: known?.avgFillPrice ?? null,
      reason: known?.reason ?? this.rejections.get(orderId) ?? null,
      submittedAt: known?.submittedAt ?? this.#now(),
      filledAt: known?.filledAt ?? null,
    };
    // Callers hold records (a cancel waiting for its confirmation): the known one is updated in place.
    if (known) return Object.assign(known, record);
    this.records.set(key, record);
    return record;
  }

  #onOpenOrder(args: unknown[]): void {
    const parsed = parseArgs(openOrderArgs, args);
    if (!parsed) {
      this.#logger.warn('openOrder event not understood: ignored');
      return;
    }
    const [orderId, contract, order, state] = parsed;
    this.upsert(orderId, contract, order, state.status);
  }

  #onOrderStatus(args: unknown[]): void {
    const parsed = parseArgs(orderStatusArgs, args);
    if (!parsed) return;
    const [orderId, status, filled, , avgFillPrice, permId, parentId, , clientId, whyHeld] = parsed;
    const key = ibBrokerOrderId(clientId ?? this.#connection.options.clientId, orderId);
    const record = this.records.get(key);
    if (!record) return;
    record.status = status;
    if (filled >= record.filled) {
      if (filled > record.filled) record.filledAt = this.#now();
      record.filled = filled;
      record.avgFillPrice = filled > 0 ? avgFillPrice : record.avgFillPrice;
    }
    if (permId) record.permId = permId;
    if (parentId) record.parentId = parentId;
    if (whyHeld && status === 'Inactive') record.reason ??= `held by IB: ${whyHeld}`;
  }

  /** An order refused by the TWS (error 201 "Order rejected - reason: ..."). */
  reject(orderId: number, reason: string): IbOrderRecord | undefined {
    this.rejections.set(orderId, reason);
    const record = this.byOrderId(orderId);
    if (record) {
      record.status = 'Inactive';
      record.reason = reason;
    }
    return record;
  }

  #refreshing: Promise<IbOrderRecord[]> | undefined;

  /**
   * Every open order of the account (all clients' with reqAllOpenOrders), into the book. The
   * answer carries no request id, so concurrent callers share one request.
   */
  refreshOpen(): Promise<IbOrderRecord[]> {
    if (!this.#refreshing) {
      this.#refreshing = this.#refreshOpen().finally(() => {
        this.#refreshing = undefined;
      });
    }
    return this.#refreshing;
  }

  async #refreshOpen(): Promise<IbOrderRecord[]> {
    const seen: IbOrderRecord[] = [];
    await this.#connection.request<void>('open orders', (_reqId, on, done) => {
      on(EventName.openOrder, (...args: unknown[]) => {
        const parsed = parseArgs(openOrderArgs, args);
        if (parsed) seen.push(this.upsert(parsed[0], parsed[1], parsed[2], parsed[3].status));
      });
      on(EventName.openOrderEnd, () => done());
      this.#connection.api.reqAllOpenOrders();
    });
    return seen;
  }

  /** Orders completed (filled, cancelled) that the TWS still lists, into the book. */
  async refreshCompleted(): Promise<IbOrderRecord[]> {
    const seen: IbOrderRecord[] = [];
    await this.#connection.request<void>('completed orders', (_reqId, on, done) => {
      on(EventName.completedOrder, (...args: unknown[]) => {
        const parsed = parseArgs(completedOrderArgs, args);
        if (!parsed) return;
        const [contract, order, state] = parsed;
        if (order.orderId === null || order.orderId === undefined) return;
        const record = this.upsert(order.orderId, contract, order, state.status);
        const filled = Number((order as Record<string, unknown>).filledQuantity ?? 0);
        if (Number.isFinite(filled) && filled > record.filled) record.filled = filled;
        seen.push(record);
      });
      on(EventName.completedOrdersEnd, () => done());
      // A Gateway that does not serve completed orders answers 321 without a request id.
      on('message', (message) => {
        if ((message as { code?: number }).code === 321) done();
      });
      this.#connection.api.reqCompletedOrders(false);
    });
    return seen;
  }

  /** Executions of the account the TWS still reports (today's), each with its contract's symbol. */
  async executions(filter: ExecutionFilter = {}): Promise<IbFill[]> {
    const fills: IbFill[] = [];
    await this.#connection.request<void>('executions', (reqId, on, done) => {
      on(EventName.execDetails, (...args: unknown[]) => {
        const parsed = parseArgs(execDetailsArgs, args);
        if (!parsed || parsed[0] !== reqId) return;
        const [, contract, execution] = parsed;
        fills.push({ execution, symbol: contract.symbol ?? '', side: executionSide(execution.side) });
      });
      on(EventName.execDetailsEnd, (id) => {
        if (id === reqId) done();
      });
      this.#connection.api.reqExecutions(reqId, filter);
    });
    return fills;
  }
}
