import type { Account, Broker, Order, OrderRequest, OrderStatus, Position } from '../broker.ts';
import { recordOrderIntent } from '../reconcile-ledger.ts';
import { mt5BrokerName, queueCommand, type TransactionalStore } from './bridge.ts';
import { mt5Sql } from './sql.ts';

export interface Mt5BrokerOptions {
  store: TransactionalStore;
  terminalId: string;
  /** A command not picked up within this many seconds expires (and its order is cancelled). */
  commandTtlS: number;
  /** MT5 magic number marking Signet's positions. */
  magic?: number;
  deviationPoints?: number;
}

interface OrderRow extends Record<string, unknown> {
  client_order_id: string;
  parent_client_order_id: string | null;
  leg: Order['leg'];
  symbol: string;
  side: Order['side'];
  type: string;
  qty: number;
  limit_price: number | null;
  stop_price: number | null;
  status: string;
  avg_fill_price: number | null;
  reject_reason: string | null;
  cycle_id: string | null;
  submitted_at: Date;
}

/**
 * The `Broker` contract over the EA bridge. Orders become commands queued in Postgres for the
 * EA to poll (stop-loss and take-profit travel on the MT5 position itself, so a bracket is one
 * command); results arrive as the EA's acknowledgements and positions reports. Volumes are lots.
 */
export class Mt5Broker implements Broker {
  readonly name = mt5BrokerName;

  constructor(private readonly options: Mt5BrokerOptions) {}

  async account(): Promise<Account> {
    const result = await this.options.store.query<{
      details: { account?: { balance?: number; equity?: number; margin_free?: number } };
    }>(mt5Sql.heartbeatAge(), [`mt5:${this.options.terminalId}`]);
    const account = result.rows[0]?.details.account;
    return { cash: account?.margin_free ?? account?.balance ?? 0, equity: account?.equity ?? 0 };
  }

  async positions(): Promise<Position[]> {
    const result = await this.options.store.query<{
      symbol: string;
      side: string;
      volume: number;
      price_open: number;
    }>(mt5Sql.positionsOf());
    const bySymbol = new Map<string, Position>();
    for (const row of result.rows) {
      const position = bySymbol.get(row.symbol) ?? {
        symbol: row.symbol,
        qty: 0,
        avgPrice: 0,
        stopClientOrderId: null,
        takeProfitClientOrderId: null,
        openedAt: 0,
      };
      const volume = Number(row.volume) * (row.side === 'buy' ? 1 : -1);
      const total = Math.abs(position.qty) + Math.abs(volume);
      position.avgPrice =
        (Math.abs(position.qty) * position.avgPrice + Math.abs(volume) * Number(row.price_open)) / total;
      position.qty += volume;
      bySymbol.set(row.symbol, position);
    }
    return [...bySymbol.values()];
  }

  async submit(request: OrderRequest): Promise<Order> {
    await this.options.store.transaction(async (tx) => {
      await recordOrderIntent(tx, this.name, request);
      await queueCommand(tx, {
        command_id: `cmd_${request.clientOrderId}`,
        terminalId: this.options.terminalId,
        clientOrderId: request.clientOrderId,
        ttlS: this.options.commandTtlS,
        action: 'open',
        symbol: request.symbol,
        side: request.side,
        volume: request.qty,
        order_type: request.type,
        price: request.limitPrice ?? request.stopPrice ?? 0,
        sl: request.bracket?.stopLoss ?? 0,
        tp: request.bracket?.takeProfit ?? 0,
        deviation_points: this.options.deviationPoints ?? 10,
        magic: this.options.magic ?? 20261121,
        comment: request.clientOrderId.slice(0, 31),
      });
    });
    return (await this.getOrder(request.clientOrderId)) as Order;
  }

  async getOrder(clientOrderId: string): Promise<Order | undefined> {
    const result = await this.options.store.query<OrderRow>(mt5Sql.orderByClientId(), [
      clientOrderId,
      this.name,
    ]);
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      clientOrderId: row.client_order_id,
      symbol: row.symbol,
      side: row.side,
      type: row.type === 'stop_limit' ? 'stop' : (row.type as Order['type']),
      qty: Number(row.qty),
      limitPrice: row.limit_price,
      stopPrice: row.stop_price,
      leg: row.leg,
      parentClientOrderId: row.parent_client_order_id,
      linkedClientOrderIds: [],
      status: row.status as OrderStatus,
      submittedAt: new Date(row.submitted_at).getTime(),
      filledAt: null,
      fillPrice: row.avg_fill_price,
      commission: 0,
      reason: row.reject_reason,
      cycleId: row.cycle_id,
    };
  }

  /** Withdraws an order the EA has not picked up yet; a delivered one is left to its acknowledgement. */
  async cancel(clientOrderId: string, reason = 'cancelled before delivery'): Promise<Order | undefined> {
    await this.options.store.transaction(async (tx) => {
      const withdrawn = await tx.query(mt5Sql.cancelQueued(), [clientOrderId]);
      if (withdrawn.rows.length > 0)
        await tx.query(mt5Sql.settleOrder(), [clientOrderId, 'cancelled', null, 0, null, reason, this.name]);
    });
    return this.getOrder(clientOrderId);
  }

  /** Queues one close_all command (the EA closes every position and deletes pending orders). */
  async closeAll(idPrefix: string): Promise<Order[]> {
    await queueCommand(this.options.store, {
      command_id: `cmd_${idPrefix}-close_all`,
      terminalId: this.options.terminalId,
      clientOrderId: null,
      ttlS: this.options.commandTtlS,
      action: 'close_all',
      magic: this.options.magic ?? 20261121,
    });
    return [];
  }
}
