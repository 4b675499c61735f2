import { type BrokerEvent, closedTradeMessage, fillMessage, type Order } from '../broker/index.ts';
import { type MessageInput, type PublishOptions, topics } from '../bus/index.ts';
import {
  applyExecutionToPosition,
  applyOrderState,
  executionWrite,
  type FillRecord,
  fillWrite,
  type OrderStateReport,
  orderStateWrite,
  recordFill,
  setProtection,
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
   * BEGIN and COMMIT. Without it, every event is written in a transaction.
   */
  publishWithWrites?(
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

  /**
   * The fill's effect on the position, in the fill's transaction: an entry's legs start working
   * (their rows, written with the entry's intent, move waiting → open; inserted if another
   * writer's entry had none) and the position points to them, so no moment exists with a
   * position and no stop row.
   */
  async #applyToPosition(tx: Queryable, event: FillEvent): Promise<void> {
    const { brokerName } = this.deps;
    const { fill } = event;
    for (const leg of event.legs ?? []) await applyOrderState(tx, brokerName, reportOf(leg));
    await applyExecutionToPosition(tx, brokerName, {
      symbol: fill.symbol,
      positionQty: event.positionAfter,
      price: fill.price,
    });
    const legs = event.legs ?? [];
    if (legs.length === 0 || event.positionAfter === 0) return;
    const legOf = (kind: string) => legs.find((leg) => leg.leg === kind)?.clientOrderId ?? null;
    await setProtection(tx, brokerName, fill.symbol, {
      stopClientOrderId: legOf('stop_loss'),
      takeProfitClientOrderId: legOf('take_profit'),
    });
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
   * The fill's writes for one statement (the transaction's, each on rows of its own: the order,
   * its legs, the fill, the position with its protection), or null when an order's state ends it
   * unfilled (its legs' ending reads the order as its upsert left it: the transaction does that).
   */
  #fillWrites(event: FillEvent): SqlWrite[] | null {
    const { brokerName } = this.deps;
    const orders = [event.order, ...(event.legs ?? [])].map((order) =>
      orderStateWrite(brokerName, reportOf(order)),
    );
    if (orders.some((write) => write === null)) return null;
    const legs = event.legs ?? [];
    const legOf = (kind: string) => legs.find((leg) => leg.leg === kind)?.clientOrderId ?? null;
    const protection =
      legs.length > 0
        ? { stopClientOrderId: legOf('stop_loss'), takeProfitClientOrderId: legOf('take_profit') }
        : undefined;
    return [
      ...(orders as SqlWrite[]),
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
    const writes = event.kind === 'fill' && this.deps.publishWithWrites ? this.#fillWrites(event) : null;
    if (event.kind === 'fill' && writes && this.deps.publishWithWrites) {
      // The cause is the intent's message, committed before the order reached the broker: read
      // before the statement, as the transaction read it after the order's upsert (which never
      // sets it), it is the same.
      const cause = await this.#causeOf(store, event.order);
      await this.deps.publishWithWrites(this.#fillMessage(event, cause), () => writes);
      return;
    }
    await store.transaction(async (tx) => {
      const order = event.order;
      await applyOrderState(tx, brokerName, reportOf(order));
      const cause = await this.#causeOf(tx, order);
      if (event.kind === 'fill') {
        await recordFill(tx, brokerName, this.#fillRecord(event));
        await this.#applyToPosition(tx, event);
        await this.deps.publish(this.#fillMessage(event, cause), { tx });
        return;
      }
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
