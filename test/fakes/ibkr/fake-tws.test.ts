import { EventName } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, contracts, limit, stock, stop, waitForInfo, waitForRequests } from './client-harness.ts';
import { type FakeTws, startFakeTws } from './server.ts';

let fake: FakeTws | undefined;
const clients: Client[] = [];

async function connect(f: FakeTws, clientId: number): Promise<Client> {
  const c = new Client(f, clientId);
  clients.push(c);
  return c.connect();
}

afterEach(async () => {
  for (const c of clients.splice(0)) {
    expect(c.decodingErrors).toEqual([]);
    c.disconnect();
  }
  await fake?.close();
  fake = undefined;
});

describe('fake TWS: handshake', () => {
  it('negotiates 193 with @stoqey/ib, then sends managedAccounts, nextValidId and the farm notices', async () => {
    fake = await startFakeTws({ contracts, accounts: ['DU111', 'DU222'] });
    const c = await connect(fake, 7);
    expect(c.ib.serverVersion).toBe(193);
    expect(c.nextValidId).toBe(1);
    const accounts = await c.waitEvent(EventName.managedAccounts);
    expect(accounts.args[0]).toBe('DU111,DU222');
    await waitCodes(c, [2104, 2106, 2158]);
  });

  it('speaks an older negotiated version (176) with the same client', async () => {
    fake = await startFakeTws({ contracts, serverVersion: 176 });
    const c = await connect(fake, 1);
    expect(c.ib.serverVersion).toBe(176);
    c.ib.placeOrder(c.nextValidId, stock('AAPL'), limit('BUY', 10, 150.25, { orderRef: 'sig-1' }));
    const open = await c.waitEvent(EventName.openOrder);
    expect((open.args[2] as { orderRef: string }).orderRef).toBe('sig-1');
  });

  it('refuses a client id already connected with 326', async () => {
    fake = await startFakeTws({ contracts });
    await connect(fake, 3);
    const second = new Client(fake, 3);
    second.ib.connect(3);
    await waitForInfo(second, 326);
    expect(fake.clients()).toEqual([3]);
  });
});

