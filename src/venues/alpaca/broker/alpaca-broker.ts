import type { Account, Broker, Order, OrderRequest, Position } from '../../../broker/index.ts';
import type { BrokerSnapshot, LocalOpenOrder, ReconcileSource } from '../../../broker/reconcile.ts';
import {
  type BrokerOrderState,
  recordOrderIntent,
  recordOrderStates,
} from '../../../broker/reconcile-ledger.ts';
import { markOrder } from '../../../ledger/index.ts';
import type { Logger } from '../../../logging/index.ts';
import type { Queryable } from '../../../store/index.ts';
import type { AlpacaOrderBody, AlpacaTradingClient } from './client.ts';
import { BrokerError, BrokerRejectedError, OrderOutcomeUnknownError } from './errors.ts';
import { orderStates, splitLegId, toOrder } from './mapping.ts';
import { countReplacedOnce, onTick, toOrderBody } from './order-body.ts';
import { type AlpacaOrder, orderSchema } from './schemas.ts';

export { toOrderBody };

export interface LedgerStore extends Queryable {
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface AlpacaBrokerOptions {
  client: AlpacaTradingClient;
  logger: Logger;
  /** Name in the ledger's `broker` column (default "alpaca"). */
  name?: string;
  /** When given, orders are recorded in `orders` before they are sent and after each answer. */
  ledger?: LedgerStore;
  /** Timeout of an order submission (default: the client's). */
  submitTimeoutMs?: number;
  /** How long a cancel waits for Alpaca to confirm it (`pending_cancel` → `canceled`; default 2 s). */
  cancelSettleMs?: number;
  /** How far back reconciliation lists closed orders (default 3 days). */
  lookbackMs?: number;
  now?: () => number;
}

/** Alpaca can only say "unknown" or "no" to these: they are looked up, never blindly resent. */
function isOutcomeUnknown(error: unknown): boolean {
  return (
    error instanceof BrokerError && (error.code === 'broker_timeout' || error.code === 'broker_unavailable')
  );
}

function isDuplicateId(error: unknown): boolean {
  return error instanceof BrokerRejectedError && /client.?order.?id/i.test(error.message);
}

/**
 * The `Broker` contract over Alpaca's Trading API (paper or live: only the URL and keys differ).
 * Every method answers with a promise. Submissions carry our deterministic client order id; a
 * submission whose answer is lost is looked up by that id before anything else is sent, and
 * resent at most once, only when the broker says it does not have it.
 */
export class AlpacaBroker implements Broker, ReconcileSource {
  readonly name: string;
  readonly client: AlpacaTradingClient;
  private readonly logger: Logger;
  private readonly ledger: LedgerStore | undefined;
  private readonly submitTimeoutMs: number | undefined;
  private readonly cancelSettleMs: number;
  private readonly lookbackMs: number;
  private readonly now: () => number;
  /** Submissions in this process: counted for tests and the doctor. */
  sends = 0;

  constructor(options: AlpacaBrokerOptions) {
    this.name = options.name ?? 'alpaca';
    this.client = options.client;
    this.logger = options.logger;
    this.ledger = options.ledger;
    this.submitTimeoutMs = options.submitTimeoutMs;
    this.cancelSettleMs = options.cancelSettleMs ?? 2_000;
    this.lookbackMs = options.lookbackMs ?? 3 * 86_400_000;
    this.now = options.now ?? Date.now;
  }

  async account(): Promise<Account> {
    const account = await this.client.account();
    return { cash: account.cash, equity: account.equity, id: account.account_number ?? account.id };
  }

  async positions(): Promise<Position[]> {
    const [positions, open] = await Promise.all([
      this.client.positions(),
      // Legs of a filled entry: nested under a parent that is no longer open, so list all recent
      // orders. A leg older than the lookback is not seen and the position reads as unprotected
      // (a false alarm, never false safety).
      this.#recentOrders(),
    ]);
    const working = open.flatMap((order) => orderStates(order));
    const legOf = (symbol: string, leg: string) =>
      working.find(
        (state) =>
          state.symbol === symbol &&
          state.leg === leg &&
          (state.status === 'open' || state.status === 'waiting'),
      )?.clientOrderId ?? null;
    return positions.map((position) => ({
      symbol: position.symbol,
      qty: position.qty,
      avgPrice: position.avg_entry_price,
      stopClientOrderId: legOf(position.symbol, 'stop_loss'),
      takeProfitClientOrderId: legOf(position.symbol, 'take_profit'),
      openedAt: 0,
    }));
  }

