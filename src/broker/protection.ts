import { markOrder, recordProtectiveOrder } from '../ledger/index.ts';
import type { Queryable } from '../store/index.ts';
import {
  type Broker,
  liveStopOf,
  type Order,
  type OrderSide,
  type Position,
  positionSide,
  protectiveStop,
} from './broker.ts';

/** Quantities are compared with this slack: fractional shares arrive as decimals. */
const QTY_EPSILON = 1e-9;
/** Ids tried per position and price before giving up: a filled or cancelled id cannot be reused at Alpaca. */
const MAX_ID_GENERATIONS = 10;

/** How far a position is covered by stops at the broker. */
export interface Protection {
  /** Stop quantity at least the position's. */
  protected: boolean;
  /** The position's size, unsigned. */
  needed: number;
  covered: number;
  /** The working opposite-side stop orders counted (empty when the stop is held on the position). */
  stops: Order[];
  /** The stop to link the position to: its own when among them, else the first found. */
  stopClientOrderId: string | null;
}

/** The side that closes the position: sell for a long, buy for a short. */
export function closingSide(position: Pick<Position, 'qty'>): OrderSide {
  return positionSide(position) === 'short' ? 'buy' : 'sell';
}

/** A stop `fraction` away from the average price, on the losing side of the position. */
export function defaultStopPrice(
  position: Pick<Position, 'qty' | 'avgPrice'>,
  fraction: number,
  decimals: number,
): number {
  const factor = positionSide(position) === 'short' ? 1 + fraction : 1 - fraction;
  return Number((position.avgPrice * factor).toFixed(decimals));
}

/** Every working order at the broker, or undefined where the broker keeps stops on positions. */
export async function workingOrdersOf(broker: Broker): Promise<Order[] | undefined> {
  if (!broker.workingOrders) return undefined;
  return (await broker.workingOrders()).filter(
    (order) => order.status === 'open' || order.status === 'waiting',
  );
}

/**
 * The one rule the monitor and the watchdog share: a position is protected when working stop
 * orders on its closing side cover its quantity at the broker, whoever placed them (a bracket
 * leg, a re-attached stop, one set by hand), or when the broker holds a stop-loss on the
 * position itself (MT5). `working` is `workingOrdersOf(broker)`, read once per pass; where the
 * broker cannot list orders, the position's linked stop (or `knownStopId`) is looked up instead.
 */
export async function protectionOf(
  broker: Pick<Broker, 'getOrder'>,
  position: Position,
  working: readonly Order[] | undefined,
  knownStopId: string | null = null,
): Promise<Protection> {
  const needed = Math.abs(position.qty);
  const onPosition = position.stopPriceOnPosition;
  if (onPosition !== undefined && onPosition !== null && onPosition > 0)
    return {
      protected: true,
      needed,
      covered: needed,
      stops: [],
      stopClientOrderId: position.stopClientOrderId,
    };
  if (!working) {
    const live = await liveStopOf(broker, position, knownStopId);
    return {
      protected: live !== undefined,
      needed,
      covered: live ? needed : 0,
      stops: [],
      stopClientOrderId: live?.clientOrderId ?? null,
    };
  }
  const side = closingSide(position);
  const stops = working.filter(
    (order) =>
      order.symbol === position.symbol &&
      order.type === 'stop' &&
      order.side === side &&
      (order.status === 'open' || order.status === 'waiting'),
  );
  const covered = stops.reduce((sum, order) => sum + order.qty, 0);
  const linked = stops.find((order) => order.clientOrderId === (position.stopClientOrderId ?? knownStopId));
  return {
    protected: covered + QTY_EPSILON >= needed,
    needed,
    covered,
    stops,
    stopClientOrderId: (linked ?? stops[0])?.clientOrderId ?? null,
  };
}

