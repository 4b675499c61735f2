import { publishWith, topics } from '../bus/index.ts';
import {
  applyOrderState,
  lockBroker,
  markOrder,
  recordFill,
  removePosition,
  setPosition,
} from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import {
  type BrokerSnapshot,
  type LocalLedger,
  type PlannedRepair,
  planRepairs,
  type Repair,
  type RepairWrite,
  type UnexplainedPosition,
  withoutWrite,
} from './reconcile-plan.ts';
import { reconcileSql } from './reconcile-sql.ts';
import { publishLedgerFill } from './trade-messages.ts';

export * from './reconcile-plan.ts';

/**
 * Reconciliation: the broker's orders, fills and positions against our `orders`, `fills` and
 * `positions` tables, after a restart or whenever the stream may have missed something. The
 * broker is the truth. The repairs are planned from the two states alone (`planRepairs`, pure)
 * and applied through the ledger in one transaction (`applyRepairs`), journaled on the bus
 * (`broker.reconciled`, one message per repair, in the same transaction as the writes) and
 * returned. The same states give the same repairs on every restart, and a second run finds
 * nothing to do.
 */
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

/** Our ledger of one broker, as `planRepairs` takes it. */
export async function readLocalLedger(q: Queryable, broker: string): Promise<LocalLedger> {
  const orders = await q.query<{
    client_order_id: string;
    broker_order_id: string | null;
    parent_client_order_id: string | null;
    symbol: string;
    status: string;
    filled_qty: number;
    avg_fill_price: number | null;
  }>(reconcileSql.ordersOfBroker(), [broker]);
  const totals = await q.query<{ client_order_id: string; qty: number; value: number }>(
    reconcileSql.fillTotals(),
    [broker],
  );
  const positions = await q.query<{
    symbol: string;
    qty: number;
    avg_price: number;
    stop_client_order_id: string | null;
    take_profit_client_order_id: string | null;
  }>(reconcileSql.positionsOfBroker(), [broker]);
  return {
    orders: orders.rows.map((row) => ({
      clientOrderId: row.client_order_id,
      brokerOrderId: row.broker_order_id,
      parentClientOrderId: row.parent_client_order_id,
      symbol: row.symbol,
      status: row.status,
      filledQty: Number(row.filled_qty),
      avgFillPrice: row.avg_fill_price,
    })),
    fillTotals: totals.rows.map((row) => ({
      clientOrderId: row.client_order_id,
      qty: Number(row.qty),
      value: Number(row.value),
    })),
    positions: positions.rows.map((row) => ({
      symbol: row.symbol,
      qty: Number(row.qty),
      avgPrice: Number(row.avg_price),
      stopClientOrderId: row.stop_client_order_id,
      takeProfitClientOrderId: row.take_profit_client_order_id,
    })),
  };
}

/** Applies planned repairs through the ledger, in order, inside the caller's transaction. */
export async function applyRepairs(
  tx: Queryable,
  broker: string,
  repairs: readonly PlannedRepair[],
): Promise<void> {
  await applyWrites(
    tx,
    broker,
    repairs.map((repair) => repair.write),
  );
}

/** Ledger writes of a plan (repairs' or backfills'), in order. */
async function applyWrites(tx: Queryable, broker: string, writes: readonly RepairWrite[]): Promise<void> {
  for (const write of writes) {
    if (write.kind === 'order_state') await applyOrderState(tx, broker, write.state);
    else if (write.kind === 'mark_order')
      await markOrder(tx, write.clientOrderId, write.status, write.reason);
    else if (write.kind === 'fill') {
      // A fill the stream missed is still a fill: the same messages as if it had arrived live.
      if (await recordFill(tx, broker, write.fill))
        await publishLedgerFill(tx, broker, write.fill.executionId);
    } else if (write.kind === 'remove_position') await removePosition(tx, broker, write.symbol);
    else {
      await setPosition(tx, broker, write.position);
      if (write.unexplained) {
        await publishWith(tx, {
          fromAgent: 'reconciler',
          toAgent: 'watchdog',
          topic: topics.brokerUnexplainedPosition,
          payload: { broker, ...write.unexplained },
        });
      }
    }
  }
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { store, source, logger } = options;
  const broker = source.name;
  const snapshot = await source.snapshot(await readOpenOrders(store, broker));
  const result = await store.transaction(async (tx) => {
    await lockBroker(tx, broker);
    const plan = planRepairs(await readLocalLedger(tx, broker), snapshot);
    await applyRepairs(tx, broker, plan.repairs);
    await applyWrites(tx, broker, plan.backfills);
    const repairs = plan.repairs.map(withoutWrite);
    for (const repair of repairs) {
      await publishWith(tx, {
        fromAgent: 'reconciler',
        toAgent: 'operator',
        topic: topics.brokerReconciled,
        payload: { broker, ...repair },
      });
    }
    return { broker, repairs, unexplained: plan.unexplained, foreignOrders: plan.foreignOrders };
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
