import type { Broker, Position, Protection } from '../broker/index.ts';
import type { MessageInput, PublishOptions } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { StopManagement } from '../config/index.ts';
import { recordStopMove } from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import type { PriceTick } from '../market/index.ts';
import type { Queryable } from '../store/index.ts';
import { monitorSql } from './monitor-sql.ts';
import { nextStop } from './stop-management.ts';

/** What the monitor's stop management needs beyond the monitor's own dependencies. */
export interface StopManagementDeps {
  rule: StopManagement;
  /** The venue's tick (the one orders are built on): the moved stop goes out on it. */
  priceTick: PriceTick;
  /** The symbol's last price; undefined when unknown (then the stop stays). */
  lastPrice(symbol: string): Promise<number | undefined>;
}

export interface StopMovedAction {
  symbol: string;
  action: 'stop_moved' | 'failed';
  clientOrderId: string;
  detail: string;
}

/** The deterministic id of a moved stop: the same for the same move in every pass and process. */
export function movedStopId(position: Pick<Position, 'symbol' | 'qty'>, stopPrice: number): string {
  return `mv.${position.symbol}.${Number(Math.abs(position.qty).toFixed(8))}.${String(Number(stopPrice.toFixed(6)))}`;
}

/**
 * Tightens a protected position's stop by the configured rule (stop-management.ts) through the
 * broker's `replaceStop`; the move is recorded through the ledger and published
 * (monitor.stop_moved). Null when the rule leaves the stop where it is, or when the position is
 * not covered by exactly one stop (the monitor first makes it so).
 */
export async function manageStop(
  deps: {
    broker: Broker;
    brokerName: string;
    db: Queryable & { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> };
    publish(input: MessageInput, options?: PublishOptions): Promise<unknown>;
    logger: Logger;
  },
  stops: StopManagementDeps,
  position: Position,
  protection: Protection,
): Promise<StopMovedAction | null> {
  const { broker, brokerName, db } = deps;
  if (stops.rule.mode === 'off' || !broker.replaceStop || !protection.protected) return null;
  const onPosition = position.stopPriceOnPosition;
  let stopId: string | null;
  let currentStop: number | null;
  if (onPosition !== undefined && onPosition !== null && onPosition > 0) {
    stopId = null;
    currentStop = onPosition;
  } else {
    // One live stop: a held bracket leg (its entry still filling) or several stops are left alone.
    if (protection.stops.length !== 1 || protection.stops[0]!.status !== 'open') return null;
    stopId = protection.stops[0]!.clientOrderId;
    currentStop = protection.stops[0]!.stopPrice;
  }
  if (currentStop === null) return null;
  const known = await db.query<{ initial_stop_price: number | null }>(monitorSql.initialStopPrice(), [
    brokerName,
    position.symbol,
    stopId,
    position.qty < 0 ? 'buy' : 'sell',
  ]);
  const initialStop = Number(known.rows[0]?.initial_stop_price ?? Number.NaN);
  const price = await stops.lastPrice(position.symbol);
  const decision = nextStop(stops.rule, {
    side: position.qty < 0 ? 'short' : 'long',
    entry: position.avgPrice,
    initialStop,
    currentStop,
    price: price ?? Number.NaN,
    priceTick: stops.priceTick,
    symbol: position.symbol,
  });
  if (!decision.move) {
    deps.logger.debug({ symbol: position.symbol, reason: decision.reason }, 'stop left where it is');
    return null;
  }
  const newId = movedStopId(position, decision.stopPrice);
  try {
    // This move was sent already (MT5: the EA has not reported the new SL yet; or it refused it):
    // never sent twice, and a refused SL is not retried at the same price.
    if (await broker.getOrder(newId)) return null;
    const moved = await broker.replaceStop(
      { symbol: position.symbol, clientOrderId: stopId },
      decision.stopPrice,
      newId,
    );
    if (moved.status === 'rejected' || moved.status === 'cancelled' || moved.status === 'filled')
      throw new Error(
        `the broker answered the move with ${moved.status}: ${moved.reason ?? 'no reason given'}`,
      );
    await db.transaction(async (tx) => {
      await recordStopMove(tx, brokerName, {
        symbol: position.symbol,
        fromClientOrderId: stopId,
        toClientOrderId: moved.clientOrderId,
        brokerOrderId: moved.brokerOrderId ?? null,
        side: moved.side,
        qty: moved.qty,
        stopPrice: decision.stopPrice,
        initialStopPrice: initialStop,
        status: moved.status,
      });
      await deps.publish(
        {
          fromAgent: 'monitor',
          toAgent: 'operator',
          topic: topics.monitorStopMoved,
          payload: {
            symbol: position.symbol,
            rule: stops.rule.mode,
            previousStopPrice: currentStop,
            stopPrice: decision.stopPrice,
            initialStopPrice: initialStop,
            price,
            fromClientOrderId: stopId,
            clientOrderId: moved.clientOrderId,
            reason: decision.reason,
          },
        },
        { tx },
      );
    });
    return {
      symbol: position.symbol,
      action: 'stop_moved',
      clientOrderId: moved.clientOrderId,
      detail: decision.reason,
    };
  } catch (error) {
    // The stop in force still protects the position: it is left as it was, and said so.
    const detail = `stop not moved to ${decision.stopPrice}: ${(error as Error).message}`;
    deps.logger.warn({ symbol: position.symbol, err: (error as Error).message }, 'stop could not be moved');
    return { symbol: position.symbol, action: 'failed', clientOrderId: newId, detail };
  }
}