  /** The orders of the lookback window, every status, legs nested under their entry (our ids). */
  #recentOrders() {
    return this.client.listOrders({
      status: 'all',
      nested: true,
      limit: 500,
      direction: 'desc',
      after: new Date(this.now() - this.lookbackMs).toISOString(),
    });
  }

  /**
   * Every open order of the account, whoever placed it. Recent orders are listed nested, so a
   * bracket leg carries our id (`<entry>.sl`) even under a filled entry; open orders older than
   * the lookback are listed flat (a leg then under Alpaca's own id), so none is missed.
   */
  async workingOrders(): Promise<Order[]> {
    const [recent, open] = await Promise.all([
      this.#recentOrders(),
      this.client.listOrders({ status: 'open', nested: false, limit: 500, direction: 'desc' }),
    ]);
    const working = (state: BrokerOrderState) => state.status === 'open' || state.status === 'waiting';
    const orders: Order[] = [];
    const seen = new Set<string>();
    for (const order of recent) {
      const family = orderStates(order);
      for (const state of family.filter(working)) {
        seen.add(state.brokerOrderId);
        orders.push(toOrder(state, family));
      }
    }
    for (const order of open) {
      if (seen.has(order.id)) continue;
      const leg = order.type === 'stop' || order.type === 'stop_limit' ? 'stop_loss' : 'entry';
      const [state] = orderStates({ ...order, legs: null }, leg);
      if (state && working(state)) orders.push(toOrder(state, [state]));
    }
    return countReplacedOnce(orders, [...recent, ...open]);
  }

  async submit(request: OrderRequest): Promise<Order> {
    const body = toOrderBody(request);
    if (this.ledger) await recordOrderIntent(this.ledger, this.name, request);
    const refusal =
      request.side === 'sell' && request.leg === 'entry' ? await this.shortRefusal(request) : null;
    if (refusal !== null) {
      // Fail closed before anything is sent: the order is final here, with the reason.
      this.logger.warn({ clientOrderId: request.clientOrderId, reason: refusal }, 'short entry not sent');
      if (this.ledger) await markOrder(this.ledger, request.clientOrderId, 'rejected', refusal);
      return refusedOrder(request, refusal, this.now());
    }
    let placed: AlpacaOrder;
    try {
      placed = await this.place(body);
    } catch (error) {
      if (
        this.ledger &&
        error instanceof BrokerError &&
        !isOutcomeUnknown(error) &&
        error.status !== undefined
      ) {
        // The broker refused it (403/422): the order is final, with the broker's reason.
        await markOrder(this.ledger, request.clientOrderId, 'rejected', error.message);
      }
      throw error;
    }
    const states = orderStates(placed, request.leg ?? 'entry');
    if (this.ledger) {
      await this.ledger.transaction((tx) => recordOrderStates(tx, this.name, states));
    }
    return toOrder(states[0]!, states, request.cycleId ?? null);
  }

  /**
   * Why a sell entry (a new short) must not be sent, or null: the account's `shorting_enabled`
   * and the asset's `shortable` and `easy_to_borrow` (Alpaca shorts easy-to-borrow names only,
   * https://docs.alpaca.markets/docs/margin-and-short-selling). A flag that cannot be read refuses.
   */
  private async shortRefusal(request: OrderRequest): Promise<string | null> {
    let account: Awaited<ReturnType<AlpacaTradingClient['account']>>;
    let asset: Awaited<ReturnType<AlpacaTradingClient['asset']>>;
    try {
      [account, asset] = await Promise.all([this.client.account(), this.client.asset(request.symbol)]);
    } catch (error) {
      return `short of ${request.symbol} not sent: its account or asset flags could not be read (${(error as Error).message})`;
    }
    if (!account.shorting_enabled)
      return `short of ${request.symbol} not sent: the account has shorting_enabled false`;
    if (!asset.shortable) return `short of ${request.symbol} not sent: the asset is not shortable at Alpaca`;
    if (!asset.easy_to_borrow)
      return `short of ${request.symbol} not sent: the asset is not easy to borrow (Alpaca shorts easy-to-borrow names only)`;
    return null;
  }

