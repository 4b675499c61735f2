import { AlpacaHttp, type AlpacaHttpOptions } from './http.ts';
import {
  type AlpacaAccount,
  type AlpacaAsset,
  type AlpacaCalendarDay,
  type AlpacaClock,
  type AlpacaOrder,
  type AlpacaPosition,
  accountSchema,
  assetSchema,
  calendarSchema,
  clockSchema,
  closeAllSchema,
  orderListSchema,
  orderSchema,
  positionListSchema,
} from './schemas.ts';

/** The body of `POST /v2/orders`; decimals are sent as strings, as Alpaca documents. */
export interface AlpacaOrderBody {
  symbol: string;
  qty: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | 'stop';
  time_in_force: 'day' | 'gtc';
  client_order_id: string;
  limit_price?: string;
  stop_price?: string;
  order_class?: 'simple' | 'bracket' | 'oto';
  take_profit?: { limit_price: string };
  stop_loss?: { stop_price: string };
}

/** The body of `PATCH /v2/orders/{order_id}`: only the fields given change. */
export interface AlpacaReplaceBody {
  qty?: string;
  limit_price?: string;
  stop_price?: string;
  client_order_id?: string;
}

/** Alpaca's Trading API v2, one method per endpoint Signet uses. */
export class AlpacaTradingClient {
  readonly http: AlpacaHttp;

  constructor(options: AlpacaHttpOptions | AlpacaHttp) {
    this.http = options instanceof AlpacaHttp ? options : new AlpacaHttp(options);
  }

  async account(): Promise<AlpacaAccount> {
    return (await this.http.request(accountSchema, 'GET', '/v2/account')).value!;
  }

  async asset(symbol: string): Promise<AlpacaAsset> {
    return (await this.http.request(assetSchema, 'GET', `/v2/assets/${encodeURIComponent(symbol)}`)).value!;
  }

  async clock(): Promise<AlpacaClock> {
    return (await this.http.request(clockSchema, 'GET', '/v2/clock')).value!;
  }

  async calendar(start: string, end: string): Promise<AlpacaCalendarDay[]> {
    return (await this.http.request(calendarSchema, 'GET', '/v2/calendar', { query: { start, end } })).value!;
  }

  async positions(): Promise<AlpacaPosition[]> {
    return (await this.http.request(positionListSchema, 'GET', '/v2/positions')).value!;
  }

  /** Never retried on a timeout or 5xx here: the caller decides after a lookup. */
  async submitOrder(body: AlpacaOrderBody, timeoutMs?: number): Promise<AlpacaOrder> {
    return (
      await this.http.request(orderSchema, 'POST', '/v2/orders', { body, timeoutMs, idempotent: false })
    ).value!;
  }

  /** The order, or undefined when the broker does not know the id (404). */
  async orderByClientId(clientOrderId: string): Promise<AlpacaOrder | undefined> {
    try {
      return (
        await this.http.request(orderSchema, 'GET', '/v2/orders:by_client_order_id', {
          query: { client_order_id: clientOrderId },
        })
      ).value;
    } catch (error) {
      if (error instanceof Error && (error as { code?: string }).code === 'broker_not_found')
        return undefined;
      throw error;
    }
  }

  /** The order by Alpaca's id, its bracket legs rolled up under `legs` (documented with nested=true). */
  async orderById(orderId: string): Promise<AlpacaOrder | undefined> {
    try {
      return (
        await this.http.request(orderSchema, 'GET', `/v2/orders/${encodeURIComponent(orderId)}`, {
          query: { nested: true },
        })
      ).value;
    } catch (error) {
      if (error instanceof Error && (error as { code?: string }).code === 'broker_not_found')
        return undefined;
      throw error;
    }
  }

  /**
   * The order with our id and its bracket legs. `by_client_order_id` has no `nested` parameter,
   * so its legs are not to be relied on: the order is read again by Alpaca's id with nested=true
   * (https://docs.alpaca.markets/us/reference/getorderbyorderid-1).
   */
  async orderFamilyByClientId(clientOrderId: string): Promise<AlpacaOrder | undefined> {
    const order = await this.orderByClientId(clientOrderId);
    if (!order) return undefined;
    return (await this.orderById(order.id)) ?? order;
  }

  async listOrders(query: {
    status?: 'open' | 'closed' | 'all';
    after?: string;
    limit?: number;
    direction?: 'asc' | 'desc';
    nested?: boolean;
  }): Promise<AlpacaOrder[]> {
    return (await this.http.request(orderListSchema, 'GET', '/v2/orders', { query })).value!;
  }

  /**
   * `PATCH /v2/orders/{order_id}` (https://docs.alpaca.markets/reference/patchorderbyorderid-1):
   * the answer is the replacing order, under a new id; the old order goes `pending_replace`, then
   * `replaced` on trade_updates. Not retried: a lost answer is looked up by the caller.
   */
  async replaceOrder(orderId: string, body: AlpacaReplaceBody): Promise<AlpacaOrder> {
    return (
      await this.http.request(orderSchema, 'PATCH', `/v2/orders/${encodeURIComponent(orderId)}`, {
        body,
        idempotent: false,
      })
    ).value!;
  }

  async cancelOrder(orderId: string): Promise<void> {
    await this.http.request(undefined, 'DELETE', `/v2/orders/${encodeURIComponent(orderId)}`, {
      idempotent: true,
    });
  }

  /** Cancels every open order and closes every position (207 multi-status). */
  async closeAllPositions(): Promise<Array<{ symbol: string; status: number; body?: unknown }>> {
    return (
      (
        await this.http.request(closeAllSchema, 'DELETE', '/v2/positions', {
          query: { cancel_orders: true },
          idempotent: true,
        })
      ).value ?? []
    );
  }
}
