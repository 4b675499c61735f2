/** The fake Alpaca's order and position records, and an order as Alpaca's JSON shows it. */
export interface FakeOrder {
  id: string;
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | 'stop';
  time_in_force: string;
  qty: number;
  filled_qty: number;
  filled_avg_price: number | null;
  limit_price: number | null;
  stop_price: number | null;
  status: string;
  order_class: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  canceled_at: string | null;
  legs: FakeOrder[] | null;
  parentId: string | null;
  replaced_at?: string | null;
  replaced_by?: string | null;
  replaces?: string | null;
}

export interface FakePosition {
  symbol: string;
  qty: number;
  avgPrice: number;
}

export interface TradeUpdateData {
  event: string;
  order: Record<string, unknown>;
  execution_id?: string;
  timestamp?: string;
  price?: string;
  qty?: string;
  position_qty?: string;
}

const money = (value: number | null) => (value === null ? null : String(Number(value.toFixed(6))));

export function orderJson(order: FakeOrder): Record<string, unknown> {
  return {
    id: order.id,
    client_order_id: order.client_order_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    submitted_at: order.submitted_at,
    filled_at: order.filled_at,
    expired_at: null,
    canceled_at: order.canceled_at,
    failed_at: null,
    replaced_at: order.replaced_at ?? null,
    replaced_by: order.replaced_by ?? null,
    replaces: order.replaces ?? null,
    asset_id: '00000000-0000-4000-8000-000000000000',
    symbol: order.symbol,
    asset_class: 'us_equity',
    notional: null,
    qty: money(order.qty),
    filled_qty: money(order.filled_qty),
    filled_avg_price: money(order.filled_avg_price),
    order_class: order.order_class,
    order_type: order.type,
    type: order.type,
    side: order.side,
    position_intent: order.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    time_in_force: order.time_in_force,
    limit_price: money(order.limit_price),
    stop_price: money(order.stop_price),
    status: order.status,
    extended_hours: false,
    legs: order.legs ? order.legs.map(orderJson) : null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    subtag: null,
    source: null,
  };
}
