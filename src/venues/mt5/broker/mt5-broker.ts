import type { Account, Broker, Order, OrderRequest, Position } from '../../../broker/index.ts';
import { BrokerNotConnectedError, protectiveStop } from '../../../broker/index.ts';
import type { Config } from '../../../config/index.ts';
import { SignetError } from '../../../errors/index.ts';
import { markQueued, recordIntent, recordOrderIntent, settleOrder } from '../../../ledger/index.ts';
import { mt5BrokerName, queueCommand, type TransactionalStore } from './bridge.ts';
import { lotsFor, type SymbolSpec } from './lots.ts';
import { type OrderRow, orderFromRow, type TicketRow, toSpec } from './mt5-rows.ts';
import { onMt5Grid } from './price-grid.ts';
import type { EaCommand } from './schemas.ts';
import { mt5Sql } from './sql.ts';

export interface Mt5BrokerOptions {
  store: TransactionalStore;
  /** The terminal to trade (`<login>@<server>`); unset: the only terminal whose EA has beaten. */
  terminalId?: string;
  /** A command not picked up within this many seconds expires (and its order is cancelled). */
  commandTtlS: number;
  /** MT5 magic number marking Signet's positions. */
  magic?: number;
  deviationPoints?: number;
  /** `signet start --live` was given: entries may go to a real-money account. */
  liveConfirmed?: boolean;
}

const defaultMagic = 20261121;

interface HeartbeatDetails {
  account?: {
    login?: number;
    server?: string;
    balance?: number;
    equity?: number;
    margin_free?: number;
    trade_mode?: number;
  } | null;
  trade_allowed?: boolean | null;
  ea_version?: string;
}

/** ACCOUNT_TRADE_MODE of a real-money account (0 demo, 1 contest). */
const realAccount = 2;

/**
 * The `Broker` contract over the EA bridge. Orders become commands queued in Postgres for the
 * EA to poll; results arrive as the EA's acknowledgements and positions reports.
 *
 * MT5 keeps stop-loss and take-profit on the position itself, so an entry's bracket is one
 * `open` command, a stop-loss order for a held symbol is a `modify` of its positions' SL, and
 * an exit is a `close` of each of its tickets. Quantities are units of the instrument on our
 * side and lots on the EA's, converted with the contract the EA reported for the symbol.
 */
export class Mt5Broker implements Broker {
  readonly name = mt5BrokerName;
  #terminalId: string | undefined;

  constructor(private readonly options: Mt5BrokerOptions) {
    this.#terminalId = options.terminalId;
  }

  /** The terminal orders go to; without one configured, the only one that has connected. */
  async terminal(): Promise<{ terminalId: string; details: HeartbeatDetails; ageMs: number | null }> {
    const heard = (
      await this.options.store.query<{ terminal_id: string; age_ms: number; details: HeartbeatDetails }>(
        mt5Sql.terminalsHeard(),
      )
    ).rows;
    if (this.#terminalId) {
      const row = heard.find((each) => each.terminal_id === this.#terminalId);
      return {
        terminalId: this.#terminalId,
        details: row?.details ?? {},
        ageMs: row ? Number(row.age_ms) : null,
      };
    }
    if (heard.length === 0)
      throw new BrokerNotConnectedError('no MetaTrader 5 terminal has connected to the ingress yet', {
        fix: 'Attach SignetBridge.mq5 to a chart (token = SIGNET_MT5_TOKEN, URL on the WebRequest allow-list), or set broker.mt5.terminalId.',
      });
    if (heard.length > 1)
      throw new SignetError(
        `several MetaTrader 5 terminals are connected (${heard.map((each) => each.terminal_id).join(', ')})`,
        {
          code: 'mt5_terminal_ambiguous',
          fault: 'user',
          fix: 'Set broker.mt5.terminalId to the one to trade.',
        },
      );
    const row = heard[0]!;
    this.#terminalId = row.terminal_id;
    return { terminalId: row.terminal_id, details: row.details, ageMs: Number(row.age_ms) };
  }

  async account(): Promise<Account> {
    const { terminalId, details } = await this.terminal();
    const account = details.account;
    if (!account || account.equity === undefined)
      throw new BrokerNotConnectedError(`terminal ${terminalId} has not reported its account yet`, {
        fix: 'Wait for the EA heartbeat (SignetBridge posts the account with it).',
      });
    return {
      cash: account.margin_free ?? account.balance ?? 0,
      equity: account.equity,
      // A login is unique on its trade server only.
      id: account.login === undefined ? undefined : `${account.login}@${account.server ?? terminalId}`,
    };
  }

  async #tickets(terminalId: string, symbol?: string): Promise<TicketRow[]> {
    const rows = (await this.options.store.query<TicketRow>(mt5Sql.positionsOf(), [terminalId])).rows;
    return symbol === undefined ? rows : rows.filter((row) => row.symbol === symbol);
  }

