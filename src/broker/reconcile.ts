import { publishWith, topics } from '../bus/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { type BrokerOrderState, orderStateValues } from './reconcile-ledger.ts';
import { reconcileSql } from './reconcile-sql.ts';
import { publishLedgerFill } from './trade-messages.ts';

/**
 * Reconciliation: the broker's orders, fills and positions against our `orders`, `fills` and
 * `positions` tables, after a restart or whenever the stream may have missed something. The
 * broker is the truth. Every difference is repaired in one transaction, journaled on the bus
 * (`broker.reconciled`, one message per repair, in the same transaction as the writes) and
 * returned. Repairs are computed from the two states alone and applied in a fixed order, so the
 * same states give the same repairs on every restart, and a second run finds nothing to do.
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

export interface LocalOpenOrder {
  clientOrderId: string;
  brokerOrderId: string | null;
  submittedAt: Date;
}

/** What a broker adapter provides to reconciliation. */
export interface ReconcileSource {
  readonly name: string;
  /** The broker's current state; must cover every order in `localOpen` (found or confirmed unknown). */
  snapshot(localOpen: readonly LocalOpenOrder[]): Promise<BrokerSnapshot>;
}

export type RepairKind =
  | 'order_inserted'
  | 'order_updated'
  | 'order_unknown_at_broker'
  | 'fill_inserted'
  | 'position_inserted'
  | 'position_updated'
  | 'position_removed';

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

export interface ReconcileResult {
  broker: string;
  repairs: Repair[];
  /** Broker positions with no order of ours behind them (the watchdog raises a level). */
  unexplained: UnexplainedPosition[];
  /** Broker orders not placed by Signet; reported, never written. */
  foreignOrders: string[];
}

export interface ReconcileOptions {
  store: { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> } & Queryable;
  source: ReconcileSource;
  logger: Logger;
  /** Told after a reconciliation that repaired something (the runtime writes a journal entry). */
  onRepaired?: (result: ReconcileResult) => Promise<void>;
}

interface LocalOrderRow extends Record<string, unknown> {
  client_order_id: string;
  broker_order_id: string | null;
  parent_client_order_id: string | null;
  symbol: string;
  status: string;
  filled_qty: number;
  avg_fill_price: number | null;
}

interface LocalPositionRow extends Record<string, unknown> {
  symbol: string;
  qty: number;
  avg_price: number;
  stop_client_order_id: string | null;
  take_profit_client_order_id: string | null;
}