describe('fake TWS: orders', () => {
  it('acknowledges a limit order with openOrder (orderRef) and orderStatus Submitted, and cancels it', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const id = c.nextValidId;
    c.ib.placeOrder(
      id,
      stock('AAPL'),
      limit('BUY', 100, 190.5, { orderRef: 'signet:abc', account: 'DU1234567' }),
    );
    const status = await c.waitStatus(id, 'Submitted');
    expect(status.slice(0, 5)).toEqual([id, 'Submitted', 0, 100, 0]);
    const open = await c.waitEvent(EventName.openOrder, (a) => a[0] === id);
    expect(open.args[2]).toMatchObject({
      orderRef: 'signet:abc',
      lmtPrice: 190.5,
      totalQuantity: 100,
      action: 'BUY',
    });
    c.ib.cancelOrder(id);
    await c.waitStatus(id, 'Cancelled');
    await c.waitError(202, id);
    const statuses = c.named(EventName.orderStatus).map((e) => e.args[1]);
    expect(statuses).toEqual(['Submitted', 'PendingCancel', 'Cancelled']);
    expect(fake.orders()[0]).toMatchObject({ id, status: 'Cancelled', orderRef: 'signet:abc' });
  });

  it('fills through the control: orderStatus Filled, execDetails with execId, then its commissionReport', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const id = c.nextValidId;
    c.ib.placeOrder(id, stock('AAPL'), limit('BUY', 100, 190.5, { orderRef: 'r1' }));
    await c.waitStatus(id, 'Submitted');
    fake.fill(id, 190.4, 40);
    const partial = await c.waitStatus(id, 'Submitted');
    expect(partial).toBeDefined();
    await c.waitEvent(EventName.orderStatus, (a) => a[0] === id && a[2] === 40 && a[3] === 60);
    fake.fill(id, 190.5);
    const filled = await c.waitStatus(id, 'Filled');
    expect(filled[2]).toBe(100);
    expect(filled[3]).toBe(0);
    expect(filled[4]).toBeCloseTo(190.46, 6);
    const execs = c.named(EventName.execDetails);
    expect(execs).toHaveLength(2);
    const exec = execs[1]!.args[2] as {
      execId: string;
      shares: number;
      price: number;
      orderRef: string;
      orderId: number;
    };
    expect(exec).toMatchObject({ shares: 60, price: 190.5, orderRef: 'r1', orderId: id });
    const report = await c.waitEvent(
      EventName.commissionReport,
      (a) => (a[0] as { execId: string }).execId === exec.execId,
    );
    // An opening trade realizes nothing: TWS sends Double.MAX_VALUE, which @stoqey/ib reads as undefined.
    expect(report.args[0]).toMatchObject({ commission: 1, currency: 'USD', realizedPNL: undefined });
    expect(fake.positions()).toEqual([
      { account: 'DU1234567', symbol: 'AAPL', qty: 100, avgCost: expect.closeTo(190.46, 6) },
    ]);
  });

  it('refuses a reused order id with 103, a price off the tick with 110, an unknown symbol with 200', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const id = c.nextValidId;
    c.ib.placeOrder(id + 5, stock('AAPL'), limit('BUY', 1, 100));
    await c.waitStatus(id + 5, 'Submitted');
    c.ib.placeOrder(id + 2, stock('AAPL'), limit('BUY', 1, 100));
    expect((await c.waitError(103, id + 2)).message).toBe('Duplicate order id');
    c.ib.placeOrder(id + 6, stock('AAPL'), limit('BUY', 1, 100.005));
    expect((await c.waitError(110, id + 6)).message).toBe(
      'The price does not conform to the minimum price variation for this contract.',
    );
    c.ib.placeOrder(id + 7, stock('ZZZZ'), limit('BUY', 1, 10));
    expect((await c.waitError(200, id + 7)).message).toBe(
      'No security definition has been found for the request',
    );
    expect(fake.orders().map((o) => o.id)).toEqual([id + 5]);
  });

  it('rejects with 201 what the rejectOrders hook refuses', async () => {
    fake = await startFakeTws({
      contracts,
      rejectOrders: (o) =>
        o.totalQuantity > 1000
          ? 'YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN'
          : null,
    });
    const c = await connect(fake, 1);
    c.ib.placeOrder(c.nextValidId, stock('AAPL'), limit('BUY', 5000, 100));
    const e = await c.waitError(201, c.nextValidId);
    expect(e.message).toMatch(/^Order rejected - reason:YOUR ORDER IS NOT ACCEPTED/);
    expect(fake.orders().map((o) => [o.id, o.status, o.transmitted])).toEqual([
      [c.nextValidId, 'Inactive', false],
    ]);
    c.ib.reqAllOpenOrders();
    await c.waitEvent(EventName.openOrderEnd);
    expect(c.named(EventName.openOrder)).toEqual([]);
  });

  it('cancel of an unknown order is 10147, of a filled one 10148 with its state', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    c.ib.cancelOrder(999);
    expect((await c.waitError(10147, 999)).message).toBe(
      'OrderId 999 that needs to be cancelled is not found.',
    );
    const id = c.nextValidId;
    c.ib.placeOrder(id, stock('AAPL'), limit('BUY', 1, 100));
    await c.waitStatus(id, 'Submitted');
    fake.fill(id, 100);
    await c.waitStatus(id, 'Filled');
    c.ib.cancelOrder(id);
    expect((await c.waitError(10148, id)).message).toBe(
      `OrderId ${id} that needs to be cancelled cannot be cancelled, state: Filled.`,
    );
  });
});

