import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { PaperBroker } from '../broker/index.ts';
import { stopManagementSchema } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { paperPriceTick } from '../market/index.ts';
import { alpacaPriceTick } from '../venues/alpaca/price-tick.ts';
import { runMonitorPass } from './monitor.ts';
import { nextStop } from './stop-management.ts';

const logger = silentLogger();
let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const rule = (input: Record<string, unknown>) => stopManagementSchema.parse(input);
const long = {
  side: 'long' as const,
  entry: 40,
  initialStop: 38,
  currentStop: 38,
  priceTick: alpacaPriceTick,
};

describe('stop management rule', () => {
  it('is off by default and never moves a stop then', () => {
    expect(stopManagementSchema.parse({}).mode).toBe('off');
    expect(nextStop(rule({}), { ...long, price: 100 })).toMatchObject({ move: false });
  });

  it('refuses a configuration it cannot use, naming the field', () => {
    const parsed = stopManagementSchema.safeParse({ mode: 'breakeven', triggerR: 0 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['triggerR']);
    expect(stopManagementSchema.safeParse({ mode: 'chandelier' }).success).toBe(false);
  });

  it('breakeven: moves to the average price only after triggerR × R in profit', () => {
    const breakeven = rule({ mode: 'breakeven', triggerR: 1 });
    expect(nextStop(breakeven, { ...long, price: 41.99 })).toMatchObject({ move: false });
    expect(nextStop(breakeven, { ...long, price: 42 })).toMatchObject({ move: true, stopPrice: 40 });
    // Already at breakeven: nothing to tighten.
    expect(nextStop(breakeven, { ...long, currentStop: 40, price: 45 })).toMatchObject({ move: false });
  });

  it('rounds on the tick toward the price (a long stop up, a short stop down), never looser', () => {
    const breakeven = rule({ mode: 'breakeven' });
    // Average 40.0042 (sub-penny): a long stop rounds up to 40.01, a short's down to 40.
    expect(nextStop(breakeven, { ...long, entry: 40.0042, initialStop: 38, price: 43 })).toMatchObject({
      move: true,
      stopPrice: 40.01,
    });
    expect(
      nextStop(breakeven, {
        side: 'short',
        entry: 40.0042,
        initialStop: 42,
        currentStop: 42,
        price: 37,
        priceTick: alpacaPriceTick,
      }),
    ).toMatchObject({ move: true, stopPrice: 40 });
  });

  it('trail: follows trailR × R behind the price, and never moves back', () => {
    const trail = rule({ mode: 'trail', triggerR: 1, trailR: 1 });
    expect(nextStop(trail, { ...long, price: 44.005 })).toMatchObject({ move: true, stopPrice: 42.01 });
    // The price fell back: the stop stays at 42.01 (a lower stop would loosen it).
    expect(nextStop(trail, { ...long, currentStop: 42.01, price: 43.5 })).toMatchObject({ move: false });
    const short = {
      side: 'short' as const,
      entry: 40,
      initialStop: 42,
      currentStop: 42,
      priceTick: paperPriceTick,
    };
    expect(nextStop(trail, { ...short, price: 36 })).toMatchObject({ move: true, stopPrice: 38 });
    expect(nextStop(trail, { ...short, currentStop: 38, price: 37 })).toMatchObject({ move: false });
  });

  it('keeps the stop when R or the price is unknown, or when the stop would be through the price', () => {
    const breakeven = rule({ mode: 'breakeven', triggerR: 0.01 });
    expect(nextStop(breakeven, { ...long, initialStop: Number.NaN, price: 45 })).toMatchObject({
      move: false,
    });
    expect(nextStop(breakeven, { ...long, price: Number.NaN })).toMatchObject({ move: false });
    expect(nextStop(breakeven, { ...long, initialStop: 41, price: 45 })).toMatchObject({ move: false });
    // 40.0042 rounds up to 40.01, through a price of 40.01: not sent.
    expect(nextStop(breakeven, { ...long, entry: 40.0042, price: 40.01, initialStop: 40 })).toMatchObject({
      move: false,
    });
  });
});

describe('the monitor moves the paper broker stop', () => {
  it('breakeven then nothing more: the stop order is modified in place and journaled through the ledger', async () => {
    db = await createTestDatabase();
    const clock = { time: 1, now: () => clock.time };
    const paper = new PaperBroker({ cash: 100_000, commission: 0, clock });
    const book = paper.book('AAA');
    paper.processBar(book, 1, 40, 40, 40, 40);
    paper.submit({ clientOrderId: 'by-hand', symbol: 'AAA', side: 'buy', type: 'market', qty: 60 });
    clock.time = 2;
    paper.processBar(book, 2, 40, 40.5, 39.5, 40);
    let last = 40;
    const published: Array<{ topic: string; payload: unknown }> = [];
    const pass = () =>
      runMonitorPass({
        broker: paper,
        brokerName: paper.name,
        db: db!.store,
        publish: async (input) => {
          published.push({ topic: input.topic, payload: input.payload });
        },
        logger,
        onMissingStop: 'reattach',
        defaultStopPct: 0.05,
        clock: { now: () => Date.UTC(2026, 11, 2, 15) },
        stops: { rule: rule({ mode: 'breakeven' }), priceTick: paperPriceTick, lastPrice: async () => last },
      });
    // First pass attaches the stop (38 = 5% under 40); a stop being repaired is not moved.
    expect((await pass()).actions).toMatchObject([{ action: 'reattached' }]);
    const stopId = paper.workingOrders().find((order) => order.type === 'stop')!.clientOrderId;
    last = 41.5;
    expect((await pass()).actions).toEqual([]);
    last = 42.2;
    expect((await pass()).actions).toMatchObject([{ action: 'stop_moved', clientOrderId: stopId }]);
    expect(paper.getOrder(stopId)).toMatchObject({ status: 'open', stopPrice: 40 });
    const row = await db.store.query<{ stop_price: string; initial_stop_price: string }>(
      'SELECT stop_price, initial_stop_price FROM orders WHERE client_order_id = $1',
      [stopId],
    );
    expect(row.rows.map((each) => [Number(each.stop_price), Number(each.initial_stop_price)])).toEqual([
      [40, 38],
    ]);
    expect(published.find((each) => each.topic === 'monitor.stop_moved')?.payload).toMatchObject({
      symbol: 'AAA',
      previousStopPrice: 38,
      stopPrice: 40,
      initialStopPrice: 38,
    });
    // Higher prices do not move a breakeven stop again; one stop order the whole time.
    last = 50;
    expect((await pass()).actions).toEqual([]);
    expect(paper.workingOrders().filter((order) => order.type === 'stop')).toHaveLength(1);
  });
});