const epsilon = 1e-9;
const same = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= epsilon * Math.max(1, Math.abs(a), Math.abs(b));
/** Code-unit order, independent of the locale: the same order on every machine. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const round = (value: number) => Math.round(value * 1e8) / 1e8;

export async function readOpenOrders(q: Queryable, broker: string): Promise<LocalOpenOrder[]> {
  const result = await q.query<{
    client_order_id: string;
    broker_order_id: string | null;
    submitted_at: Date;
  }>(reconcileSql.openOrdersOfBroker(), [broker]);
  return result.rows.map((row) => ({
    clientOrderId: row.client_order_id,
    brokerOrderId: row.broker_order_id,
    submittedAt: new Date(row.submitted_at),
  }));
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { store, source, logger } = options;
  const broker = source.name;
  const snapshot = await source.snapshot(await readOpenOrders(store, broker));
  const result = await store.transaction(async (tx) => {
    await tx.query(reconcileSql.lockBroker(), [broker]);
    const outcome = await repairWith(tx, broker, snapshot);
    for (const repair of outcome.repairs) {
      await publishWith(tx, {
        fromAgent: 'reconciler',
        toAgent: 'operator',
        topic: topics.brokerReconciled,
        payload: { broker, ...repair },
      });
    }
    return outcome;
  });
  if (result.repairs.length > 0 || result.unexplained.length > 0) {
    logger.warn(
      { broker, repairs: result.repairs.length, unexplained: result.unexplained.map((each) => each.symbol) },
      'broker reconciled',
    );
  }
  if (result.repairs.length > 0 && options.onRepaired) {
    // The repairs are committed and on the bus already; a journal that fails to write loses nothing.
    await options
      .onRepaired(result)
      .catch((error: unknown) =>
        logger.error({ err: (error as Error).message }, 'reconciliation not journaled (it is on the bus)'),
      );
  }
  return result;
}

/** Computes and applies the repairs inside the caller's transaction (the broker lock held). */
async function repairWith(tx: Queryable, broker: string, snapshot: BrokerSnapshot): Promise<ReconcileResult> {
  const repairs: Repair[] = [];
  const foreignOrders: string[] = [];
  const localRows = (await tx.query<LocalOrderRow>(reconcileSql.ordersOfBroker(), [broker])).rows;
  const local = new Map(localRows.map((row) => [row.client_order_id, row]));
  const byBrokerId = new Map(
    localRows.filter((row) => row.broker_order_id).map((row) => [row.broker_order_id as string, row]),
  );

  // 1. Orders, in client-order-id order. A bracket leg is ours when its parent is.
  const brokerOrders = [...snapshot.orders].sort((a, b) => byText(a.clientOrderId, b.clientOrderId));
  const ours = new Set(local.keys());
  for (const order of brokerOrders) {
    if (order.parentClientOrderId && ours.has(order.parentClientOrderId)) ours.add(order.clientOrderId);
  }
  const settled: BrokerOrderState[] = [];
  for (const order of brokerOrders) {
    const row = local.get(order.clientOrderId) ?? byBrokerId.get(order.brokerOrderId);
    if (!row && !ours.has(order.clientOrderId)) {
      foreignOrders.push(order.clientOrderId);
      continue;
    }
    const state = row ? { ...order, clientOrderId: row.client_order_id } : order;
    settled.push(state);
    const after = {
      status: state.status,
      filledQty: state.filledQty,
      avgFillPrice: state.avgFillPrice,
      brokerOrderId: state.brokerOrderId,
    };
    if (!row) {
      await tx.query(reconcileSql.upsertOrderState(), orderStateValues(broker, state));
      repairs.push({
        kind: 'order_inserted',
        key: state.clientOrderId,
        before: null,
        after: { ...after, symbol: state.symbol, leg: state.leg },
      });
      continue;
    }
    const before = {
      status: row.status,
      filledQty: Number(row.filled_qty),
      avgFillPrice: row.avg_fill_price,
      brokerOrderId: row.broker_order_id,
    };
    if (
      before.status !== after.status ||
      !same(before.filledQty, after.filledQty) ||
      !same(before.avgFillPrice, after.avgFillPrice) ||
      before.brokerOrderId !== after.brokerOrderId
    ) {
      await tx.query(reconcileSql.upsertOrderState(), orderStateValues(broker, state));
      repairs.push({ kind: 'order_updated', key: state.clientOrderId, before, after });
    }
  }
  for (const clientOrderId of [...snapshot.unknownClientOrderIds].sort()) {
    const row = local.get(clientOrderId);
    if (!row || (row.status !== 'open' && row.status !== 'waiting')) continue;
    const reason = 'the broker has no such order (never reached it)';
    await tx.query(reconcileSql.markOrder(), [clientOrderId, 'rejected', reason]);
    repairs.push({
      kind: 'order_unknown_at_broker',
      key: clientOrderId,
      before: { status: row.status },
      after: { status: 'rejected', reason },
    });
  }

  // 2. Fills: whatever the broker filled beyond the fills we recorded, as one fill per order
  //    whose id and price follow from the broker's totals (so a rerun inserts the same or nothing).
  const totals = new Map(
    (
      await tx.query<{ client_order_id: string; qty: number; value: number }>(reconcileSql.fillTotals(), [
        broker,
      ])
    ).rows.map((row) => [row.client_order_id, { qty: Number(row.qty), value: Number(row.value) }]),
  );
  for (const order of settled) {
    if (order.filledQty <= epsilon || order.avgFillPrice === null) continue;
    const recorded = totals.get(order.clientOrderId) ?? { qty: 0, value: 0 };
    const missing = round(order.filledQty - recorded.qty);
    if (missing <= epsilon) continue;
    const price = round((order.filledQty * order.avgFillPrice - recorded.value) / missing);
    const fillId = `reconciled:${order.brokerOrderId}:${order.filledQty}`;
    const time = new Date(order.filledAt ?? order.submittedAt);
    const inserted = await tx.query(reconcileSql.insertFill(), [
      order.clientOrderId,
      fillId,
      broker,
      order.symbol,
      order.side,
      missing,
      price > 0 ? price : order.avgFillPrice,
      time,
    ]);
    // A fill the stream missed is still a fill: the same messages as if it had arrived live.
    if ((inserted.rowCount ?? 0) > 0) await publishLedgerFill(tx, broker, fillId);
    repairs.push({
      kind: 'fill_inserted',
      key: order.clientOrderId,
      before: { filledQty: recorded.qty },
      after: { filledQty: order.filledQty, qty: missing, price, fillId },
    });
  }

  // 3. Positions: the broker's, with the protective orders still working for each symbol.
  const working = (leg: string, symbol: string) =>
    settled
      .filter(
        (order) =>
          order.symbol === symbol &&
          order.leg === leg &&
          (order.status === 'open' || order.status === 'waiting'),
      )
      .map((order) => order.clientOrderId)
      .sort()[0] ?? null;
  const localPositions = new Map(
    (await tx.query<LocalPositionRow>(reconcileSql.positionsOfBroker(), [broker])).rows.map((row) => [
      row.symbol,
      row,
    ]),
  );
  const explained = new Set(
    (await tx.query<{ symbol: string }>(reconcileSql.explainedSymbols(), [broker])).rows.map(
      (row) => row.symbol,
    ),
  );
  const unexplained: UnexplainedPosition[] = [];
  const brokerPositions = [...snapshot.positions].sort((a, b) => byText(a.symbol, b.symbol));
  for (const position of brokerPositions) {
    const after = {
      qty: position.qty,
      avgPrice: position.avgPrice,
      stopClientOrderId: working('stop_loss', position.symbol),
      takeProfitClientOrderId: working('take_profit', position.symbol),
    };
    const isExplained = explained.has(position.symbol);
    if (!isExplained)
      unexplained.push({ symbol: position.symbol, qty: position.qty, avgPrice: position.avgPrice });
    const row = localPositions.get(position.symbol);
    const before = row
      ? {
          qty: Number(row.qty),
          avgPrice: Number(row.avg_price),
          stopClientOrderId: row.stop_client_order_id,
          takeProfitClientOrderId: row.take_profit_client_order_id,
        }
      : null;
    if (
      before &&
      same(before.qty, after.qty) &&
      same(before.avgPrice, after.avgPrice) &&
      before.stopClientOrderId === after.stopClientOrderId &&
      before.takeProfitClientOrderId === after.takeProfitClientOrderId
    )
      continue;
    await tx.query(reconcileSql.upsertPosition(), [
      broker,
      position.symbol,
      after.qty,
      after.avgPrice,
      after.stopClientOrderId,
      after.takeProfitClientOrderId,
    ]);
    repairs.push({
      kind: before ? 'position_updated' : 'position_inserted',
      key: position.symbol,
      before,
      after: { ...after, explained: isExplained },
    });
    // Published once, when the position first appears or changes; still reported on every run.
    if (!isExplained) {
      await publishWith(tx, {
        fromAgent: 'reconciler',
        toAgent: 'watchdog',
        topic: topics.brokerUnexplainedPosition,
        payload: { broker, symbol: position.symbol, qty: position.qty, avgPrice: position.avgPrice },
      });
    }
  }
  const held = new Set(brokerPositions.map((position) => position.symbol));
  for (const [symbol, row] of [...localPositions].sort(([a], [b]) => byText(a, b))) {
    if (held.has(symbol)) continue;
    await tx.query(reconcileSql.deletePosition(), [broker, symbol]);
    repairs.push({
      kind: 'position_removed',
      key: symbol,
      before: { qty: Number(row.qty), avgPrice: Number(row.avg_price) },
      after: null,
    });
  }
  return { broker, repairs, unexplained, foreignOrders };
}
