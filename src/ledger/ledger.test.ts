import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import {
  answerIntent,
  applyOrderState,
  type BrokerOrderState,
  bracketLegIntents,
  markOrder,
  markQueued,
  ORDER_STATES,
  recordBracketLegs,
  recordExecution,
  recordFill,
  recordIntent,
  recordIntents,
  recordProtectiveOrder,
  replacePositionSizes,
  setStop,
  settleLegs,
  settleOrder,
  settleOrderFromFills,
} from './index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(async () => {
  await database.store.query('TRUNCATE fills, orders, positions');
});

const broker = 'test-broker';
const id = 'sg-late-1';

/** The order as the broker reported it last: filled, with its fill recorded. */
const filled: BrokerOrderState = {
  clientOrderId: id,
  brokerOrderId: 'b-1',
  parentClientOrderId: null,
  leg: 'entry',
  symbol: 'ALPHA',
  side: 'buy',
  type: 'market',
  qty: 10,
  limitPrice: null,
  stopPrice: null,
  timeInForce: 'day',
  status: 'filled',
  filledQty: 10,
  avgFillPrice: 100,
  submittedAt: Date.UTC(2026, 0, 5, 15),
  filledAt: Date.UTC(2026, 0, 5, 15, 1),
  reason: null,
};
/** A late answer saying the order is still working (Alpaca's `new`, which is `open` in the ledger). */
const lateNew: BrokerOrderState = {
  ...filled,
  status: 'open',
  filledQty: 0,
  avgFillPrice: null,
  filledAt: null,
};

async function row(clientOrderId = id) {
  const result = await database.store.query<{
    status: string;
    filled_qty: number;
    avg_fill_price: number | null;
  }>('SELECT status, filled_qty, avg_fill_price FROM orders WHERE client_order_id = $1', [clientOrderId]);
  return result.rows[0];
}

async function recordFilled(): Promise<void> {
  await recordIntent(database.store, broker, {
    clientOrderId: id,
    leg: 'entry',
    symbol: 'ALPHA',
    side: 'buy',
    type: 'market',
    qty: 10,
    status: 'pending_submit',
  });
  await applyOrderState(database.store, broker, filled);
  expect(await row()).toMatchObject({ status: 'filled', filled_qty: 10, avg_fill_price: 100 });
}

describe('recordIntents', () => {
  it('writes an entry and its legs in one statement, in the order given, keeping rows already there', async () => {
    const entry = {
      clientOrderId: 'sg-bracket',
      symbol: 'ALPHA',
      side: 'buy' as const,
      qty: 5,
      cycleId: 'c1',
    };
    const legs = bracketLegIntents(entry, { stopLoss: 95, takeProfit: null });
    expect(legs.map((leg) => [leg.clientOrderId, leg.side, leg.type, leg.stopPrice, leg.status])).toEqual([
      ['sg-bracket.sl', 'sell', 'stop', 95, 'waiting'],
    ]);
    // The stop leg is there already (an adapter that writes its legs itself): it is kept.
    await recordBracketLegs(database.store, broker, entry, { stopLoss: 90 });
    const inserted = await recordIntents(database.store, broker, [
      { ...entry, leg: 'entry', type: 'market', status: 'pending_submit' },
      ...bracketLegIntents(entry, { stopLoss: 95, takeProfit: 110 }),
    ]);
    expect(inserted).toBe(2);
    const rows = await database.store.query<{ client_order_id: string; stop_price: number | null }>(
      'SELECT client_order_id, stop_price FROM orders ORDER BY id',
    );
    expect(rows.rows).toEqual([
      { client_order_id: 'sg-bracket.sl', stop_price: 90 },
      { client_order_id: 'sg-bracket', stop_price: null },
      { client_order_id: 'sg-bracket.tp', stop_price: null },
    ]);
    expect(await recordIntents(database.store, broker, [])).toBe(0);
  });
});

