import type { OrderStatus } from '../broker/index.ts';

/**
 * Every status an `orders` row may hold, the one list: the CHECK constraint on `orders.status`
 * (migration 0400) names exactly these, and a test holds the two together.
 *
 * An order's status only moves forward: waiting / pending → open → final.
 * - `pending_submit`: our intent, committed before the broker saw the order.
 * - `waiting`: a bracket leg whose entry has not filled yet.
 * - `open`: working at the broker.
 * - final: `filled`, `cancelled`, `rejected`, and `not_sent` (an intent the broker never got).
 */
export const ORDER_STATES = [
  'pending_submit',
  'waiting',
  'open',
  'filled',
  'cancelled',
  'rejected',
  'not_sent',
] as const;

export type OrderState = (typeof ORDER_STATES)[number];

/** The broker contract's statuses are ledger states (this fails to compile if one is not). */
const brokerStatusesAreStates: readonly OrderState[] = [] as OrderStatus[];
void brokerStatusesAreStates;

/** How far along waiting / pending → open → final a state is. */
export const ORDER_STATE_RANK: Readonly<Record<OrderState, number>> = {
  pending_submit: 0,
  waiting: 0,
  open: 1,
  filled: 2,
  cancelled: 2,
  rejected: 2,
  not_sent: 2,
};

export function isOrderState(value: string): value is OrderState {
  return (ORDER_STATES as readonly string[]).includes(value);
}

/**
 * Final states we set ourselves before the broker ever reported the order (no broker id yet):
 * the broker's own word may still replace them (it did receive the order after all).
 */
const provisionalFinals: readonly OrderState[] = ['rejected', 'not_sent'];

export interface StatusHolder {
  status: string;
  brokerOrderId: string | null;
}

/**
 * Whether a reported status may replace the recorded one: never back along the order, except
 * over a final state we set ourselves before the broker knew the order. Mirrors the SQL guard
 * (`advancesSql`), so a pure plan knows what the database will keep.
 */
export function advances(recorded: StatusHolder, next: string): boolean {
  const from = isOrderState(recorded.status) ? ORDER_STATE_RANK[recorded.status] : 0;
  const to = isOrderState(next) ? ORDER_STATE_RANK[next] : 0;
  if (to >= from) return true;
  return recorded.brokerOrderId === null && provisionalFinals.some((state) => state === recorded.status);
}

const quoted = (states: readonly string[]) => states.map((state) => `'${state}'`).join(', ');

/** The rank of a status column or parameter, in SQL. */
export function rankSql(expression: string): string {
  const cases = ORDER_STATES.map((state) => `WHEN '${state}' THEN ${ORDER_STATE_RANK[state]}`).join(' ');
  return `(CASE ${expression} ${cases} ELSE 0 END)`;
}

/**
 * SQL condition: `next` (a status expression) may replace the row's `status` (see `advances`).
 * `row` is the table name or alias whose status and broker_order_id are compared.
 */
export function advancesSql(next: string, row = 'orders'): string {
  return `(${rankSql(next)} >= ${rankSql(`${row}.status`)}
       OR (${row}.broker_order_id IS NULL AND ${row}.status IN (${quoted(provisionalFinals)})))`;
}

/** An order explains its symbol when it filled or is still on its way (see ledgerSql.explainedSymbols). */
export function explainsSymbol(order: { status: string; filledQty: number }): boolean {
  return (
    order.filledQty > 0 ||
    order.status === 'pending_submit' ||
    order.status === 'open' ||
    order.status === 'waiting'
  );
}
