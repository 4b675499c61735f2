import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { type BrokerEvent, fillMessage, type Order } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import {
  applyExecutionToPosition,
  applyOrderState,
  recordFill,
  recordIntents,
  setProtection,
} from '../ledger/index.ts';
import { silentLogger } from '../logging/index.ts';
import type { Queryable, Store } from '../store/index.ts';
import { paperOrderState } from './paper-source.ts';
import { brokerRecorderFor } from './trading-kernel.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const at = (minute: number) => Date.UTC(2026, 0, 5, 15, minute);

/** A bracket entry of ours on the paper broker, its legs, as the broker reports them. */
function bracket(prefix: string) {
  const base = {
    symbol: 'ALPHA',
    limitPrice: null,
    submittedAt: at(0),
    commission: 0,
    reason: null,
    cycleId: 'cycle-1',
  };
  const entry: Order = {
    ...base,
    clientOrderId: `${prefix}-e`,
    side: 'buy',
    type: 'market',
    qty: 10,
    stopPrice: null,
    leg: 'entry',
    parentClientOrderId: null,
    linkedClientOrderIds: [`${prefix}-e.sl`, `${prefix}-e.tp`],
    status: 'filled',
    filledAt: at(1),
    fillPrice: 100,
  };
  const leg = (
    suffix: string,
    kind: 'stop_loss' | 'take_profit',
    type: Order['type'],
    stop: number | null,
  ) => ({
    ...base,
    clientOrderId: `${prefix}-e.${suffix}`,
    side: 'sell' as const,
    type,
    qty: 10,
    stopPrice: stop,
    limitPrice: kind === 'take_profit' ? 110 : null,
    leg: kind,
    parentClientOrderId: entry.clientOrderId,
    linkedClientOrderIds: [],
    status: 'open' as const,
    filledAt: null,
    fillPrice: null,
  });
  return { entry, stop: leg('sl', 'stop_loss', 'stop', 95), target: leg('tp', 'take_profit', 'limit', null) };
}

/** The round trip the paper broker reports: the entry fills (its legs start working), the target fills, the stop is cancelled. */
function roundTrip(prefix: string): BrokerEvent[] {
  const { entry, stop, target } = bracket(prefix);
  const fill = (order: Order, side: 'buy' | 'sell', price: number, minute: number) => ({
    clientOrderId: order.clientOrderId,
    symbol: 'ALPHA',
    side,
    qty: 10,
    price,
    commission: 1,
    time: at(minute),
  });
  return [
    {
      kind: 'fill',
      order: entry,
      legs: [stop, target],
      fill: fill(entry, 'buy', 100, 1),
      cashAfter: 98_999,
      positionAfter: 10,
    },
    {
      kind: 'fill',
      order: { ...target, status: 'filled', filledAt: at(5), fillPrice: 110 },
      fill: fill(target, 'sell', 110, 5),
      cashAfter: 100_098,
      positionAfter: 0,
    },
    { kind: 'cancelled', order: { ...stop, status: 'cancelled', reason: 'sibling filled' } },
  ];
}

/** Counts the statements and transactions a store was sent. */
function counted(store: Store, count: { statements: number; transactions: number }): Store {
  const wrap = (queryable: Queryable): Queryable => ({
    query: (text, values) => {
      count.statements += 1;
      return queryable.query(text, values);
    },
  });
  return {
    get maskedUrl() {
      return store.maskedUrl;
    },
    get pool() {
      return store.pool;
    },
    query: (text, values) => wrap(store).query(text, values),
    transaction: (work, options) => {
      count.transactions += 1;
      return store.transaction((tx) => work(wrap(tx)), options);
    },
    connectClient: () => store.connectClient(),
    close: () => store.close(),
  };
}

type Row = Record<string, unknown>;

/** The broker's rows, each named without the run's prefix, in a stable order. */
interface Tables {
  orders: Row[];
  fills: Row[];
  positions: Row[];
  messages: Row[];
}

async function rowsOf(broker: string, prefix: string): Promise<Tables> {
  const strip = (rows: Row[]): Row[] =>
    JSON.parse(JSON.stringify(rows).replaceAll(prefix, 'P').replaceAll(broker, 'B')) as Row[];
  const read = async (text: string) => strip((await database.store.query<Row>(text, [broker])).rows);
  return {
    orders: await read(
      `SELECT client_order_id, broker_order_id, parent_client_order_id, leg, side, type, qty, limit_price, stop_price,
              status, filled_qty, avg_fill_price, reject_reason, cycle_id, message_id IS NOT NULL AS has_message
         FROM orders WHERE broker = $1 ORDER BY client_order_id`,
    ),
    fills: await read(
      `SELECT client_order_id, broker_fill_id, side, qty, price, commission, ts FROM fills WHERE broker = $1 ORDER BY ts`,
    ),
    positions: await read(
      `SELECT symbol, qty, avg_price, stop_client_order_id, take_profit_client_order_id FROM positions WHERE broker = $1`,
    ),
    // The recorder's messages (not the intent), and whether each names the intent's message as its cause.
    messages: strip(
      (
        await database.store.query<Row>(
          `SELECT m.topic, m.cycle_id, m.payload,
                  m.causation_id = (SELECT message_id FROM orders WHERE client_order_id = $1) AS caused_by_intent
             FROM agent_messages m WHERE m.payload->>'clientOrderId' LIKE $2 AND m.topic <> 'order.intent' ORDER BY m.id`,
          [`${prefix}-e`, `${prefix}-%`],
        )
      ).rows,
    ),
  };
}

