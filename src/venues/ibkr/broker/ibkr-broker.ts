import type { Account, Broker, Order, OrderRequest, Position } from '../../../broker/index.ts';
import type { BrokerSnapshot, LocalOpenOrder, ReconcileSource } from '../../../broker/reconcile.ts';
import {
  type BrokerOrderState,
  markOrder,
  recordBracketLegs,
  recordIntent,
  recordOrderStates,
} from '../../../ledger/index.ts';
import type { Logger } from '../../../logging/index.ts';
import type { Queryable } from '../../../store/index.ts';
import { IbOrderRefusedError } from '../connection/errors.ts';
import type { IbConnection } from '../connection/ib-connection.ts';
import { readAccount, readPositions } from './account.ts';
import { awaitAnswer } from './answer.ts';
import { type IbOrderRecord, ibBrokerOrderId, toOrderState } from './mapping.ts';
import type { IbOrderBook } from './order-book.ts';
import { buildPlacements, type ContractSpec, closingPlacement, idsNeeded, onTick } from './order-build.ts';
import type { IbOrderIds } from './order-ids.ts';
import { snapshotOf } from './snapshot.ts';

export interface LedgerStore extends Queryable {
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface IbkrBrokerOptions {
  connection: IbConnection;
  book: IbOrderBook;
  ids: IbOrderIds;
  /** The account traded (configured, or the Gateway's single managed account). */
  account: string;
  contract: ContractSpec;
  logger: Logger;
  ledger?: LedgerStore;
  /** Ledger `broker` name (default "ibkr"). */
  name?: string;
  submitTimeoutMs: number;
  /** How long cancel() waits for the TWS to confirm (default 2 s). */
  cancelSettleMs?: number;
  now?: () => number;
}

const working = (state: BrokerOrderState) => state.status === 'open' || state.status === 'waiting';

/**
 * The `Broker` contract over the TWS API. Order ids are ours (reserved in the database above every
 * id used before), written on the ledger row before the order is sent, with our client order id in
 * `orderRef`: after a crash between sending and the answer, reconciliation finds the order by
 * either and nothing is sent twice. Every method fails closed while the Gateway is unusable
 * (socket down, or IB's servers lost: 1100).
 */
export class IbkrBroker implements Broker, ReconcileSource {
  readonly name: string;
  readonly connection: IbConnection;
  readonly book: IbOrderBook;
  readonly #options: IbkrBrokerOptions;
  readonly #now: () => number;
  /** placeOrder calls made by this instance (tests count them). */
  sends = 0;

