/**
 * A late report that an order is still working, through the real writers that can receive one
 * after the order filled: the MT5 bridge (a modify's acknowledgement arriving after the deal that
 * filled the stop) and the paper recorder (a cancellation event after the fill). The ledger's own
 * test (src/ledger/ledger.test.ts) covers every ledger function the other writers call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../src/broker/index.ts';
import { Bus } from '../src/bus/index.ts';
import { recordIntent } from '../src/ledger/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { BrokerRecorder } from '../src/runtime/index.ts';
import { applyAck, queueCommand, recordDeals, takeNextCommand } from '../src/venues/mt5/broker/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(async () => {
  await database.store.query('TRUNCATE fills, orders, positions, mt5_commands, agent_messages');
});

async function orderRow(clientOrderId: string) {
  const result = await database.store.query<{ status: string; filled_qty: number }>(
    'SELECT status, filled_qty FROM orders WHERE client_order_id = $1',
    [clientOrderId],
  );
  return result.rows[0];
}

describe("a late 'still working' after 'filled' leaves the order filled", () => {
  it("MT5: the stop's deal is reported before the acknowledgement of a modify sent to it", async () => {
    const store = database.store;
    await recordIntent(store, 'mt5', {
      clientOrderId: 'sg-m1',
      brokerOrderId: '555',
      leg: 'entry',
      symbol: 'EURUSD',
      side: 'buy',
      type: 'market',
      qty: 0.1,
      status: 'open',
    });
    await recordIntent(store, 'mt5', {
      clientOrderId: 'sg-m1.sl',
      parentClientOrderId: 'sg-m1',
      leg: 'stop_loss',
      symbol: 'EURUSD',
      side: 'sell',
      type: 'stop',
      qty: 0.1,
      stopPrice: 1.08,
      status: 'open',
    });
    await queueCommand(store, {
      command_id: 'cmd_sg-m1.sl.555',
      terminalId: 'T1',
      clientOrderId: 'sg-m1.sl',
      ttlS: 60,
      action: 'modify',
      position_ticket: 555,
      sl: 1.09,
    });
    expect((await takeNextCommand(store, 'T1'))?.command_id).toBe('cmd_sg-m1.sl.555');
    await store.transaction((tx) =>
      recordDeals(tx, {
        msg_id: 'deals-1',
        terminal_id: 'T1',
        server_utc_offset_s: 0,
        deals: [
          {
            ticket: 888,
            order: 889,
            position_id: 555,
            symbol: 'EURUSD',
            type: 'sell',
            volume: 0.1,
            price: 1.08,
            time_server: 1_767_600_000,
            reason: 'sl',
          },
        ],
      }),
    );
    expect(await orderRow('sg-m1.sl')).toEqual({ status: 'filled', filled_qty: 0.1 });
    const reply = await store.transaction((tx) =>
      applyAck(tx, {
        msg_id: 'ack-1',
        terminal_id: 'T1',
        command_id: 'cmd_sg-m1.sl.555',
        status: 'done',
        retcode: 10009,
      }),
    );
    expect(reply.status).toBe(200);
    expect(await orderRow('sg-m1.sl')).toEqual({ status: 'filled', filled_qty: 0.1 });
  });

  it('paper recorder: a cancellation event recorded after the fill', async () => {
    const published: string[] = [];
    const bus = new Bus({ store: database.store, logger: silentLogger() });
    const recorder = new BrokerRecorder({
      store: database.store,
      publish: async (input, options) => {
        published.push(input.topic);
        return bus.publish(input, options);
      },
      publishWithWrites: async (input, writes) => {
        published.push(input.topic);
        return bus.publishWithWrites(input, writes);
      },
      brokerName: 'paper',
      logger: silentLogger(),
      clock: { now: () => Date.UTC(2026, 0, 5, 16) },
    });
    const order: Order = {
      clientOrderId: 'sg-p1',
      symbol: 'ALPHA',
      side: 'buy',
      type: 'market',
      qty: 10,
      limitPrice: null,
      stopPrice: null,
      leg: 'entry',
      parentClientOrderId: null,
      linkedClientOrderIds: [],
      status: 'filled',
      submittedAt: Date.UTC(2026, 0, 5, 15),
      filledAt: Date.UTC(2026, 0, 5, 15, 1),
      fillPrice: 100,
      commission: 0,
      reason: null,
      cycleId: null,
    };
    recorder.record({
      kind: 'fill',
      order,
      fill: {
        clientOrderId: 'sg-p1',
        symbol: 'ALPHA',
        side: 'buy',
        qty: 10,
        price: 100,
        commission: 0,
        time: Date.UTC(2026, 0, 5, 15, 1),
      },
      cashAfter: 99_000,
      positionAfter: 10,
    });
    recorder.record({ kind: 'cancelled', order: { ...order, status: 'cancelled', reason: 'late' } });
    await recorder.flush();
    expect(recorder.failures).toBe(0);
    expect(published).toEqual(['order.filled', 'order.cancelled']);
    expect(await orderRow('sg-p1')).toEqual({ status: 'filled', filled_qty: 10 });
    await bus.stop();
  });
});