  async positions(): Promise<Position[]> {
    const { terminalId } = await this.terminal();
    const bySymbol = new Map<string, Position>();
    for (const row of await this.#tickets(terminalId)) {
      const position: Position = bySymbol.get(row.symbol) ?? {
        symbol: row.symbol,
        qty: 0,
        avgPrice: 0,
        stopClientOrderId: null,
        takeProfitClientOrderId: null,
        stopPriceOnPosition: Number.POSITIVE_INFINITY,
        openedAt: 0,
      };
      const units = Number(row.volume) * Number(row.contract_size ?? 1) * (row.side === 'buy' ? 1 : -1);
      const total = Math.abs(position.qty) + Math.abs(units);
      position.avgPrice =
        (Math.abs(position.qty) * position.avgPrice + Math.abs(units) * Number(row.price_open)) / total;
      position.qty += units;
      const opened = row.opened_utc === null ? 0 : Number(row.opened_utc) * 1000;
      if (opened > 0 && (position.openedAt === 0 || opened < position.openedAt)) position.openedAt = opened;
      // The position is protected only if every ticket carries a stop-loss; the farthest one counts:
      // the lowest under a long, the highest above a short.
      const sl = Number(row.sl ?? 0);
      const current = position.stopPriceOnPosition ?? null;
      position.stopPriceOnPosition =
        sl > 0 && current !== null
          ? current === Number.POSITIVE_INFINITY
            ? sl
            : row.side === 'buy'
              ? Math.min(current, sl)
              : Math.max(current, sl)
          : null;
      bySymbol.set(row.symbol, position);
    }
    return [...bySymbol.values()];
  }

  async submit(request: OrderRequest): Promise<Order> {
    const existing = await this.getOrder(request.clientOrderId);
    if (existing) return existing;
    const leg = request.leg ?? 'entry';
    const { terminalId, details, ageMs } = await this.terminal();
    let refusal: string | null = null;
    if (leg === 'entry') refusal = await this.#queueEntry(terminalId, details, ageMs, request);
    else if (leg === 'stop_loss' || leg === 'take_profit')
      refusal = await this.#queueModify(terminalId, request);
    else if (request.type === 'market') refusal = await this.#queueClose(terminalId, request);
    else
      refusal = `a ${request.type} ${leg} order is not supported over the EA bridge: exits are market closes`;
    if (refusal !== null) {
      await this.options.store.transaction(async (tx) => {
        await recordOrderIntent(tx, this.name, request);
        await settleOrder(tx, this.name, request.clientOrderId, { status: 'rejected', reason: refusal });
      });
    }
    return (await this.getOrder(request.clientOrderId)) as Order;
  }

  /**
   * Moves the SL of the symbol's positions: MT5 keeps it on each position, so the move is the
   * `modify` command a re-attached stop is (a stop-loss order for a held symbol), queued under
   * `newClientOrderId`, the SL on the symbol's grid rounded toward the entry (price-grid.ts). The
   * EA's PositionModify answers; the trade server refuses an SL inside the stops level with 10016
   * (TRADE_RETCODE_INVALID_STOPS) and the position keeps its SL. Answers the queued (or refused) order.
   */
  async replaceStop(
    stop: { symbol: string; clientOrderId: string | null },
    stopPrice: number,
    newClientOrderId: string,
  ): Promise<Order> {
    const position = (await this.positions()).find((each) => each.symbol === stop.symbol);
    if (!position || position.qty === 0)
      throw new Error(`no ${stop.symbol} position whose stop could be moved`);
    return this.submit(protectiveStop(newClientOrderId, position, stopPrice));
  }