  /** Sends, and on a lost answer looks the id up; resends once only when the broker says "no such order". */
  private async place(body: AlpacaOrderBody): Promise<AlpacaOrder> {
    for (let sends = 1; ; sends += 1) {
      try {
        this.sends += 1;
        return await this.client.submitOrder(body, this.submitTimeoutMs);
      } catch (error) {
        if (isDuplicateId(error)) {
          const existing = await this.lookup(body.client_order_id, error);
          if (existing) return existing;
          throw error;
        }
        if (!isOutcomeUnknown(error)) throw error;
        this.logger.warn(
          { clientOrderId: body.client_order_id, reason: (error as BrokerError).code },
          'order submission unanswered: looking it up by client order id',
        );
        const existing = await this.lookup(body.client_order_id, error);
        if (existing) return existing;
        if (sends >= 2) throw new OrderOutcomeUnknownError(body.client_order_id, { cause: error });
        this.logger.warn({ clientOrderId: body.client_order_id }, 'order not at the broker: resending once');
      }
    }
  }

  private async lookup(clientOrderId: string, original: unknown): Promise<AlpacaOrder | undefined> {
    try {
      return await this.client.orderByClientId(clientOrderId);
    } catch (error) {
      throw new OrderOutcomeUnknownError(clientOrderId, { cause: error ?? original });
    }
  }

  /** The order (or bracket leg) with our id, with its family; undefined when the broker has none. */
  private async family(
    clientOrderId: string,
  ): Promise<{ state: BrokerOrderState; family: BrokerOrderState[] } | undefined> {
    const leg = splitLegId(clientOrderId);
    const order = await this.client.orderFamilyByClientId(leg ? leg.parent : clientOrderId);
    if (!order) return undefined;
    const family = orderStates(order);
    const state = family.find((each) => each.clientOrderId === clientOrderId);
    return state ? { state, family } : undefined;
  }

  async getOrder(clientOrderId: string): Promise<Order | undefined> {
    const found = await this.family(clientOrderId);
    return found ? toOrder(found.state, found.family) : undefined;
  }

  /**
   * Moves a working stop with Alpaca's replace (PATCH /v2/orders/{id}): the answer is a new order
   * under a new id, the old one ends `replaced`. A bracket leg keeps our leg id (`<entry>.sl`:
   * the replacing order stays the entry's leg); a stop of ours is replaced under `newClientOrderId`.
   * The stop price goes onto Alpaca's tick toward the price it protects (a sell stop up, a buy stop
   * down), as toOrderBody rounds every stop. Refusals (422 not replaceable, sub-penny) are thrown.
   */
  async replaceStop(
    stop: { symbol: string; clientOrderId: string | null },
    stopPrice: number,
    newClientOrderId: string,
  ): Promise<Order> {
    const found = stop.clientOrderId === null ? undefined : await this.family(stop.clientOrderId);
    if (!found || found.state.symbol !== stop.symbol || found.state.type !== 'stop')
      throw new BrokerRejectedError(
        `no stop order ${stop.clientOrderId} for ${stop.symbol} at the broker to move`,
      );
    const leg = splitLegId(found.state.clientOrderId);
    const replacement = await this.client.replaceOrder(found.state.brokerOrderId, {
      stop_price: onTick(stopPrice, found.state.side === 'buy' ? 'down' : 'up'),
      ...(leg ? {} : { client_order_id: newClientOrderId }),
    });
    const [state] = orderStates({ ...replacement, legs: null }, 'stop_loss');
    const named = leg
      ? { ...state!, clientOrderId: found.state.clientOrderId, parentClientOrderId: leg.parent }
      : state!;
    return toOrder(named, leg ? found.family.map((each) => (each === found.state ? named : each)) : [named]);
  }

  /**
   * Cancels an order of ours (a bracket leg by its `.sl`/`.tp` id). Alpaca cancels the rest of a
   * bracket group with it, so cancelling one leg leaves the position without either.
   */
  async cancel(clientOrderId: string): Promise<Order | undefined> {
    const found = await this.family(clientOrderId);
    if (!found) return undefined;
    if (found.state.status === 'open' || found.state.status === 'waiting') {
      try {
        await this.client.cancelOrder(found.state.brokerOrderId);
      } catch (error) {
        // 422 "not cancelable": it filled or was cancelled meanwhile; the fresh state says which.
        if (!(error instanceof BrokerRejectedError)) throw error;
      }
    }
    const after = (await this.settled(clientOrderId)) ?? found;
    if (this.ledger) await this.ledger.transaction((tx) => recordOrderStates(tx, this.name, after.family));
    return toOrder(after.state, after.family);
  }