describe('fake TWS: brackets', () => {
  async function bracket(c: Client, f: FakeTws) {
    const p = c.nextValidId;
    c.ib.placeOrder(p, stock('AAPL'), limit('BUY', 100, 190, { orderRef: 'b:entry', transmit: false }));
    c.ib.placeOrder(
      p + 1,
      stock('AAPL'),
      stop('SELL', 100, 185, { orderRef: 'b:stop', parentId: p, transmit: false }),
    );
    // Held: nothing works and nothing is acknowledged until the last child carries transmit=true.
    await waitForRequests(f, 2);
    expect(f.orders().map((o) => [o.id, o.status, o.transmitted])).toEqual([
      [p, 'PendingSubmit', false],
      [p + 1, 'PendingSubmit', false],
    ]);
    expect(() => f.fill(p, 190)).toThrow(/not working/);
    expect(c.named(EventName.orderStatus)).toEqual([]);
    c.ib.placeOrder(
      p + 2,
      stock('AAPL'),
      limit('SELL', 100, 200, { orderRef: 'b:target', parentId: p, transmit: true }),
    );
    await c.waitStatus(p, 'Submitted');
    await c.waitStatus(p + 1, 'PreSubmitted');
    await c.waitStatus(p + 2, 'PreSubmitted');
    return p;
  }

  it('holds parent and stop until the last child transmits; children work once the parent fills', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const p = await bracket(c, fake);
    expect(() => fake!.fill(p + 1, 185)).toThrow(/not working/);
    fake.fill(p, 190);
    await c.waitStatus(p, 'Filled');
    // The target works (Submitted); the stop, a simulated order, stays PreSubmitted until elected
    // but is now re-reported and live.
    await c.waitStatus(p + 2, 'Submitted');
    const stopReports = c.named(EventName.orderStatus).filter((e) => e.args[0] === p + 1);
    expect(stopReports.map((e) => e.args[1])).toEqual(['PreSubmitted', 'PreSubmitted']);
    expect(fake.orders().find((o) => o.id === p + 1)?.status).toBe('PreSubmitted');
    const open = c.named(EventName.openOrder).map((e) => e.args[2] as { orderRef: string; parentId: number });
    expect(open.some((o) => o.orderRef === 'b:stop' && o.parentId === p)).toBe(true);
  });

  it('OCA: the stop filling (price crossed) cancels the target', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const p = await bracket(c, fake);
    fake.setLastPrice('AAPL', 189.99);
    await c.waitStatus(p, 'Filled');
    await c.waitStatus(p + 2, 'Submitted');
    fake.setLastPrice('AAPL', 185.01);
    fake.setLastPrice('AAPL', 184.5);
    const stopFill = await c.waitStatus(p + 1, 'Filled');
    expect(stopFill[4]).toBe(184.5);
    await c.waitStatus(p + 2, 'Cancelled');
    expect(fake.positions()[0]).toMatchObject({ symbol: 'AAPL', qty: 0 });
    // The closing fill realizes (184.5 - 190) x 100 less its USD 1 commission.
    const closing = c.named(EventName.commissionReport).at(-1)!.args[0] as { realizedPNL: number };
    await waitForInfo(c, 202);
    expect(closing.realizedPNL).toBeCloseTo(-551, 6);
  });

  it('OCA: the target filling cancels the stop; cancelling a parent cancels its children', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const p = await bracket(c, fake);
    fake.fill(p, 190);
    await c.waitStatus(p + 2, 'Submitted');
    fake.fill(p + 2, 200);
    await c.waitStatus(p + 1, 'Cancelled');
    const q = p + 3;
    c.ib.placeOrder(q, stock('MSFT'), limit('BUY', 10, 400, { transmit: false }));
    c.ib.placeOrder(q + 1, stock('MSFT'), stop('SELL', 10, 390, { parentId: q, transmit: true }));
    await c.waitStatus(q + 1, 'PreSubmitted');
    c.ib.cancelOrder(q);
    await c.waitStatus(q, 'Cancelled');
    await c.waitStatus(q + 1, 'Cancelled');
  });

  it('a child modification naming a filled parent is 135; with parentId 0 it goes through', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const p = await bracket(c, fake);
    fake.fill(p, 190);
    await c.waitStatus(p + 2, 'Submitted');
    c.ib.placeOrder(p + 1, stock('AAPL'), stop('SELL', 100, 186, { orderRef: 'b:stop', parentId: p }));
    expect((await c.waitError(135, p + 1)).message).toBe(`Can't find order with id = ${p}`);
    c.ib.placeOrder(p + 1, stock('AAPL'), stop('SELL', 100, 186, { orderRef: 'b:stop', parentId: 0 }));
    await c.waitEvent(
      EventName.openOrder,
      (a) => a[0] === p + 1 && (a[2] as { auxPrice: number }).auxPrice === 186,
    );
    // Still the bracket's child: the target filling cancels it.
    fake.fill(p + 2, 200);
    await c.waitStatus(p + 1, 'Cancelled');
  });

  it('refuses a child whose parent is unknown (10006) and a modification that changes more than price/qty (105)', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const id = c.nextValidId;
    c.ib.placeOrder(id, stock('AAPL'), stop('SELL', 10, 180, { parentId: 77 }));
    expect((await c.waitError(10006, id)).message).toBe('Missing parent order.');
    c.ib.placeOrder(id + 1, stock('AAPL'), stop('SELL', 10, 180));
    await c.waitStatus(id + 1, 'PreSubmitted');
    c.ib.placeOrder(id + 1, stock('AAPL'), stop('BUY', 10, 180));
    await c.waitError(105, id + 1);
    // Moving the stop is a modification: same id, new auxPrice.
    c.ib.placeOrder(id + 1, stock('AAPL'), stop('SELL', 10, 182.5));
    await c.waitEvent(
      EventName.openOrder,
      (a) => a[0] === id + 1 && (a[2] as { auxPrice: number }).auxPrice === 182.5,
    );
    expect(fake.orders().find((o) => o.id === id + 1)?.auxPrice).toBe(182.5);
    fake.fill(id + 1, 182.5);
    await c.waitStatus(id + 1, 'Filled');
    c.ib.placeOrder(id + 1, stock('AAPL'), stop('SELL', 10, 181));
    await c.waitError(104, id + 1);
  });
});

async function waitCodes(c: Client, codes: number[]): Promise<void> {
  for (const code of codes) await waitForInfo(c, code);
}
