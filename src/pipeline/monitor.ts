import {
  type Broker,
  closingSide,
  defaultStopPrice,
  ensureProtectiveStop,
  type Order,
  type Position,
  type Protection,
  protectionOf,
  workingOrdersOf,
} from '../broker/index.ts';
import type { MessageInput, PublishOptions } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import { recordProtectiveOrder, removePosition, setPosition } from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import { withFields } from '../platform/index.ts';
import type { Queryable } from '../store/index.ts';
import { withClock } from './clocked.ts';
import { monitorSql } from './monitor-sql.ts';
import { manageStop, type StopManagementDeps } from './monitor-stops.ts';

export interface MonitorDeps {
  broker: Broker;
  brokerName: string;
  db: Queryable & { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> };
  publish(input: MessageInput, options?: PublishOptions): Promise<unknown>;
  logger: Logger;
  /** What to do with a position whose stop is gone: put a stop back, or close the position. */
  onMissingStop: 'reattach' | 'exit';
  /** Stop distance used when the original stop price is unknown, as a fraction of the average price. */
  defaultStopPct: number;
  clock: { now(): number };
  /** Stop management (config monitor.stopManagement); absent or `off`: stops are never moved. */
  stops?: StopManagementDeps;
}

export interface MonitorReport {
  positions: number;
  added: string[];
  removed: string[];
  changed: string[];
  stopsMissing: string[];
  actions: Array<{
    symbol: string;
    action: 'reattached' | 'trimmed' | 'exited' | 'stop_moved' | 'failed';
    clientOrderId: string;
    detail: string;
  }>;
}

interface PositionRow extends Record<string, unknown> {
  symbol: string;
  qty: number;
  avg_price: number;
  stop_client_order_id: string | null;
  take_profit_client_order_id: string | null;
}

/**
 * One pass of the position monitor. The broker is the source of truth: our positions table is
 * made to match it (each difference published), and every open position must have a live stop
 * at the broker; a missing one is put back (or the position closed), never ignored.
 */
export async function runMonitorPass(clockless: MonitorDeps): Promise<MonitorReport> {
  const deps = withFields(clockless, { publish: withClock(clockless) });
  const { broker, brokerName, db } = deps;
  const atBroker: Position[] = (await broker.positions()).filter((position) => position.qty !== 0);
  const ours = new Map(
    (await db.query<PositionRow>(monitorSql.positions(), [brokerName])).rows.map((row) => [row.symbol, row]),
  );
  const report: MonitorReport = {
    positions: atBroker.length,
    added: [],
    removed: [],
    changed: [],
    stopsMissing: [],
    actions: [],
  };
  const stamp = new Date(deps.clock.now()).toISOString();
  const working = await workingOrdersOf(broker);

  for (const position of atBroker) {
    const row = ours.get(position.symbol);
    ours.delete(position.symbol);
    const protection = await protectionOf(broker, position, working, row?.stop_client_order_id ?? null);
    if (!row) report.added.push(position.symbol);
    else if (Number(row.qty) !== position.qty || Math.abs(Number(row.avg_price) - position.avgPrice) > 1e-9)
      report.changed.push(position.symbol);
    let stop = protection.stopClientOrderId;
    let acted = false;
    if (!protection.protected) report.stopsMissing.push(position.symbol);
    if (!protection.protected || protection.covered > protection.needed + 1e-9) {
      const action = await protect(deps, { position, row, protection, working }, stamp);
      if (action) report.actions.push(action);
      if (action?.action === 'reattached') stop = action.clientOrderId;
      acted = action !== null;
    } else if (deps.stops) {
      // Only a position covered by its stop has it managed: a repaired one waits for the next pass.
      const moved = await manageStop(deps, deps.stops, position, protection);
      if (moved) report.actions.push(moved);
      if (moved?.action === 'stop_moved') stop = moved.clientOrderId;
      acted = moved !== null;
    }
    // A row read before any action that already says all this is left alone (one write a held
    // position a pass saved); after an action the row is written whatever it said.
    if (
      !acted &&
      row &&
      Number(row.qty) === position.qty &&
      Number(row.avg_price) === position.avgPrice &&
      row.stop_client_order_id === stop &&
      row.take_profit_client_order_id === position.takeProfitClientOrderId
    )
      continue;
    await setPosition(db, brokerName, {
      symbol: position.symbol,
      qty: position.qty,
      avgPrice: position.avgPrice,
      stopClientOrderId: stop,
      takeProfitClientOrderId: position.takeProfitClientOrderId,
      openedAt: position.openedAt,
    });
  }
  for (const symbol of ours.keys()) {
    report.removed.push(symbol);
    await removePosition(db, brokerName, symbol);
  }
  if (report.added.length + report.removed.length + report.changed.length + report.actions.length > 0) {
    await deps.publish({
      fromAgent: 'monitor',
      toAgent: 'operator',
      topic: topics.monitorReconciled,
      payload: withFields(report, { actions: report.actions.map((action) => ({ ...action })), at: stamp }),
    });
  }
  return report;
}

