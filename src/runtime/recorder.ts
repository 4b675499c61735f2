import { type BrokerEvent, closedTradeMessage, fillMessage, type Order } from '../broker/index.ts';
import { type MessageInput, type PublishOptions, topics } from '../bus/index.ts';
import {
  applyOrderState,
  executionWrite,
  type FillRecord,
  fillWrite,
  type OrderStateReport,
  orderStateWrite,
} from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import { withFields } from '../platform/index.ts';
import type { Queryable, SqlWrite, Store } from '../store/index.ts';
import { paperOrderState } from './paper-source.ts';
import { runtimeSql } from './sql.ts';

export interface RecorderDeps {
  store: Store;
  publish(input: MessageInput, options?: PublishOptions): Promise<unknown>;
  brokerName: string;
  logger: Logger;
  /** Stamps messages whose event carries no time of its own (cancellations, rejections). */
  clock: { now(): number };
  /**
   * Awaited before each event is written (the full-pipeline backtest: until the cycle's
   * messages, written behind, have committed, so an effect never commits before its cause).
   */
  before?(): Promise<void>;
  /** Called after a position went back to flat, with the closing event's message. */
  onTradeClosed?(event: Extract<BrokerEvent, { kind: 'trade-closed' }>): Promise<void>;
  /**
   * A message and the writes that commit with it, as one statement (Bus.publishWithWrites): a
   * fill's rows and message in one round trip, where a transaction took one for each and for
   * BEGIN and COMMIT.
   */
  publishWithWrites(
    input: MessageInput,
    writes: (messageId: number) => readonly SqlWrite[],
  ): Promise<unknown>;
}

type FillEvent = Extract<BrokerEvent, { kind: 'fill' }>;

/** An order as the broker reports it (a bracket child or a flatten included, which we did not write ourselves). */
function reportOf(order: Order): OrderStateReport {
  // submittedAt stays as our intent wrote it; the paper broker's id is ours, set at the first write.
  return withFields(paperOrderState(order, 'day'), { submittedAt: null, cycleId: order.cycleId });
}

/**
 * Writes what the broker reports (fills, cancellations, rejections, closed trades) into our
 * tables and onto the bus, one event at a time in arrival order. Events arrive synchronously
 * from the paper broker; `flush` waits until all are written.
 */
export class BrokerRecorder {
  #chain: Promise<void> = Promise.resolve();
  #failures = 0;

  constructor(private readonly deps: RecorderDeps) {}

  get failures(): number {
    return this.#failures;
  }

  record = (event: BrokerEvent): void => {
    this.#chain = this.#chain.then(() =>
      this.#write(event).catch((error: Error) => {
        this.#failures += 1;
        this.deps.logger.error(
          { err: error.message, event: event.kind },
          'broker event not recorded; the monitor will reconcile',
        );
      }),
    );
  };

  flush(): Promise<void> {
    return this.#chain;
  }

  async #causeOf(tx: Queryable, order: Order): Promise<{ messageId: number | null; cycleId: string | null }> {
    for (const id of [order.clientOrderId, order.parentClientOrderId]) {
      if (!id) continue;
      const row = await tx.query<{ message_id: number | null; cycle_id: string | null }>(
        runtimeSql.entryMessage(),
        [id],
      );
      if (row.rows[0]?.message_id)
        return { messageId: Number(row.rows[0].message_id), cycleId: row.rows[0].cycle_id };
    }
    return { messageId: null, cycleId: order.cycleId };
  }

  /** The fill's row as the ledger records it: its execution id is the order's and the fill's time. */
  #fillRecord(event: FillEvent): FillRecord {
    const { fill } = event;
    return {
      clientOrderId: fill.clientOrderId,
      executionId: `${fill.clientOrderId}@${fill.time}`,
      symbol: fill.symbol,
      side: fill.side,
      qty: fill.qty,
      price: fill.price,
      commission: fill.commission,
      time: fill.time,
    };
  }

  #fillMessage(event: FillEvent, cause: { messageId: number | null; cycleId: string | null }): MessageInput {
    return fillMessage(
      {
        fill: event.fill,
        leg: event.order.leg,
        cashAfter: event.cashAfter,
        positionAfter: event.positionAfter,
        broker: this.deps.brokerName,
      },
      { cycleId: cause.cycleId, causationId: cause.messageId },
    );
  }

  /**
   * The fill's writes, one statement's parts, each on rows of its own: the order, the legs it set
   * working, the fill, and the position pointed at those legs (written by the position's own
   * upsert, as a part of the statement does not see another's rows), so no moment exists with a
   * position and no stop row. A fill never ends an order unfilled; a report that says otherwise
   * is refused (the event is counted as not recorded, and the monitor reconciles).
   */
  #fillWrites(event: FillEvent): SqlWrite[] {
    const { brokerName } = this.deps;
    const legs = event.legs ?? [];
    const orders = [event.order, ...legs].map((order) => {
      const write = orderStateWrite(brokerName, reportOf(order));
      if (!write) throw new Error(`a fill reported order ${order.clientOrderId} as ${order.status}`);
      return write;
    });
    const legOf = (kind: string) => legs.find((leg) => leg.leg === kind)?.clientOrderId ?? null;
    const protection =
      legs.length > 0
        ? { stopClientOrderId: legOf('stop_loss'), takeProfitClientOrderId: legOf('take_profit') }
        : undefined;
    return [
      ...orders,
      fillWrite(brokerName, this.#fillRecord(event)),
      executionWrite(
        brokerName,
        { symbol: event.fill.symbol, positionQty: event.positionAfter, price: event.fill.price },
        protection,
      ),
    ];
  }

  async #write(event: BrokerEvent): Promise<void> {
    const { store, brokerName } = this.deps;
    await this.deps.before?.();
    if (event.kind === 'trade-closed') {
      const { trade } = event;
      await this.deps.publish(closedTradeMessage(trade, { cycleId: null, causationId: null }, brokerName));
      await this.deps.onTradeClosed?.(event);
      return;
    }
    if (event.kind === 'fill') {
      const writes = this.#fillWrites(event);
      // The cause is the intent's message, committed before the order reached the broker (the
      // order's upsert never sets it): read before the statement.
      const cause = await this.#causeOf(store, event.order);
      await this.deps.publishWithWrites(this.#fillMessage(event, cause), () => writes);
      return;
    }
    // A cancellation or rejection: its legs' ending reads the order as its upsert left it, one
    // statement after the other in a transaction.
    await store.transaction(async (tx) => {
      const order = event.order;
      await applyOrderState(tx, brokerName, reportOf(order));
      const cause = await this.#causeOf(tx, order);
      await this.deps.publish(
        {
          fromAgent: 'broker',
          toAgent: 'executor',
          topic: event.kind === 'cancelled' ? topics.orderCancelled : topics.orderRejected,
          ts: new Date(this.deps.clock.now()),
          cycleId: cause.cycleId,
          causationId: cause.messageId,
          payload: {
            clientOrderId: order.clientOrderId,
            symbol: order.symbol,
            leg: order.leg,
            reason: order.reason,
          },
        },
        { tx },
      );
    });
  }
}
