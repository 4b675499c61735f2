import { type Broker, liveStopOf, type Position, protectiveStop } from '../broker/index.ts';
import type { MessageInput, PublishOptions } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import { recordProtectiveOrder, removePosition, setPosition } from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { withClock } from './clocked.ts';
import { monitorSql } from './monitor-sql.ts';

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
}

export interface MonitorReport {
  positions: number;
  added: string[];
  removed: string[];
  changed: string[];
  stopsMissing: string[];
  actions: Array<{
    symbol: string;
    action: 'reattached' | 'exited' | 'failed';
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
  const deps: MonitorDeps = { ...clockless, publish: withClock(clockless) };
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

  for (const position of atBroker) {
    const row = ours.get(position.symbol);
    ours.delete(position.symbol);
    const live = await liveStopOf(broker, position, row?.stop_client_order_id ?? null);
    if (!row) report.added.push(position.symbol);
    else if (Number(row.qty) !== position.qty || Math.abs(Number(row.avg_price) - position.avgPrice) > 1e-9)
      report.changed.push(position.symbol);
    let stop = live?.clientOrderId ?? null;
    if (!live) {
      report.stopsMissing.push(position.symbol);
      const action = await protect(deps, position, row, stamp);
      report.actions.push(action);
      if (action.action === 'reattached') stop = action.clientOrderId;
    }
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
      payload: { ...report, actions: report.actions.map((action) => ({ ...action })), at: stamp },
    });
  }
  return report;
}

async function protect(
  deps: MonitorDeps,
  position: Position,
  row: PositionRow | undefined,
  stamp: string,
): Promise<MonitorReport['actions'][number]> {
  const { broker, brokerName, db } = deps;
  const known = await db.query<{ stop_price: number | null }>(monitorSql.lastStopPrice(), [
    brokerName,
    position.symbol,
  ]);
  const remembered = known.rows[0]?.stop_price;
  const stopPrice =
    remembered && Number(remembered) > 0
      ? Number(remembered)
      : Number((position.avgPrice * (1 - deps.defaultStopPct)).toFixed(4));
  const suffix = stamp.replace(/[^0-9]/g, '').slice(0, 14);
  const exit = deps.onMissingStop === 'exit';
  const clientOrderId = `${position.symbol}.${exit ? 'exit' : 'restop'}.${suffix}`;
  try {
    const order = exit
      ? await broker.submit({
          clientOrderId,
          symbol: position.symbol,
          side: 'sell',
          type: 'market',
          qty: position.qty,
          leg: 'exit',
        })
      : await broker.submit(protectiveStop(clientOrderId, position, stopPrice));
    await recordProtectiveOrder(db, brokerName, {
      clientOrderId,
      leg: exit ? 'exit' : 'stop_loss',
      symbol: position.symbol,
      side: 'sell',
      type: exit ? 'market' : 'stop',
      qty: position.qty,
      stopPrice: exit ? null : stopPrice,
      status: order.status,
    });
    const detail = exit
      ? 'position closed: its stop was gone'
      : `stop re-attached at ${stopPrice}${row ? '' : ' (position unknown to us until now)'}`;
    await deps.publish({
      fromAgent: 'monitor',
      toAgent: 'operator',
      topic: exit ? topics.monitorExited : topics.monitorStopReattached,
      payload: {
        symbol: position.symbol,
        qty: position.qty,
        clientOrderId,
        stopPrice: exit ? null : stopPrice,
        status: order.status,
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