describe('orders.status', () => {
  it('the CHECK constraint lists exactly ORDER_STATES', async () => {
    const result = await database.store.query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = 'orders'::regclass AND conname = 'orders_status_check'`,
    );
    const definition = result.rows[0]?.definition ?? '';
    const listed = [...definition.matchAll(/'([^']+)'/g)].map((match) => match[1]);
    expect([...listed].sort()).toEqual([...ORDER_STATES].sort());
  });

  it('takes every ledger state and refuses any other', async () => {
    for (const state of ORDER_STATES) {
      await database.store.query(
        `INSERT INTO orders (client_order_id, broker, symbol, side, type, qty, status)
         VALUES ($1, $2, 'ALPHA', 'buy', 'market', 1, $3)`,
        [`state-${state}`, broker, state],
      );
    }
    await expect(
      database.store.query(
        `INSERT INTO orders (client_order_id, broker, symbol, side, type, qty, status)
         VALUES ('state-new', $1, 'ALPHA', 'buy', 'market', 1, 'new')`,
        [broker],
      ),
    ).rejects.toThrow(/orders_status_check/);
  });
});

describe('an order only moves forward, whoever writes it', () => {
  const writers: Array<[string, () => Promise<unknown>]> = [
    // Alpaca's answers and stream, reconciliation, the paper recorder.
    [
      'applyOrderState (broker reports, reconciliation, recorder)',
      () => applyOrderState(database.store, broker, lateNew),
    ],
    [
      'applyOrderState, the late answer carrying the same fills',
      () => applyOrderState(database.store, broker, { ...lateNew, filledQty: 10, avgFillPrice: 100 }),
    ],
    [
      'recordExecution (a stream event for the order)',
      () =>
        database.store.transaction((tx) =>
          recordExecution(
            tx,
            broker,
            {
              brokerOrderId: 'b-1',
              clientOrderId: id,
              executionId: 'late-exec',
              symbol: 'ALPHA',
              side: 'buy',
              qty: 1,
              price: 99,
              time: Date.UTC(2026, 0, 5, 16),
              cumulativeFilledQty: 1,
              positionQty: 1,
            },
            lateNew,
          ),
        ),
    ],
    // The decision cycle's answer to its intent, and the restart's repair of intents.
    [
      'answerIntent (pipeline execute, interrupted intents)',
      () =>
        answerIntent(database.store, id, { status: 'open', reason: null, filledQty: 0, avgFillPrice: null }),
    ],
    // The position monitor's and the watchdog's protective orders.
    [
      'recordProtectiveOrder (monitor, watchdog)',
      () =>
        recordProtectiveOrder(database.store, broker, {
          clientOrderId: id,
          leg: 'entry',
          symbol: 'ALPHA',
          side: 'buy',
          type: 'market',
          qty: 10,
          stopPrice: null,
          status: 'open',
        }),
    ],
    // MT5: queued commands, acknowledgements, deals.
    ['markQueued (MT5 command queued)', () => markQueued(database.store, broker, id)],
    ['settleOrder (MT5 acknowledgement)', () => settleOrder(database.store, broker, id, { status: 'open' })],
    [
      'settleOrderFromFills (MT5 placed order)',
      () => settleOrderFromFills(database.store, broker, id, 'open', 'b-1'),
    ],
    ['markOrder (reconciliation, Alpaca refusal)', () => markOrder(database.store, id, 'open', null)],
    [
      'recordIntent (an intent recorded again)',
      () =>
        recordIntent(database.store, broker, {
          clientOrderId: id,
          leg: 'entry',
          symbol: 'ALPHA',
          side: 'buy',
          type: 'market',
          qty: 10,
          status: 'pending_submit',
        }),
    ],
  ];

  for (const [name, write] of writers) {
    it(`a late 'new' after 'filled' stays filled: ${name}`, async () => {
      await recordFilled();
      await write();
      expect(await row()).toMatchObject({ status: 'filled', filled_qty: 10, avg_fill_price: 100 });
    });
  }

  it('waiting legs follow their entry, and a leg that moved on is left alone', async () => {
    await recordFilled();
    for (const [suffix, leg] of [
      ['sl', 'stop_loss'],
      ['tp', 'take_profit'],
    ] as const) {
      await recordIntent(database.store, broker, {
        clientOrderId: `${id}.${suffix}`,
        parentClientOrderId: id,
        leg,
        symbol: 'ALPHA',
        side: 'sell',
        type: leg === 'stop_loss' ? 'stop' : 'limit',
        qty: 10,
        status: 'waiting',
      });
    }
    await settleOrder(database.store, broker, `${id}.tp`, {
      status: 'filled',
      filledQty: 10,
      avgFillPrice: 110,
    });
    await settleLegs(database.store, broker, id, 'open');
    expect((await row(`${id}.sl`))?.status).toBe('open');
    expect((await row(`${id}.tp`))?.status).toBe('filled');
  });

  it('a rejection we recorded before the broker ever reported the order gives way to the broker', async () => {
    await recordIntent(database.store, broker, {
      clientOrderId: id,
      leg: 'entry',
      symbol: 'ALPHA',
      side: 'buy',
      type: 'market',
      qty: 10,
      status: 'open',
    });
    await markOrder(database.store, id, 'rejected', 'the request timed out');
    await applyOrderState(database.store, broker, lateNew);
    expect((await row())?.status).toBe('open');
    // Once the broker has reported it, its final state is final.
    await applyOrderState(database.store, broker, filled);
    await applyOrderState(database.store, broker, lateNew);
    expect((await row())?.status).toBe('filled');
  });
});

describe('fills and positions', () => {
  it('records an execution id once', async () => {
    await recordFilled();
    const fill = {
      clientOrderId: id,
      executionId: 'exec-1',
      symbol: 'ALPHA',
      side: 'buy' as const,
      qty: 10,
      price: 100,
      time: Date.UTC(2026, 0, 5, 15, 1),
    };
    expect(await recordFill(database.store, broker, fill)).toBe(true);
    expect(await recordFill(database.store, broker, fill)).toBe(false);
    expect(await recordFill(database.store, broker, { ...fill, price: 101 })).toBe(false);
    const count = await database.store.query<{ n: number }>('SELECT count(*)::int AS n FROM fills');
    expect(count.rows[0]?.n).toBe(1);
  });

  it("a late execution the order's recorded fills already cover adds nothing", async () => {
    await recordFilled();
    await recordFill(database.store, broker, {
      clientOrderId: id,
      executionId: 'reconciled:b-1:10',
      symbol: 'ALPHA',
      side: 'buy',
      qty: 10,
      price: 100,
      time: Date.UTC(2026, 0, 5, 15, 1),
    });
    const added = await recordFill(database.store, broker, {
      clientOrderId: id,
      executionId: 'stream-exec',
      symbol: 'ALPHA',
      side: 'buy',
      qty: 10,
      price: 100,
      time: Date.UTC(2026, 0, 5, 15, 1),
      cumulativeFilledQty: 10,
    });
    expect(added).toBe(false);
  });

  it("replaces a broker's position sizes, keeping the protective orders of the ones still held", async () => {
    await database.store.transaction(async (tx) => {
      await replacePositionSizes(tx, broker, [
        { symbol: 'ALPHA', qty: 10, avgPrice: 100 },
        { symbol: 'BETA', qty: -5, avgPrice: 50 },
      ]);
    });
    await setStop(database.store, broker, 'ALPHA', 'alpha-stop');
    await replacePositionSizes(database.store, broker, [
      { symbol: 'ALPHA', qty: 12, avgPrice: 101 },
      { symbol: 'BETA', qty: 0, avgPrice: 50 },
    ]);
    const rows = await database.store.query(
      'SELECT symbol, qty, avg_price, stop_client_order_id FROM positions',
    );
    expect(rows.rows).toEqual([
      { symbol: 'ALPHA', qty: 12, avg_price: 101, stop_client_order_id: 'alpha-stop' },
    ]);
  });
});

describe('bracket legs are written with their entry and end with it', () => {
  const intent = async (clientOrderId: string) => {
    await database.store.transaction(async (tx) => {
      await recordIntent(tx, broker, {
        clientOrderId,
        leg: 'entry',
        symbol: 'ALPHA',
        side: 'buy',
        type: 'market',
        qty: 10,
        status: 'pending_submit',
      });
      await recordBracketLegs(
        tx,
        broker,
        { clientOrderId, symbol: 'ALPHA', side: 'buy', qty: 10 },
        { stopLoss: 95, takeProfit: 110 },
      );
    });
  };
  const legs = async (entry: string) =>
    (
      await database.store.query<{ client_order_id: string; leg: string; side: string; status: string }>(
        `SELECT client_order_id, leg, side, status, stop_price, limit_price FROM orders
          WHERE parent_client_order_id = $1 ORDER BY client_order_id`,
        [entry],
      )
    ).rows;

  it('the stop-loss and take-profit rows wait with the intent, named as every venue names them', async () => {
    await intent('sg-b1');
    expect(await legs('sg-b1')).toEqual([
      {
        client_order_id: 'sg-b1.sl',
        leg: 'stop_loss',
        side: 'sell',
        status: 'waiting',
        stop_price: 95,
        limit_price: null,
      },
      {
        client_order_id: 'sg-b1.tp',
        leg: 'take_profit',
        side: 'sell',
        status: 'waiting',
        stop_price: null,
        limit_price: 110,
      },
    ]);
    // An adapter that writes its legs itself (MT5) finds them there: nothing doubles.
    await recordBracketLegs(
      database.store,
      broker,
      { clientOrderId: 'sg-b1', symbol: 'ALPHA', side: 'buy', qty: 10 },
      { stopLoss: 90 },
    );
    expect((await legs('sg-b1')).map((leg) => leg.client_order_id)).toEqual(['sg-b1.sl', 'sg-b1.tp']);
  });

  it('an entry that ends unfilled takes its waiting legs with it, whichever writer ends it', async () => {
    const enders: Array<[string, (entry: string) => Promise<unknown>, string]> = [
      [
        'answerIntent rejected',
        (entry) =>
          answerIntent(database.store, entry, {
            status: 'rejected',
            reason: 'no cash',
            filledQty: 0,
            avgFillPrice: null,
          }),
        'cancelled',
      ],
      [
        'answerIntent not sent',
        (entry) =>
          answerIntent(database.store, entry, {
            status: 'not_sent',
            reason: 'stopped',
            filledQty: 0,
            avgFillPrice: null,
          }),
        'not_sent',
      ],
      ['markOrder', (entry) => markOrder(database.store, entry, 'rejected', 'refused'), 'cancelled'],
      [
        'settleOrder',
        (entry) => settleOrder(database.store, broker, entry, { status: 'cancelled' }),
        'cancelled',
      ],
      [
        'applyOrderState',
        (entry) =>
          applyOrderState(database.store, broker, {
            ...lateNew,
            clientOrderId: entry,
            status: 'cancelled',
          }),
        'cancelled',
      ],
    ];
    for (const [name, end, legStatus] of enders) {
      const entry = `sg-end-${name.replace(/\W+/g, '-')}`;
      await intent(entry);
      await end(entry);
      expect(
        (await legs(entry)).map((leg) => leg.status),
        name,
      ).toEqual([legStatus, legStatus]);
    }
  });

  it('a late rejection of an entry already moved on (its answer written in one statement with the legs) changes neither', async () => {
    await intent('sg-late');
    await answerIntent(database.store, 'sg-late', {
      status: 'open',
      reason: null,
      filledQty: 0,
      avgFillPrice: null,
    });
    await answerIntent(database.store, 'sg-late', {
      status: 'rejected',
      reason: 'late',
      filledQty: 0,
      avgFillPrice: null,
    });
    const entry = await database.store.query<{ status: string }>(
      'SELECT status FROM orders WHERE client_order_id = $1',
      ['sg-late'],
    );
    expect(entry.rows[0]?.status).toBe('open');
    expect((await legs('sg-late')).map((leg) => leg.status)).toEqual(['waiting', 'waiting']);
  });

  it('a filled entry keeps its legs: they start working with its fill', async () => {
    await intent('sg-b2');
    await answerIntent(database.store, 'sg-b2', {
      status: 'open',
      reason: null,
      filledQty: 0,
      avgFillPrice: null,
    });
    await applyOrderState(database.store, broker, {
      ...filled,
      clientOrderId: 'sg-b2',
      brokerOrderId: 'b-2',
    });
    expect((await legs('sg-b2')).map((leg) => leg.status)).toEqual(['waiting', 'waiting']);
    await settleLegs(database.store, broker, 'sg-b2', 'open');
    expect((await legs('sg-b2')).map((leg) => leg.status)).toEqual(['open', 'open']);
  });
});
