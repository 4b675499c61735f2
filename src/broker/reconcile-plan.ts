import {
  advances,
  type BrokerOrderState,
  explainsSymbol,
  type FillRecord,
  type OrderState,
  type PositionRecord,
} from '../ledger/index.ts';
import { withFields } from '../platform/index.ts';

/**
 * The pure half of reconciliation: from our ledger and the broker's snapshot alone, the repairs
 * to make, each with the ledger write that makes it. No database, no clock: the same two states
 * give the same plan on every run.
 */
export interface BrokerPositionState {
  symbol: string;
  /** Negative when short. */
  qty: number;
  avgPrice: number;
}

export interface BrokerSnapshot {
  orders: BrokerOrderState[];
  positions: BrokerPositionState[];
  /** Our open client order ids the broker confirmed it does not know (404 on lookup). */
  unknownClientOrderIds: string[];
}

export type RepairKind =
  | 'order_inserted'
  | 'order_updated'
  | 'order_unknown_at_broker'
  | 'fill_inserted'
  | 'position_inserted'
  | 'position_updated'
  | 'position_removed';

/** One repair as journaled (`broker.reconciled`) and returned. */
export interface Repair {
  kind: RepairKind;
  /** client_order_id or symbol. */
  key: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface UnexplainedPosition {
  symbol: string;
  qty: number;
  avgPrice: number;
}

/** The ledger write that makes a repair. */
export type RepairWrite =
  | { kind: 'order_state'; state: BrokerOrderState }
  | { kind: 'mark_order'; clientOrderId: string; status: OrderState; reason: string }
  | { kind: 'fill'; fill: FillRecord }
  /** `unexplained`: no order of ours explains it (told to the watchdog when written). */
  | { kind: 'position'; position: PositionRecord; unexplained: UnexplainedPosition | null }
  | { kind: 'remove_position'; symbol: string };

export interface PlannedRepair extends Repair {
  write: RepairWrite;
}

export interface RepairPlan {
  /** Differences that change state (status, quantities, prices, missing rows): each journaled. */
  repairs: PlannedRepair[];
  /**
   * Fields our writes had not set that the broker's word fills in (a broker order id), changing
   * no state: written with the repairs, neither counted nor journaled.
   */
  backfills: RepairWrite[];
  /** Broker positions with no order of ours behind them (the watchdog raises a level). */
  unexplained: UnexplainedPosition[];
  /** Broker orders not placed by Signet; reported, never written. */
  foreignOrders: string[];
}

/** Our ledger of one broker, as reconciliation reads it. */
export interface LocalLedger {
  orders: LocalOrder[];
  /** Recorded fills per client order id: quantity and quantity × price. */
  fillTotals: { clientOrderId: string; qty: number; value: number }[];
  positions: LocalPosition[];
}

export interface LocalOrder {
  clientOrderId: string;
  brokerOrderId: string | null;
  parentClientOrderId: string | null;
  symbol: string;
  status: string;
  filledQty: number;
  avgFillPrice: number | null;
}

export interface LocalPosition {
  symbol: string;
  qty: number;
  avgPrice: number;
  stopClientOrderId: string | null;
  takeProfitClientOrderId: string | null;
}

const epsilon = 1e-9;
const same = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= epsilon * Math.max(1, Math.abs(a), Math.abs(b));
/** Code-unit order, independent of the locale: the same order on every machine. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const round = (value: number) => Math.round(value * 1e8) / 1e8;

/** Orders as they will stand once the order writes are applied (the ledger only moves them forward). */
class OrdersAfter {
  readonly #orders = new Map<
    string,
    { symbol: string; status: string; filledQty: number; brokerOrderId: string | null }
  >();

  constructor(local: readonly LocalOrder[]) {
    for (const order of local) this.#orders.set(order.clientOrderId, { ...order });
  }