/**
 * The reference: a fill written by the ledger's own functions, one statement after another in a
 * transaction (the recorder's way before a fill became one statement), its message published in
 * it with the cause read after the order's upsert. A cancellation goes through the recorder either
 * way (its transaction did not change).
 */
function ledgerWriter(bus: Bus, store: Store, broker: string) {
  const report = (order: Order) => ({
    ...paperOrderState(order, 'day'),
    submittedAt: null,
    cycleId: order.cycleId,
  });
  return (event: BrokerEvent) =>
    store.transaction(async (tx) => {
      if (event.kind !== 'fill') throw new Error('the reference writes fills');
      const { order } = event;
      await applyOrderState(tx, broker, report(order));
      let cause = { messageId: null as number | null, cycleId: order.cycleId };
      for (const id of [order.clientOrderId, order.parentClientOrderId]) {
        if (!id) continue;
        const row = (
          await tx.query<{ message_id: number | null; cycle_id: string | null }>(
            'SELECT message_id, cycle_id FROM orders WHERE client_order_id = $1',
            [id],
          )
        ).rows[0];
        if (row?.message_id) {
          cause = { messageId: Number(row.message_id), cycleId: row.cycle_id };
          break;
        }
      }
      const envelope = { cycleId: cause.cycleId, causationId: cause.messageId };
      const { fill } = event;
      await recordFill(tx, broker, { ...fill, executionId: `${fill.clientOrderId}@${fill.time}` });
      const legs = event.legs ?? [];
      for (const leg of legs) await applyOrderState(tx, broker, report(leg));
      await applyExecutionToPosition(tx, broker, {
        symbol: fill.symbol,
        positionQty: event.positionAfter,
        price: fill.price,
      });
      if (legs.length > 0 && event.positionAfter !== 0) {
        const legOf = (kind: string) => legs.find((leg) => leg.leg === kind)?.clientOrderId ?? null;
        await setProtection(tx, broker, fill.symbol, {
          stopClientOrderId: legOf('stop_loss'),
          takeProfitClientOrderId: legOf('take_profit'),
        });
      }
      const payload = {
        fill,
        leg: order.leg,
        cashAfter: event.cashAfter,
        positionAfter: event.positionAfter,
        broker,
      };
      await bus.publish(fillMessage(payload, envelope), { tx });
    });
}

describe('the broker recorder', () => {
  it("writes a fill's rows and message in one statement, the same rows the ledger's functions write one after another", async () => {
    const bus = new Bus({ store: database.store, logger: silentLogger() });
    const recorded: Record<string, Tables[]> = {};
    const counts: Record<string, { statements: number; transactions: number }> = {};
    for (const mode of ['statement', 'transaction'] as const) {
      const prefix = `sg-${mode}`;
      const broker = `paper-${mode}`;
      const count = { statements: 0, transactions: 0 };
      counts[mode] = count;
      // The entry's intent and its legs, as the order path writes them: the intent names its message.
      const intent = await bus.publish({
        fromAgent: 'executor',
        toAgent: 'broker',
        topic: 'order.intent',
        cycleId: 'cycle-1',
        payload: { clientOrderId: `${prefix}-e` },
      });
      const { entry, stop, target } = bracket(prefix);
      await recordIntents(database.store, broker, [
        { ...entry, status: 'open', messageId: intent.id },
        { ...stop, status: 'waiting' },
        { ...target, status: 'waiting' },
      ]);
      const store = counted(database.store, count);
      const recorder = brokerRecorderFor({
        store,
        bus,
        logger: silentLogger(),
        brokerName: broker,
        clock: { now: () => at(9) },
        journalRoot: '/nonexistent',
        journal: async () => {},
      });
      const reference = ledgerWriter(bus, store, broker);
      recorded[mode] = [];
      for (const event of roundTrip(prefix)) {
        if (mode === 'statement' || event.kind !== 'fill') {
          recorder.record(event);
          await recorder.flush();
        } else await reference(event);
        recorded[mode].push(await rowsOf(broker, prefix));
      }
      expect(recorder.failures).toBe(0);
    }
    // Each moment (after each event) holds the same rows both ways.
    expect(recorded.statement).toEqual(recorded.transaction);
    const [opened, , closed] = recorded.statement!;
    expect(opened!.positions).toEqual([
      {
        symbol: 'ALPHA',
        qty: 10,
        avg_price: 100,
        stop_client_order_id: 'P-e.sl',
        take_profit_client_order_id: 'P-e.tp',
      },
    ]);
    expect(opened!.orders.map((row) => [row.client_order_id, row.status])).toEqual([
      ['P-e', 'filled'],
      ['P-e.sl', 'open'],
      ['P-e.tp', 'open'],
    ]);
    expect(closed!.positions).toEqual([]);
    expect(closed!.messages.map((row) => [row.topic, row.caused_by_intent])).toEqual([
      ['order.filled', true],
      ['order.filled', true],
      ['order.cancelled', true],
    ]);
    // The fills without a transaction (a read of the cause, then one statement each); the
    // cancellation, whose legs' ending reads the order as its upsert left it, in one.
    expect(counts.statement!.transactions).toBe(1);
    expect(counts.transaction!.transactions).toBe(3);
    expect(counts.statement!.statements).toBeLessThan(counts.transaction!.statements);
    await bus.stop();
  });
});