  constructor(options: IbkrBrokerOptions) {
    this.name = options.name ?? 'ibkr';
    this.connection = options.connection;
    this.book = options.book;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get accountId(): string {
    return this.#options.account;
  }

  account(): Promise<Account> {
    return readAccount(this.connection, this.#options.account);
  }

  /** The account's stock positions (reqPositions), signed. */
  brokerPositions(): Promise<{ symbol: string; qty: number; avgPrice: number }[]> {
    return readPositions(this.connection, this.#options.account);
  }

  async positions(): Promise<Position[]> {
    const [held, open] = await Promise.all([this.brokerPositions(), this.workingOrders()]);
    const legOf = (symbol: string, leg: string, qty: number) =>
      open.find(
        (order) => order.symbol === symbol && order.leg === leg && order.side === (qty < 0 ? 'buy' : 'sell'),
      )?.clientOrderId ?? null;
    return held.map((position) => ({
      ...position,
      stopClientOrderId: legOf(position.symbol, 'stop_loss', position.qty),
      takeProfitClientOrderId: legOf(position.symbol, 'take_profit', position.qty),
      openedAt: 0,
    }));
  }

  /** Every working order of the account, whoever placed it (reqAllOpenOrders). */
  async workingOrders(): Promise<Order[]> {
    const open = await this.book.refreshOpen();
    const states = open
      .filter(
        (record) => !this.#options.account || !record.account || record.account === this.#options.account,
      )
      .map((record) => this.stateOf(record))
      .filter(working);
    return states.map((state) => this.toOrder(state));
  }

  stateOf(record: IbOrderRecord): BrokerOrderState {
    return toOrderState(record, this.book.parentOf(record));
  }

  toOrder(state: BrokerOrderState, cycleId: string | null = null): Order {
    const record = [...this.book.records.values()].find(
      (each) => ibBrokerOrderId(each.clientId, each.orderId) === state.brokerOrderId,
    );
    const family = record ? [record, ...this.book.childrenOf(record)] : [];
    const parent = record ? this.book.parentOf(record) : undefined;
    const siblings = parent ? this.book.childrenOf(parent).filter((each) => each !== record) : [];
    const linked = (parent ? siblings : family.slice(1))
      .map((each) => this.stateOf(each))
      .sort((a, b) => (a.leg === 'stop_loss' ? -1 : b.leg === 'stop_loss' ? 1 : 0))
      .map((each) => each.clientOrderId);
    return {
      clientOrderId: state.clientOrderId,
      brokerOrderId: state.brokerOrderId,
      symbol: state.symbol,
      side: state.side,
      type: state.type === 'stop_limit' ? 'stop' : state.type,
      qty: state.qty,
      limitPrice: state.limitPrice,
      stopPrice: state.stopPrice,
      leg: state.leg,
      parentClientOrderId: state.parentClientOrderId,
      linkedClientOrderIds: linked,
      status: state.status,
      submittedAt: state.submittedAt,
      filledAt: state.filledAt,
      fillPrice: state.avgFillPrice,
      commission: 0,
      reason: state.reason,
      cycleId,
    };
  }

  /** Our ledger row of an order already given an IB id (sent, or about to be, before a crash). */
  async #sentBefore(clientOrderId: string): Promise<string | null> {
    if (!this.#options.ledger) return null;
    const row = await this.#options.ledger.query<{ broker_order_id: string | null }>(
      'SELECT broker_order_id FROM orders WHERE broker = $1 AND client_order_id = $2',
      [this.name, clientOrderId],
    );
    return row.rows[0]?.broker_order_id ?? null;
  }

  async submit(request: OrderRequest): Promise<Order> {
    this.connection.assertUsable();
    // Idempotent by our id: an order the TWS has (or that we gave an id before a crash) is never sent again.
    const known = this.book.byRef(request.clientOrderId);
    if (known) return this.toOrder(this.stateOf(known), request.cycleId ?? null);
    const sentAs = await this.#sentBefore(request.clientOrderId);
    if (sentAs) {
      await this.book.refreshOpen();
      const found = this.book.byRef(request.clientOrderId);
      if (found) return this.toOrder(this.stateOf(found), request.cycleId ?? null);
      // Given an id but not at the broker now: reconciliation settles it (filled, cancelled or never sent).
      this.#options.logger.warn(
        { clientOrderId: request.clientOrderId, brokerOrderId: sentAs },
        'order already given an IB id: not sent again (reconciliation settles it)',
      );
      return this.#localOrder(request, sentAs, 'open', null);
    }
    const count = idsNeeded(request);
    const firstId = await this.#options.ids.reserve(count);
    const placements = buildPlacements(request, firstId, {
      ...this.#options.contract,
      account: this.#options.account,
    });
    const clientId = this.connection.options.clientId;
    const brokerOrderId = ibBrokerOrderId(clientId, firstId);
    if (this.#options.ledger) {
      await this.#options.ledger.transaction(async (tx) => {
        await recordIntent(tx, this.name, {
          clientOrderId: request.clientOrderId,
          brokerOrderId,
          leg: request.leg ?? 'entry',
          symbol: request.symbol,
          side: request.side,
          type: request.type,
          qty: request.qty,
          limitPrice: placements[0]!.order.lmtPrice ?? request.limitPrice ?? null,
          stopPrice: placements[0]!.order.auxPrice ?? request.stopPrice ?? null,
          timeInForce: request.bracket ? 'gtc' : 'day',
          status: 'open',
          cycleId: request.cycleId ?? null,
        });
        if (request.bracket) await recordBracketLegs(tx, this.name, request, request.bracket);
      });
    }
    for (const placement of placements) {
      this.book.upsert(
        placement.orderId,
        placement.contract,
        { ...placement.order, clientId },
        'PendingSubmit',
      );
    }
    // Sent as one group; the last placeOrder transmits a bracket.
    const answer = awaitAnswer(
      this.connection,
      this.#options.logger,
      this.#options.submitTimeoutMs,
      placements.map((each) => each.orderId),
    );
    for (const placement of placements) {
      this.sends += 1;
      this.connection.api.placeOrder(placement.orderId, placement.contract, placement.order);
    }
    const rejection = await answer;
    const parent = this.book.byOrderId(firstId)!;
    if (rejection) {
      this.book.reject(firstId, rejection);
      if (this.#options.ledger)
        await markOrder(this.#options.ledger, request.clientOrderId, 'rejected', rejection);
      return this.toOrder(this.stateOf(parent), request.cycleId ?? null);
    }
    const family = [parent, ...this.book.childrenOf(parent)].map((record) => this.stateOf(record));
    if (this.#options.ledger)
      await this.#options.ledger.transaction((tx) => recordOrderStates(tx, this.name, family));
    return this.toOrder(family[0]!, request.cycleId ?? null);
  }

  #localOrder(
    request: OrderRequest,
    brokerOrderId: string,
    status: Order['status'],
    reason: string | null,
  ): Order {
    return {
      clientOrderId: request.clientOrderId,
      brokerOrderId,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      qty: request.qty,
      limitPrice: request.limitPrice ?? null,
      stopPrice: request.stopPrice ?? null,
      leg: request.leg ?? 'entry',
      parentClientOrderId: null,
      linkedClientOrderIds: [],
      status,
      submittedAt: this.#now(),
      filledAt: null,
      fillPrice: null,
      commission: 0,
      reason,
      cycleId: request.cycleId ?? null,
    };
  }

  async #find(clientOrderId: string): Promise<IbOrderRecord | undefined> {
    const cached = this.book.byRef(clientOrderId);
    if (
      cached &&
      (cached.status === 'Filled' || cached.status === 'Cancelled' || cached.status === 'Inactive')
    )
      return cached;
    await this.book.refreshOpen();
    return this.book.byRef(clientOrderId);
  }