/**
 * Closes one position with a market `exit` order and records it in the ledger: the monitor's
 * exit of an unprotected position and the operator's forced exit (`runtime/operator-exit.ts`).
 */
export async function submitExit(
  deps: Pick<MonitorDeps, 'broker' | 'brokerName' | 'db'>,
  position: Position,
  clientOrderId: string,
): Promise<Order['status']> {
  const qty = Math.abs(position.qty);
  const side = closingSide(position);
  const order = await deps.broker.submit({
    clientOrderId,
    symbol: position.symbol,
    side,
    type: 'market',
    qty,
    leg: 'exit',
  });
  await recordProtectiveOrder(deps.db, deps.brokerName, {
    clientOrderId,
    leg: 'exit',
    symbol: position.symbol,
    side,
    type: 'market',
    qty,
    stopPrice: null,
    status: order.status,
  });
  return order.status;
}

/**
 * Puts the position under stops at the broker by the rule the watchdog shares
 * (ensureProtectiveStop), or closes it when so configured; what is sent is recorded in the
 * ledger and published. Null when nothing had to be sent.
 */
async function protect(
  deps: MonitorDeps,
  seen: {
    position: Position;
    row: PositionRow | undefined;
    protection: Protection;
    working: Order[] | undefined;
  },
  stamp: string,
): Promise<MonitorReport['actions'][number] | null> {
  const { broker, brokerName, db } = deps;
  const { position, row, protection } = seen;
  const exit = deps.onMissingStop === 'exit' && !protection.protected;
  // A stop remembered from a position the other way (a long before this short) is not this one's.
  const known = await db.query<{ stop_price: number | null }>(monitorSql.lastStopPrice(), [
    brokerName,
    position.symbol,
    closingSide(position),
  ]);
  const remembered = known.rows[0]?.stop_price;
  const stopPrice =
    remembered && Number(remembered) > 0
      ? Number(remembered)
      : defaultStopPrice(position, deps.defaultStopPct, 4);
  const suffix = stamp.replace(/[^0-9]/g, '').slice(0, 14);
  let clientOrderId = exit ? `${position.symbol}.exit.${suffix}` : 'restop';
  try {
    let status: Order['status'];
    let qty = Math.abs(position.qty);
    if (exit) {
      status = await submitExit({ broker, brokerName, db }, position, clientOrderId);
    } else {
      const outcome = await ensureProtectiveStop(
        { broker, brokerName, ledger: db, idPrefix: 'restop', stopPrice, working: seen.working, protection },
        position,
      );
      if (!outcome.sent && outcome.cancelled.length === 0) return null;
      if (!outcome.sent)
        return {
          symbol: position.symbol,
          action: 'trimmed',
          clientOrderId: outcome.cancelled.join(','),
          detail: `stops beyond the position cancelled: ${outcome.cancelled.join(', ')}`,
        };
      clientOrderId = outcome.clientOrderId!;
      qty = outcome.qty;
      status = outcome.status ?? 'open';
    }
    const detail = exit
      ? 'position closed: its stop was gone'
      : `stop re-attached at ${stopPrice} for ${qty}${row ? '' : ' (position unknown to us until now)'}`;
    await deps.publish({
      fromAgent: 'monitor',
      toAgent: 'operator',
      topic: exit ? topics.monitorExited : topics.monitorStopReattached,
      payload: {
        symbol: position.symbol,
        qty: position.qty,
        clientOrderId,
        stopPrice: exit ? null : stopPrice,
        status,
      },
    });
    return { symbol: position.symbol, action: exit ? 'exited' : 'reattached', clientOrderId, detail };
  } catch (error) {
    const detail = `could not protect the position: ${(error as Error).message}`;
    deps.logger.error(
      { symbol: position.symbol, err: (error as Error).message },
      'position without a stop could not be protected',
    );
    await deps.publish({
      fromAgent: 'monitor',
      toAgent: 'operator',
      topic: topics.monitorUnprotected,
      payload: { symbol: position.symbol, qty: position.qty, error: detail },
    });
    return { symbol: position.symbol, action: 'failed', clientOrderId, detail };
  }
}