  /**
   * The order after a cancel request. Alpaca answers the DELETE with 204 and keeps the order
   * `pending_cancel` (it may still fill) until the venue confirms; it is read again for up to
   * `cancelSettleMs` so the caller gets the final state, or `open` when it is still pending.
   */
  private async settled(
    clientOrderId: string,
  ): Promise<{ state: BrokerOrderState; family: BrokerOrderState[] } | undefined> {
    const deadline = Date.now() + this.cancelSettleMs;
    for (;;) {
      const found = await this.family(clientOrderId);
      if (found?.state.status !== 'open' || Date.now() >= deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Cancels every open order and closes every position with Alpaca's own close-all, which frees
   * the shares held by protective legs before selling. The closing orders carry Alpaca's ids;
   * `idPrefix` is not used by this broker.
   */
  async closeAll(_idPrefix: string): Promise<Order[]> {
    const results = await this.client.closeAllPositions();
    const orders: Order[] = [];
    for (const result of results) {
      const parsed = orderSchema.safeParse(result.body);
      if (!parsed.success) {
        this.logger.error(
          { symbol: result.symbol, status: result.status },
          'close-all: the broker did not close this position',
        );
        continue;
      }
      const states = orderStates(parsed.data, 'flatten');
      if (this.ledger) await this.ledger.transaction((tx) => recordOrderStates(tx, this.name, states));
      orders.push(toOrder(states[0]!, states));
    }
    return orders;
  }

  /** For reconciliation: recent orders (nested), positions, and a lookup of every open order of ours not listed. */
  async snapshot(localOpen: readonly LocalOpenOrder[]): Promise<BrokerSnapshot> {
    const oldestOpen = Math.min(
      this.now() - this.lookbackMs,
      ...localOpen.map((order) => order.submittedAt.getTime() - 60_000),
    );
    // `after` is exclusive (https://docs.alpaca.markets/reference/getallorders): paging from the
    // last order's own time would skip the orders submitted in the same instant that did not fit
    // on the page. Each next page starts 1 ms earlier and repeats are dropped by Alpaca's id.
    const listed = new Map<string, AlpacaOrder>();
    let after = new Date(oldestOpen).toISOString();
    for (let page = 0; page < 100; page += 1) {
      const batch = await this.client.listOrders({
        status: 'all',
        nested: true,
        limit: 500,
        direction: 'asc',
        after,
      });
      const before = listed.size;
      for (const order of batch) listed.set(order.id, order);
      if (batch.length < 500 || listed.size === before) break;
      const last = batch[batch.length - 1]!;
      after = new Date(Date.parse(last.submitted_at ?? last.created_at) - 1).toISOString();
    }
    const states = new Map<string, BrokerOrderState>();
    for (const order of listed.values())
      for (const state of orderStates(order)) states.set(state.clientOrderId, state);
    const brokerIds = new Set([...states.values()].map((state) => state.brokerOrderId));
    const unknownClientOrderIds: string[] = [];
    for (const open of localOpen) {
      if (states.has(open.clientOrderId) || (open.brokerOrderId && brokerIds.has(open.brokerOrderId)))
        continue;
      const leg = splitLegId(open.clientOrderId);
      const order = await this.client.orderFamilyByClientId(leg ? leg.parent : open.clientOrderId);
      if (!order) {
        unknownClientOrderIds.push(open.clientOrderId);
        continue;
      }
      for (const state of orderStates(order)) states.set(state.clientOrderId, state);
    }
    const positions = (await this.client.positions()).map((position) => ({
      symbol: position.symbol,
      qty: position.qty,
      avgPrice: position.avg_entry_price,
    }));
    return { orders: [...states.values()], positions, unknownClientOrderIds };
  }
}

/** An order refused before it was sent (never at the broker). */
function refusedOrder(request: OrderRequest, reason: string, now: number): Order {
  return {
    clientOrderId: request.clientOrderId,
    brokerOrderId: null,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    qty: request.qty,
    limitPrice: request.limitPrice ?? null,
    stopPrice: request.stopPrice ?? null,
    leg: request.leg ?? 'entry',
    parentClientOrderId: null,
    linkedClientOrderIds: [],
    status: 'rejected',
    submittedAt: now,
    filledAt: null,
    fillPrice: null,
    commission: 0,
    reason,
    cycleId: request.cycleId ?? null,
  };
}