  async getOrder(clientOrderId: string): Promise<Order | undefined> {
    this.connection.assertUsable();
    const record = await this.#find(clientOrderId);
    return record ? this.toOrder(this.stateOf(record)) : undefined;
  }

  async cancel(clientOrderId: string, reason?: string): Promise<Order | undefined> {
    this.connection.assertUsable();
    const record = await this.#find(clientOrderId);
    if (!record) return undefined;
    const state = this.stateOf(record);
    if (working(state) && record.clientId !== this.connection.options.clientId)
      // The TWS refuses a cancel from another API client (10147): say so before sending.
      throw new IbOrderRefusedError(
        `order ${clientOrderId} was placed by API client ${record.clientId}: only it can cancel it`,
        'Cancel it from that client (or flatten with reqGlobalCancel, as the watchdog does).',
      );
    if (working(state)) {
      this.connection.api.cancelOrder(record.orderId);
      await this.#settle(
        record,
        (each) => each.status === 'Cancelled' || each.status === 'Filled' || each.status === 'ApiCancelled',
      );
    }
    if (reason && record.status === 'Cancelled') record.reason ??= reason;
    const family = [record, ...this.book.childrenOf(record)].map((each) => this.stateOf(each));
    if (this.#options.ledger)
      await this.#options.ledger.transaction((tx) => recordOrderStates(tx, this.name, family));
    return this.toOrder(family[0]!);
  }