/** Where what the monitor or the watchdog sends is recorded (src/ledger); absent while the database is down. */
export interface ProtectionLedger extends Queryable {
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface EnsureStopOptions {
  broker: Broker;
  /** The ledger's `broker` column. */
  brokerName: string;
  ledger: ProtectionLedger | undefined;
  /** First part of the deterministic client order id, e.g. `wd.restop` or `restop`. */
  idPrefix: string;
  stopPrice: number;
  working: readonly Order[] | undefined;
  knownStopId?: string | null;
  /** `protectionOf` already measured for this position this pass. */
  protection?: Protection;
}

export interface EnsureStopOutcome {
  /** `protected`: nothing to send; `attached`: a stop for the uncovered quantity is working. */
  action: 'protected' | 'attached';
  /** The stop sent (or found under its deterministic id), when one was. */
  clientOrderId: string | null;
  /** True when this call sent it (false: an earlier pass had, and it is still working). */
  sent: boolean;
  /** Quantity of the stop sent (or found), and its status at the broker. */
  qty: number;
  status: Order['status'] | null;
  /** Stops cancelled because together they exceeded the position. */
  cancelled: string[];
  protection: Protection;
}

/** The id of the stop for this position at this price: the same on every pass and in every process. */
export function protectiveStopId(
  prefix: string,
  position: Pick<Position, 'symbol' | 'qty'>,
  qty: number,
  stopPrice: number,
): string {
  const price = String(Number(stopPrice.toFixed(6)));
  return `${prefix}.${position.symbol}.${closingSide(position)}${Number(qty.toFixed(8))}.${price}`;
}

/**
 * Makes the position protected at the broker, idempotently. Stops beyond the position's size are
 * cancelled (others' and the newest first, a linked bracket leg last) so a stop never opens a
 * position the other way; an uncovered remainder gets one stop under a deterministic id, looked
 * up before it is sent, so however many passes (or processes) run, one stop is placed. What is
 * sent or cancelled is recorded through the ledger.
 */
export async function ensureProtectiveStop(
  options: EnsureStopOptions,
  position: Position,
): Promise<EnsureStopOutcome> {
  const { broker, ledger } = options;
  const protection =
    options.protection ??
    (await protectionOf(broker, position, options.working, options.knownStopId ?? null));
  const cancelled: string[] = [];
  let covered = protection.covered;
  if (covered > protection.needed + QTY_EPSILON) {
    const linked = position.stopClientOrderId;
    // A waiting stop is a bracket leg held until its entry fills completely: sized for the whole
    // entry, it is not "beyond" a partly filled position, and cancelling it would end the bracket.
    const candidates = protection.stops
      .filter((stop) => stop.status !== 'waiting')
      .sort(
        (a, b) =>
          Number(a.clientOrderId === linked) - Number(b.clientOrderId === linked) ||
          b.submittedAt - a.submittedAt,
      );
    for (const stop of candidates) {
      if (covered <= protection.needed + QTY_EPSILON) break;
      const after = await broker.cancel(stop.clientOrderId, 'stop quantity beyond the position');
      if (after && (after.status === 'open' || after.status === 'waiting')) continue;
      covered -= stop.qty;
      cancelled.push(stop.clientOrderId);
      if (ledger)
        await markOrder(ledger, stop.clientOrderId, 'cancelled', 'stop quantity beyond the position');
    }
  }
  const missing = protection.needed - Math.max(0, covered);
  if (missing <= QTY_EPSILON)
    return {
      action: 'protected',
      clientOrderId: null,
      sent: false,
      qty: 0,
      status: null,
      cancelled,
      protection,
    };
  const sign = positionSide(position) === 'short' ? -1 : 1;
  const base = protectiveStopId(options.idPrefix, position, missing, options.stopPrice);
  for (let generation = 0; generation < MAX_ID_GENERATIONS; generation += 1) {
    const clientOrderId = generation === 0 ? base : `${base}.${generation}`;
    const known = await broker.getOrder(clientOrderId);
    if (known && (known.status === 'open' || known.status === 'waiting'))
      return {
        action: 'attached',
        clientOrderId,
        sent: false,
        qty: known.qty,
        status: known.status,
        cancelled,
        protection,
      };
    // A final order keeps its id at the broker: the next generation is the next deterministic id.
    if (known) continue;
    const request = protectiveStop(
      clientOrderId,
      { symbol: position.symbol, qty: sign * missing },
      options.stopPrice,
    );
    const order = await broker.submit(request);
    if (ledger)
      await recordProtectiveOrder(ledger, options.brokerName, {
        clientOrderId,
        leg: 'stop_loss',
        symbol: position.symbol,
        side: request.side,
        type: 'stop',
        qty: request.qty,
        stopPrice: options.stopPrice,
        status: order.status,
      });
    return {
      action: 'attached',
      clientOrderId,
      sent: true,
      qty: request.qty,
      status: order.status,
      cancelled,
      protection,
    };
  }
  throw new Error(
    `no free client order id for a stop of ${position.symbol} at ${options.stopPrice} (${MAX_ID_GENERATIONS} used)`,
  );
}