  async #spec(terminalId: string, symbol: string): Promise<SymbolSpec | undefined> {
    const row = (
      await this.options.store.query<{
        contract_size: number;
        volume_min: number;
        volume_step: number;
        volume_max: number | null;
        digits: number | null;
        tick_size: number | null;
      }>(mt5Sql.symbolSpec(), [terminalId, symbol])
    ).rows[0];
    return row && toSpec(row);
  }

  /** Why an order for `symbol` could not be sized now (null: it can). */
  async sizeCheck(symbol: string): Promise<string | null> {
    const { terminalId } = await this.terminal();
    return (await this.#spec(terminalId, symbol)) ? null : 'no contract size reported';
  }

  /** Queues the `open` command; a reason instead when the order must not go out. */
  async #queueEntry(
    terminalId: string,
    details: HeartbeatDetails,
    ageMs: number | null,
    request: OrderRequest,
  ): Promise<string | null> {
    if (ageMs === null) return `terminal ${terminalId} has never beaten: no order goes to it`;
    if (details.trade_allowed === false)
      return `terminal ${terminalId} reports trading disabled (the Algo Trading button or the EA's "Allow Algo Trading")`;
    // As with Alpaca live: real money needs the operator's explicit --live. Protective orders
    // (stops, exits, flatten) never need it: they only reduce risk.
    if (details.account?.trade_mode === realAccount && this.options.liveConfirmed !== true)
      return `terminal ${terminalId} is a real-money account: start Signet with --live to trade it`;
    const spec = await this.#spec(terminalId, request.symbol);
    if (!spec)
      return `no contract size reported for ${request.symbol}: its bars must come from SignetBridge 1.1 or later`;
    const sized = lotsFor(request.qty, spec);
    if ('refusal' in sized) return `${request.symbol}: ${sized.refusal}`;
    // On the symbol's grid, each price rounded the way that never widens risk (price-grid.ts);
    // the child rows below keep the rounded prices, the ones MT5 will hold.
    const onGrid = (price: number | undefined, role: 'entry' | 'stop_loss' | 'take_profit') =>
      onMt5Grid(price ?? 0, role, request.side, spec.digits, spec.tickSize);
    const stopLoss = onGrid(request.bracket?.stopLoss, 'stop_loss');
    const takeProfit = onGrid(request.bracket?.takeProfit, 'take_profit');
    await this.options.store.transaction(async (tx) => {
      await recordOrderIntent(tx, this.name, request);
      await markQueued(tx, this.name, request.clientOrderId);
      await queueCommand(tx, {
        command_id: `cmd_${request.clientOrderId}`,
        terminalId,
        clientOrderId: request.clientOrderId,
        ttlS: this.options.commandTtlS,
        action: 'open',
        symbol: request.symbol,
        side: request.side,
        volume: sized.lots,
        order_type: request.type,
        price: onGrid(request.limitPrice ?? request.stopPrice, 'entry'),
        sl: stopLoss,
        tp: takeProfit,
        deviation_points: this.options.deviationPoints ?? 10,
        magic: this.options.magic ?? defaultMagic,
        comment: request.clientOrderId.slice(0, 31),
        contract_size: spec.contractSize,
      });
      const exitSide = request.side === 'buy' ? 'sell' : 'buy';
      const legs = [
        { suffix: 'sl', leg: 'stop_loss', type: 'stop', limit: null, stop: stopLoss || undefined },
        { suffix: 'tp', leg: 'take_profit', type: 'limit', limit: takeProfit || undefined, stop: null },
      ] as const;
      for (const leg of legs) {
        const price = leg.stop ?? leg.limit;
        if (!price) continue;
        // Kept as a child row like every broker's legs: MT5 holds it on the position, and this
        // row remembers its price if someone removes it in the terminal.
        await recordIntent(tx, this.name, {
          clientOrderId: `${request.clientOrderId}.${leg.suffix}`,
          parentClientOrderId: request.clientOrderId,
          leg: leg.leg,
          symbol: request.symbol,
          side: exitSide,
          type: leg.type,
          qty: request.qty,
          limitPrice: leg.limit ?? null,
          stopPrice: leg.stop ?? null,
          timeInForce: 'gtc',
          status: 'waiting',
          cycleId: request.cycleId ?? null,
        });
      }
    });
    return null;
  }

  /** A stop-loss (or take-profit) for a held symbol: each of its positions gets that SL (or TP). */
  async #queueModify(terminalId: string, request: OrderRequest): Promise<string | null> {
    const price = request.leg === 'stop_loss' ? request.stopPrice : request.limitPrice;
    if (price === undefined || !(price > 0))
      return `a ${request.leg} needs a ${request.leg === 'stop_loss' ? 'stopPrice' : 'limitPrice'}`;
    const tickets = await this.#tickets(terminalId, request.symbol);
    if (tickets.length === 0) return `no ${request.symbol} position on terminal ${terminalId} to protect`;
    // A protective order closes the position: a buy for a short, a sell for a long. One of the
    // wrong side is a mistake upstream; it is refused rather than set on the ticket.
    const wrong = tickets.find((ticket) => (ticket.side === 'buy' ? 'sell' : 'buy') !== request.side);
    if (wrong)
      return `a ${request.side} ${request.leg} does not close the ${wrong.side === 'buy' ? 'long' : 'short'} ${request.symbol} position (ticket ${wrong.ticket})`;
    // The monitor and the watchdog may both ask before the EA has acted: the first change wins,
    // so two stop prices never race each other to the terminal.
    const pending = await this.options.store.query<{ command_id: string; ticket: number }>(
      mt5Sql.modifyPending(),
      [terminalId],
    );
    const busy = pending.rows.find((row) =>
      tickets.some((ticket) => Number(ticket.ticket) === Number(row.ticket)),
    );
    if (busy)
      return `a change to the ${request.symbol} position is already on its way to the EA (${busy.command_id})`;
    const grid = (
      await this.options.store.query<{ digits: number | null; tick_size: number | null }>(mt5Sql.digits(), [
        terminalId,
        request.symbol,
      ])
    ).rows[0];
    const digits = grid?.digits;
    const tickSize =
      grid?.tick_size === null || grid?.tick_size === undefined ? null : Number(grid.tick_size);
    // Rounded per ticket, toward its entry (price-grid.ts): a moved stop never ends up looser.
    await this.#queuePerTicket(terminalId, request, tickets, (ticket) => ({
      action: 'modify',
      symbol: request.symbol,
      position_ticket: Number(ticket.ticket),
      sl:
        request.leg === 'stop_loss'
          ? onMt5Grid(price, 'stop_loss', ticket.side, digits, tickSize)
          : Number(ticket.sl ?? 0),
      tp:
        request.leg === 'take_profit'
          ? onMt5Grid(price, 'take_profit', ticket.side, digits, tickSize)
          : Number(ticket.tp ?? 0),
    }));
    return null;
  }

  /** An exit or flatten: every ticket of the symbol is closed (MT5 closes positions, not quantities). */
  async #queueClose(terminalId: string, request: OrderRequest): Promise<string | null> {
    const tickets = await this.#tickets(terminalId, request.symbol);
    if (tickets.length === 0) return `no ${request.symbol} position on terminal ${terminalId} to close`;
    await this.#queuePerTicket(terminalId, request, tickets, (ticket) => ({
      action: 'close',
      symbol: request.symbol,
      // The deal that closes a buy position sells: the fill is recorded on that side.
      side: ticket.side === 'buy' ? 'sell' : 'buy',
      position_ticket: Number(ticket.ticket),
      deviation_points: this.options.deviationPoints ?? 10,
      contract_size: Number(ticket.contract_size ?? 1),
    }));
    return null;
  }

  async #queuePerTicket(
    terminalId: string,
    request: OrderRequest,
    tickets: TicketRow[],
    command: (ticket: TicketRow) => Omit<EaCommand, 'seq' | 'expires_utc' | 'command_id'>,
  ): Promise<void> {
    await this.options.store.transaction(async (tx) => {
      await recordOrderIntent(tx, this.name, request);
      await markQueued(tx, this.name, request.clientOrderId);
      for (const ticket of tickets) {
        await queueCommand(tx, {
          ...command(ticket),
          command_id: `cmd_${request.clientOrderId}.${ticket.ticket}`,
          terminalId,
          clientOrderId: request.clientOrderId,
          ttlS: this.options.commandTtlS,
          magic: this.options.magic ?? defaultMagic,
        });
      }
    });
  }

  async getOrder(clientOrderId: string): Promise<Order | undefined> {
    const result = await this.options.store.query<OrderRow>(mt5Sql.orderByClientId(), [
      clientOrderId,
      this.name,
    ]);
    const row = result.rows[0];
    // An intent the decision cycle recorded but never handed to us: the broker has no such order.
    if (!row || row.status === 'pending_submit') return undefined;
    return orderFromRow(row);
  }

  /**
   * Withdraws an order the EA has not picked up yet. A pending order already placed at the
   * broker (MT5 order ticket known) gets a `cancel` command; anything else is left to its ack.
   */
  async cancel(clientOrderId: string, reason = 'cancelled before delivery'): Promise<Order | undefined> {
    const order = await this.getOrder(clientOrderId);
    if (!order) return undefined;
    await this.options.store.transaction(async (tx) => {
      const withdrawn = await tx.query(mt5Sql.cancelQueued(), [clientOrderId]);
      if (withdrawn.rows.length > 0) {
        await settleOrder(tx, this.name, clientOrderId, { status: 'cancelled', reason });
        return;
      }
      const placed = await tx.query<{ broker_order_id: string | null; status: string }>(
        mt5Sql.orderByClientId(),
        [clientOrderId, this.name],
      );
      const row = placed.rows[0];
      if (row?.status === 'open' && row.broker_order_id) {
        const { terminalId } = await this.terminal();
        await queueCommand(tx, {
          command_id: `cmd_${clientOrderId}.cancel`,
          terminalId,
          clientOrderId,
          ttlS: this.options.commandTtlS,
          action: 'cancel',
          order_ticket: Number(row.broker_order_id),
        });
      }
    });
    return this.getOrder(clientOrderId);
  }

  /**
   * Queues one close_all command (the EA closes every position and deletes every pending order on
   * the account). While one is still on its way, a repeat (the watchdog asks every check
   * until the EA reports flat) queues nothing more.
   */
  async closeAll(idPrefix: string): Promise<Order[]> {
    const { terminalId } = await this.terminal();
    const pending = await this.options.store.query(mt5Sql.closeAllPending(), [terminalId]);
    if (pending.rows.length > 0) return [];
    await queueCommand(this.options.store, {
      command_id: `cmd_${idPrefix}-close_all`,
      terminalId,
      clientOrderId: null,
      ttlS: this.options.commandTtlS,
      action: 'close_all',
      // As at Alpaca: flatten means every position on the account, not only the ones we opened.
      scope: 'all',
      magic: this.options.magic ?? defaultMagic,
    });
    return [];
  }
}

/** The broker of the `broker.mt5` section, over the given database connection. */
export function createMt5Broker(
  config: Config,
  store: TransactionalStore,
  options: { liveConfirmed?: boolean } = {},
): Mt5Broker {
  const section = config.broker.mt5;
  return new Mt5Broker({
    store,
    liveConfirmed: options.liveConfirmed,
    terminalId: section.terminalId,
    commandTtlS: section.commandTtlS,
    magic: section.magic,
    deviationPoints: section.deviationPoints,
  });
}