  /** Waits (up to cancelSettleMs) for the book to show `done` for the record. */
  async #settle(record: IbOrderRecord, done: (record: IbOrderRecord) => boolean): Promise<void> {
    const deadline = Date.now() + (this.#options.cancelSettleMs ?? 2_000);
    while (!done(record) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  /**
   * Moves a working stop in place: placeOrder with the same order id and the new auxPrice is IB's
   * modify (https://interactivebrokers.github.io/tws-api/modifying_orders.html), so the stop keeps
   * its id and our client order id; `newClientOrderId` is not needed.
   */
  async replaceStop(
    stop: { symbol: string; clientOrderId: string | null },
    stopPrice: number,
    _newClientOrderId: string,
  ): Promise<Order> {
    this.connection.assertUsable();
    const record = stop.clientOrderId === null ? undefined : await this.#find(stop.clientOrderId);
    if (
      !record ||
      record.symbol !== stop.symbol ||
      record.orderType !== 'STP' ||
      !working(this.stateOf(record))
    )
      throw new IbOrderRefusedError(
        `no working stop order ${stop.clientOrderId} for ${stop.symbol} at IB to move`,
        'The stop was filled, cancelled or never placed: the monitor reattaches one on its next pass.',
      );
    if (record.clientId !== this.connection.options.clientId)
      throw new IbOrderRefusedError(
        `stop ${stop.clientOrderId} was placed by API client ${record.clientId}: only it can modify it`,
        'Orders are modified by the API client that placed them: cancel it and place a new stop instead.',
      );
    const auxPrice = onTick(stopPrice, record.side === 'buy' ? 'down' : 'up');
    const placement = buildPlacements(
      {
        clientOrderId: record.orderRef ?? stop.clientOrderId!,
        symbol: record.symbol,
        side: record.side,
        type: 'stop',
        qty: record.qty,
        stopPrice: auxPrice,
      },
      record.orderId,
      { ...this.#options.contract, account: this.#options.account },
    )[0]!;
    // A child whose parent has filled stands alone: naming the parent again is refused (135).
    const parent = this.book.parentOf(record);
    placement.order.parentId = parent && parent.status !== 'Filled' ? record.parentId : 0;
    placement.order.tif = record.tif as typeof placement.order.tif;
    const answer = awaitAnswer(this.connection, this.#options.logger, this.#options.submitTimeoutMs, [
      record.orderId,
    ]);
    this.sends += 1;
    this.connection.api.placeOrder(record.orderId, placement.contract, placement.order);
    const refusal = await answer;
    if (refusal)
      throw new IbOrderRefusedError(
        `IB refused to move stop ${stop.clientOrderId}: ${refusal}`,
        'See the TWS message code in https://interactivebrokers.github.io/tws-api/message_codes.html.',
      );
    record.auxPrice = auxPrice;
    const state = this.stateOf(record);
    if (this.#options.ledger)
      await this.#options.ledger.transaction((tx) => recordOrderStates(tx, this.name, [state]));
    return this.toOrder(state);
  }

  /**
   * Flattens the account: reqGlobalCancel (every open order, every client's), then a market order
   * closing each position, under ids `<idPrefix>.<symbol>`.
   */
  async closeAll(idPrefix: string): Promise<Order[]> {
    this.connection.assertUsable();
    this.connection.api.reqGlobalCancel();
    const held = await this.brokerPositions();
    const orders: Order[] = [];
    const clientId = this.connection.options.clientId;
    for (const position of held) {
      const clientOrderId = `${idPrefix}.${position.symbol}`;
      const orderId = await this.#options.ids.reserve(1);
      const placement = closingPlacement(orderId, position.symbol, position.qty, clientOrderId, {
        ...this.#options.contract,
        account: this.#options.account,
      });
      if (this.#options.ledger)
        await recordIntent(this.#options.ledger, this.name, {
          clientOrderId,
          brokerOrderId: ibBrokerOrderId(clientId, orderId),
          leg: 'flatten',
          symbol: position.symbol,
          side: position.qty > 0 ? 'sell' : 'buy',
          type: 'market',
          qty: Math.abs(position.qty),
          status: 'open',
        });
      const record = this.book.upsert(
        orderId,
        placement.contract,
        { ...placement.order, clientId },
        'PendingSubmit',
      );
      this.sends += 1;
      this.connection.api.placeOrder(orderId, placement.contract, placement.order);
      orders.push({ ...this.toOrder(this.stateOf(record)), leg: 'flatten' });
    }
    return orders;
  }

  snapshot(localOpen: readonly LocalOpenOrder[]): Promise<BrokerSnapshot> {
    this.connection.assertUsable();
    return snapshotOf(this, localOpen);
  }
}
