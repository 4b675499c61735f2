import type { Order, OrderStatus } from '../../../broker/index.ts';
import type { SymbolSpec } from './lots.ts';

/** Rows the MT5 broker reads (orders and the EA's positions), and their mapping to the contract. */
export interface OrderRow extends Record<string, unknown> {
  client_order_id: string;
  broker_order_id: string | null;
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
  filled_at: number | null;
  children: string[];
}

export interface TicketRow extends Record<string, unknown> {
  ticket: string;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  price_open: number;
  sl: number | null;
  tp: number | null;
  opened_utc: number | null;
  contract_size: number | null;
}

export function orderFromRow(row: OrderRow): Order {
  return {
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type === 'stop_limit' ? 'stop' : (row.type as Order['type']),
    qty: Number(row.qty),
    limitPrice: row.limit_price === null ? null : Number(row.limit_price),
    stopPrice: row.stop_price === null ? null : Number(row.stop_price),
    leg: row.leg,
    parentClientOrderId: row.parent_client_order_id,
    linkedClientOrderIds: row.children,
    status: row.status as OrderStatus,
    submittedAt: new Date(row.submitted_at).getTime(),
    filledAt: row.filled_at === null ? null : Number(row.filled_at),
    fillPrice: row.avg_fill_price === null ? null : Number(row.avg_fill_price),
    commission: 0,
    reason: row.reject_reason,
    cycleId: row.cycle_id,
  };
}

export function toSpec(row: {
  contract_size: number;
  volume_min: number;
  volume_step: number;
  volume_max: number | null;
  digits?: number | null;
  tick_size?: number | null;
}): SymbolSpec {
  return {
    contractSize: Number(row.contract_size),
    volumeMin: Number(row.volume_min),
    volumeStep: Number(row.volume_step),
    volumeMax: row.volume_max === null ? null : Number(row.volume_max),
    digits: row.digits === null || row.digits === undefined ? null : Number(row.digits),
    tickSize: row.tick_size === null || row.tick_size === undefined ? null : Number(row.tick_size),
  };
}
