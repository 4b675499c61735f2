import { describe, expect, it } from 'vitest';
import type { Broker, Order, OrderRequest, Position } from './broker.ts';
import { defaultStopPrice, ensureProtectiveStop, protectionOf, protectiveStopId } from './protection.ts';

/** A broker that keeps orders by id, as Alpaca does: an id once used stays taken. */
function memoryBroker(): Broker & { orders: Map<string, Order>; sent: OrderRequest[] } {
  const orders = new Map<string, Order>();
  const sent: OrderRequest[] = [];
  return {
    name: 'memory',
    orders,
    sent,
    account: () => ({ cash: 0, equity: 0 }),
    positions: () => [],
    submit(request) {
      sent.push(request);
      const order: Order = {
        clientOrderId: request.clientOrderId,
        symbol: request.symbol,
        side: request.side,
        type: request.type,
        qty: request.qty,
        limitPrice: null,
        stopPrice: request.stopPrice ?? null,
        leg: request.leg ?? 'entry',
        parentClientOrderId: null,
        linkedClientOrderIds: [],
        status: 'open',
        submittedAt: sent.length,
        filledAt: null,
        fillPrice: null,
        commission: 0,
        reason: null,
        cycleId: null,
      };
      orders.set(order.clientOrderId, order);
      return order;
    },
    cancel(id) {
      const order = orders.get(id);
      if (order) order.status = 'cancelled';
      return order;
    },
    getOrder: (id) => orders.get(id),
    closeAll: () => [],
    workingOrders: () => [...orders.values()].filter((order) => order.status === 'open'),
  };
}

const position = (qty: number): Position => ({
  symbol: 'XYZ',
  qty,
  avgPrice: 100,
  stopClientOrderId: null,
  takeProfitClientOrderId: null,
  openedAt: 0,
});

async function pass(broker: ReturnType<typeof memoryBroker>, held: Position) {
  return ensureProtectiveStop(
    {
      broker,
      brokerName: 'memory',
      ledger: undefined,
      idPrefix: 'wd.restop',
      stopPrice: defaultStopPrice(held, 0.05, 2),
      working: await broker.workingOrders!(),
    },
    held,
  );
}

describe('protection at the broker', () => {
  it('a short is covered by buy stops above its price, never by sell stops', async () => {
    const broker = memoryBroker();
    const short = position(-30);
    expect(defaultStopPrice(short, 0.05, 2)).toBe(105);
    broker.submit({
      clientOrderId: 'wrong-side',
      symbol: 'XYZ',
      side: 'sell',
      type: 'stop',
      stopPrice: 95,
      qty: 30,
    });
    expect((await protectionOf(broker, short, await broker.workingOrders!())).protected).toBe(false);
    const outcome = await pass(broker, short);
    expect(outcome).toMatchObject({ action: 'attached', sent: true, qty: 30 });
    expect(broker.sent.at(-1)).toMatchObject({ side: 'buy', qty: 30, stopPrice: 105, type: 'stop' });
    expect((await protectionOf(broker, short, await broker.workingOrders!())).protected).toBe(true);
  });

  it('repeated passes send one stop; a partly covered position gets only the remainder', async () => {
    const broker = memoryBroker();
    const long = position(50);
    broker.submit({
      clientOrderId: 'hand',
      symbol: 'XYZ',
      side: 'sell',
      type: 'stop',
      stopPrice: 90,
      qty: 20,
    });
    for (let each = 0; each < 10; each += 1) await pass(broker, long);
    expect(broker.sent.map((request) => [request.clientOrderId, request.qty])).toEqual([
      ['hand', 20],
      [protectiveStopId('wd.restop', long, 30, 95), 30],
    ]);
  });

  it('an id whose stop has since filled or been cancelled is not reused: the next deterministic one is', async () => {
    const broker = memoryBroker();
    const long = position(50);
    const first = await pass(broker, long);
    broker.cancel(first.clientOrderId!);
    const second = await pass(broker, long);
    expect(second.clientOrderId).toBe(`${first.clientOrderId}.1`);
    expect(await pass(broker, long)).toMatchObject({ action: 'protected', sent: false });
    expect(broker.sent).toHaveLength(2);
  });

  it('stop quantity beyond the position is cancelled, the position kept covered', async () => {
    const broker = memoryBroker();
    const long = position(50);
    for (const id of ['a', 'b'])
      broker.submit({ clientOrderId: id, symbol: 'XYZ', side: 'sell', type: 'stop', stopPrice: 90, qty: 50 });
    const outcome = await pass(broker, long);
    expect(outcome).toMatchObject({ action: 'protected', cancelled: ['b'] });
    const left = await broker.workingOrders!();
    expect(left.reduce((sum, order) => sum + order.qty, 0)).toBe(50);
  });
});