  apply(write: RepairWrite): void {
    if (write.kind === 'order_state') {
      const { state } = write;
      const row = this.#orders.get(state.clientOrderId);
      if (row && !(state.filledQty >= row.filledQty && advances(row, state.status))) return;
      this.#orders.set(state.clientOrderId, {
        symbol: row?.symbol ?? state.symbol,
        status: state.status,
        filledQty: state.filledQty,
        brokerOrderId: state.brokerOrderId ?? row?.brokerOrderId ?? null,
      });
    } else if (write.kind === 'mark_order') {
      const row = this.#orders.get(write.clientOrderId);
      if (row && advances(row, write.status)) row.status = write.status;
    }
  }

  explainedSymbols(): Set<string> {
    return new Set([...this.#orders.values()].filter(explainsSymbol).map((order) => order.symbol));
  }
}

export function planRepairs(local: LocalLedger, snapshot: BrokerSnapshot): RepairPlan {
  const repairs: PlannedRepair[] = [];
  const backfills: RepairWrite[] = [];
  const foreignOrders: string[] = [];
  const byClientId = new Map(local.orders.map((row) => [row.clientOrderId, row]));
  const byBrokerId = new Map(
    local.orders.filter((row) => row.brokerOrderId).map((row) => [row.brokerOrderId as string, row]),
  );
  const after = new OrdersAfter(local.orders);
  const add = (repair: PlannedRepair) => {
    repairs.push(repair);
    after.apply(repair.write);
  };

  // 1. Orders, in client-order-id order. A bracket leg is ours when its parent is.
  const brokerOrders = [...snapshot.orders].sort((a, b) => byText(a.clientOrderId, b.clientOrderId));
  const ours = new Set(byClientId.keys());
  for (const order of brokerOrders) {
    if (order.parentClientOrderId && ours.has(order.parentClientOrderId)) ours.add(order.clientOrderId);
  }
  const settled: BrokerOrderState[] = [];
  for (const order of brokerOrders) {
    const row = byClientId.get(order.clientOrderId) ?? byBrokerId.get(order.brokerOrderId);
    if (!row && !ours.has(order.clientOrderId)) {
      foreignOrders.push(order.clientOrderId);
      continue;
    }
    const state = row ? withFields(order, { clientOrderId: row.clientOrderId }) : order;
    settled.push(state);
    const reported = {
      status: state.status,
      filledQty: state.filledQty,
      avgFillPrice: state.avgFillPrice,
      brokerOrderId: state.brokerOrderId,
    };
    const write: RepairWrite = { kind: 'order_state', state };
    if (!row) {
      add({
        kind: 'order_inserted',
        key: state.clientOrderId,
        before: null,
        after: withFields(reported, { symbol: state.symbol, leg: state.leg }),
        write,
      });
      continue;
    }
    const before = {
      status: row.status,
      filledQty: row.filledQty,
      avgFillPrice: row.avgFillPrice,
      brokerOrderId: row.brokerOrderId,
    };
    if (
      before.status !== reported.status ||
      !same(before.filledQty, reported.filledQty) ||
      !same(before.avgFillPrice, reported.avgFillPrice) ||
      (before.brokerOrderId !== null && before.brokerOrderId !== reported.brokerOrderId)
    )
      add({ kind: 'order_updated', key: state.clientOrderId, before, after: reported, write });
    else if (before.brokerOrderId === null) backfills.push(write);
  }
  for (const clientOrderId of [...snapshot.unknownClientOrderIds].sort()) {
    const row = byClientId.get(clientOrderId);
    if (!row || (row.status !== 'open' && row.status !== 'waiting')) continue;
    // A leg still waiting on an entry of ours follows that entry (it ends with it, see the ledger).
    if (row.status === 'waiting' && row.parentClientOrderId && byClientId.has(row.parentClientOrderId))
      continue;
    const reason = 'the broker has no such order (never reached it)';
    add({
      kind: 'order_unknown_at_broker',
      key: clientOrderId,
      before: { status: row.status },
      after: { status: 'rejected', reason },
      write: { kind: 'mark_order', clientOrderId, status: 'rejected', reason },
    });
  }

  // 2. Fills: whatever the broker filled beyond the fills we recorded, as one fill per order
  //    whose id and price follow from the broker's totals (so a rerun inserts the same or nothing).
  const totals = new Map(
    local.fillTotals.map((row) => [row.clientOrderId, { qty: row.qty, value: row.value }]),
  );
  for (const order of settled) {
    if (order.filledQty <= epsilon || order.avgFillPrice === null) continue;
    const recorded = totals.get(order.clientOrderId) ?? { qty: 0, value: 0 };
    const missing = round(order.filledQty - recorded.qty);
    if (missing <= epsilon) continue;
    const price = round((order.filledQty * order.avgFillPrice - recorded.value) / missing);
    const fillId = `reconciled:${order.brokerOrderId}:${order.filledQty}`;
    add({
      kind: 'fill_inserted',
      key: order.clientOrderId,
      before: { filledQty: recorded.qty },
      after: { filledQty: order.filledQty, qty: missing, price, fillId },
      write: {
        kind: 'fill',
        fill: {
          clientOrderId: order.clientOrderId,
          executionId: fillId,
          symbol: order.symbol,
          side: order.side,
          qty: missing,
          price: price > 0 ? price : order.avgFillPrice,
          time: order.filledAt ?? order.submittedAt,
        },
      },
    });
  }

  // 3. Positions: the broker's, with the protective orders still working for each symbol, on
  // the side that closes it (a buy for a short): a sell stop never stands for a short's stop.
  const working = (leg: string, symbol: string, qty: number) =>
    settled
      .filter(
        (order) =>
          order.symbol === symbol &&
          order.leg === leg &&
          order.side === (qty < 0 ? 'buy' : 'sell') &&
          (order.status === 'open' || order.status === 'waiting'),
      )
      .map((order) => order.clientOrderId)
      .sort()[0] ?? null;
  const localPositions = new Map(local.positions.map((row) => [row.symbol, row]));
  const explained = after.explainedSymbols();
  const unexplained: UnexplainedPosition[] = [];
  const brokerPositions = [...snapshot.positions].sort((a, b) => byText(a.symbol, b.symbol));
  for (const position of brokerPositions) {
    const target = {
      qty: position.qty,
      avgPrice: position.avgPrice,
      stopClientOrderId: working('stop_loss', position.symbol, position.qty),
      takeProfitClientOrderId: working('take_profit', position.symbol, position.qty),
    };
    const isExplained = explained.has(position.symbol);
    const stranger = { symbol: position.symbol, qty: position.qty, avgPrice: position.avgPrice };
    if (!isExplained) unexplained.push(stranger);
    const row = localPositions.get(position.symbol);
    const before = row
      ? {
          qty: row.qty,
          avgPrice: row.avgPrice,
          stopClientOrderId: row.stopClientOrderId,
          takeProfitClientOrderId: row.takeProfitClientOrderId,
        }
      : null;
    if (
      before &&
      same(before.qty, target.qty) &&
      same(before.avgPrice, target.avgPrice) &&
      before.stopClientOrderId === target.stopClientOrderId &&
      before.takeProfitClientOrderId === target.takeProfitClientOrderId
    )
      continue;
    add({
      kind: before ? 'position_updated' : 'position_inserted',
      key: position.symbol,
      before,
      after: withFields(target, { explained: isExplained }),
      // Told once, when the position first appears or changes; still reported on every run.
      write: {
        kind: 'position',
        position: { symbol: position.symbol, ...target },
        unexplained: isExplained ? null : stranger,
      },
    });
  }
  const held = new Set(brokerPositions.map((position) => position.symbol));
  for (const [symbol, row] of [...localPositions].sort(([a], [b]) => byText(a, b))) {
    if (held.has(symbol)) continue;
    add({
      kind: 'position_removed',
      key: symbol,
      before: { qty: row.qty, avgPrice: row.avgPrice },
      after: null,
      write: { kind: 'remove_position', symbol },
    });
  }
  return { repairs, backfills, unexplained, foreignOrders };
}

/** A repair as journaled and returned, without the write that made it. */
export function withoutWrite({ kind, key, before, after }: PlannedRepair): Repair {
  return { kind, key, before, after };
}
