import { EventName } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait.ts';
import { Client, limit, stock, stop } from './client-harness.ts';
import { type FakeTws, startFakeTws } from './server.ts';

const contracts = [
  { symbol: 'AAPL', minTick: 0.01, conId: 265598 },
  { symbol: 'MSFT', minTick: 0.01, conId: 272093 },
];

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
    expect((report.args[0] as { commission: number }).commission).toBe(1);
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
    expect(fake.orders()).toEqual([]);
  });

  it('cancel of an unknown order is 10147, of a filled one 10148', async () => {
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
    await c.waitError(10148, id);
  });
});

async function waitCodes(c: Client, codes: number[]): Promise<void> {
  for (const code of codes) await waitForInfo(c, code);
}

async function waitForInfo(c: Client, code: number): Promise<void> {
  await waitFor(
    () => c.infos.some((i) => i.code === code) || c.errors.some((e) => e.code === code),
    `notice ${code}`,
  );
}

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
    await c.waitStatus(p + 1, 'Submitted');
    await c.waitStatus(p + 2, 'Submitted');
    const open = c.named(EventName.openOrder).map((e) => e.args[2] as { orderRef: string; parentId: number });
    expect(open.some((o) => o.orderRef === 'b:stop' && o.parentId === p)).toBe(true);
  });

  it('OCA: the stop filling (price crossed) cancels the target', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const p = await bracket(c, fake);
    fake.setLastPrice('AAPL', 189.99);
    await c.waitStatus(p, 'Filled');
    await c.waitStatus(p + 1, 'Submitted');
    fake.setLastPrice('AAPL', 184.5);
    const stopFill = await c.waitStatus(p + 1, 'Filled');
    expect(stopFill[4]).toBe(184.5);
    await c.waitStatus(p + 2, 'Cancelled');
    expect(fake.positions()[0]).toMatchObject({ symbol: 'AAPL', qty: 0 });
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

  it('refuses a child whose parent is unknown (135) and a modification that changes more than price/qty (105)', async () => {
    fake = await startFakeTws({ contracts });
    const c = await connect(fake, 1);
    const id = c.nextValidId;
    c.ib.placeOrder(id, stock('AAPL'), stop('SELL', 10, 180, { parentId: 77 }));
    expect((await c.waitError(135, id)).message).toBe("Can't find order with id =77");
    c.ib.placeOrder(id + 1, stock('AAPL'), stop('SELL', 10, 180));
    await c.waitStatus(id + 1, 'Submitted');
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

async function waitForRequests(f: FakeTws, n: number): Promise<void> {
  await waitFor(
    () => f.requests().filter((r) => r.name === 'PLACE_ORDER').length >= n,
    `${n} placeOrder requests`,
  );
}

const dailyBars = Array.from({ length: 30 }, (_, i) => {
  const d = new Date(Date.UTC(2026, 10, 1 + i));
  const day = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return { time: day, open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 1000 + i };
});

describe('fake TWS: historical data', () => {
  it('serves bars in the window, then refuses identical requests within 15 s and a 6th for one contract within 2 s (162)', async () => {
    let t = Date.UTC(2026, 11, 3, 12, 0, 0);
    fake = await startFakeTws({ contracts, bars: { AAPL: dailyBars }, now: () => t });
    const c = await connect(fake, 1);
    c.ib.reqHistoricalData(
      1,
      stock('AAPL'),
      '20261110 23:59:59 UTC',
      '5 D',
      '1 day' as never,
      'TRADES',
      1,
      1,
      false,
    );
    await c.waitEvent(EventName.historicalData, (a) => a[0] === 1 && String(a[1]).startsWith('finished'));
    const rows = c
      .named(EventName.historicalData)
      .filter((e) => e.args[0] === 1 && !String(e.args[1]).startsWith('finished'));
    expect(rows.map((e) => e.args[1])).toEqual(['20261106', '20261107', '20261108', '20261109', '20261110']);
    expect(rows[0]!.args.slice(2, 7)).toEqual([105, 106, 104, 105.5, 1005]);
    c.ib.reqHistoricalData(
      2,
      stock('AAPL'),
      '20261110 23:59:59 UTC',
      '5 D',
      '1 day' as never,
      'TRADES',
      1,
      1,
      false,
    );
    expect((await c.waitError(162, 2)).message).toBe(
      'Historical Market Data Service error message:Historical data request pacing violation',
    );
    t += 16_000;
    for (let i = 0; i < 6; i++)
      c.ib.reqHistoricalData(
        10 + i,
        stock('AAPL'),
        '',
        `${i + 1} D`,
        '1 day' as never,
        'TRADES',
        1,
        1,
        false,
      );
    await c.waitError(162, 15);
    expect(c.errors.filter((e) => e.code === 162).map((e) => e.id)).toEqual([2, 15]);
  });

  it('refuses more than 60 requests in ten minutes, and unknown symbols with 200', async () => {
    let t = Date.UTC(2026, 11, 3, 12, 0, 0);
    fake = await startFakeTws({ contracts, bars: { AAPL: dailyBars }, now: () => t });
    const c = await connect(fake, 1);
    // One at a time: the fake reads its clock when a request arrives, after @stoqey/ib's send queue.
    for (let i = 0; i < 60; i++) {
      t += 3_000;
      c.ib.reqHistoricalData(
        100 + i,
        stock(i % 2 ? 'AAPL' : 'MSFT'),
        '',
        `${i + 1} D`,
        '1 day' as never,
        'TRADES',
        1,
        1,
        false,
      );
      await c.waitEvent(
        EventName.historicalData,
        (a) => a[0] === 100 + i && String(a[1]).startsWith('finished'),
      );
    }
    t += 3_000;
    c.ib.reqHistoricalData(200, stock('AAPL'), '', '2 W', '1 day' as never, 'TRADES', 1, 1, false);
    await c.waitError(162, 200);
    expect(c.errors.filter((e) => e.code === 162)).toHaveLength(1);
    c.ib.reqHistoricalData(201, stock('NOPE'), '', '1 D', '1 day' as never, 'TRADES', 1, 1, false);
    await c.waitError(200, 201);
  });

  it('keepUpToDate streams historicalDataUpdate; an end date with keepUpToDate is refused (321)', async () => {
    fake = await startFakeTws({ contracts, bars: { AAPL: [] } });
    const c = await connect(fake, 1);
    c.ib.reqHistoricalData(5, stock('AAPL'), '', '1 D', '5 mins' as never, 'TRADES', 1, 2, true);
    await c.waitEvent(EventName.historicalData, (a) => a[0] === 5 && String(a[1]).startsWith('finished'));
    fake.addBar('AAPL', { time: '2026-12-03T14:35:00Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });
    const update = await c.waitEvent(EventName.historicalDataUpdate, (a) => a[0] === 5);
    expect(update.args.slice(1, 7)).toEqual([
      String(Date.UTC(2026, 11, 3, 14, 35) / 1000),
      1,
      2,
      0.5,
      1.5,
      10,
    ]);
    c.ib.reqHistoricalData(
      6,
      stock('AAPL'),
      '20261203 10:00:00 UTC',
      '1 D',
      '5 mins' as never,
      'TRADES',
      1,
      1,
      true,
    );
    await c.waitError(321, 6);
    c.ib.reqHistoricalData(7, stock('AAPL'), '', '1 D', '7 mins' as never, 'TRADES', 1, 1, false);
    await c.waitError(321, 7);
  });
});

describe('fake TWS: connectivity and restarts', () => {
  it('sends 1100 to every client, holds order acks and execution reports while lost, then 1102 and the backlog', async () => {
    fake = await startFakeTws({ contracts });
    const a = await connect(fake, 1);
    const b = await connect(fake, 2);
    const id = a.nextValidId;
    a.ib.placeOrder(id, stock('AAPL'), limit('BUY', 10, 100));
    await a.waitStatus(id, 'Submitted');
    fake.loseConnectivity();
    await waitForInfo(a, 1100);
    await waitForInfo(b, 1100);
    fake.fill(id, 100);
    a.ib.placeOrder(id + 1, stock('AAPL'), limit('BUY', 10, 99));
    await waitForRequests(fake, 2);
    expect(a.named(EventName.orderStatus).some((e) => e.args[0] === id + 1 || e.args[1] === 'Filled')).toBe(
      false,
    );
    expect(a.named(EventName.execDetails)).toEqual([]);
    fake.restoreConnectivity();
    await waitForInfo(b, 1102);
    await a.waitStatus(id, 'Filled');
    await a.waitStatus(id + 1, 'Submitted');
    expect(a.named(EventName.execDetails)).toHaveLength(1);
  });

  it('keeps orders, executions and positions across a client restart; nextValidId is above every used id', async () => {
    fake = await startFakeTws({ contracts });
    const first = await connect(fake, 5);
    const p = first.nextValidId;
    first.ib.placeOrder(p, stock('AAPL'), limit('BUY', 100, 190, { orderRef: 'r:entry', transmit: false }));
    first.ib.placeOrder(
      p + 1,
      stock('AAPL'),
      stop('SELL', 100, 185, { orderRef: 'r:stop', parentId: p, transmit: true }),
    );
    await first.waitStatus(p + 1, 'PreSubmitted');
    fake.fill(p, 190);
    await first.waitStatus(p, 'Filled');
    fake.dropClients();
    await waitFor(() => fake!.clients().length === 0, 'the fake to drop its clients');
    const again = await connect(fake, 5);
    expect(again.nextValidId).toBe(p + 2);
    again.ib.reqAllOpenOrders();
    await again.waitEvent(EventName.openOrderEnd);
    const open = again
      .named(EventName.openOrder)
      .map((e) => [e.args[0], (e.args[2] as { orderRef: string }).orderRef]);
    expect(open).toEqual([[p + 1, 'r:stop']]);
    again.ib.reqExecutions(42, {});
    await again.waitEvent(EventName.execDetailsEnd, (a) => a[0] === 42);
    const execs = again.named(EventName.execDetails).filter((e) => e.args[0] === 42);
    expect(execs.map((e) => (e.args[2] as { orderRef: string; shares: number }).orderRef)).toEqual([
      'r:entry',
    ]);
    await waitFor(
      () => again.named(EventName.commissionReport).length === 1,
      'the commission report of the execution',
    );
    again.ib.reqPositions();
    await again.waitEvent(EventName.positionEnd);
    const pos = again
      .named(EventName.position)
      .map((e) => [e.args[0], (e.args[1] as { symbol: string }).symbol, e.args[2], e.args[3]]);
    expect(pos).toEqual([['DU1234567', 'AAPL', 100, 190]]);
    again.ib.reqAccountSummary(9, 'All', 'NetLiquidation,TotalCashValue,BuyingPower');
    await again.waitEvent(EventName.accountSummaryEnd, (a) => a[0] === 9);
    const summary = Object.fromEntries(
      again.named(EventName.accountSummary).map((e) => [e.args[2], e.args[3]]),
    );
    expect(summary).toEqual({
      NetLiquidation: '99999.00',
      TotalCashValue: '80999.00',
      BuyingPower: '399996.00',
    });
  });
});

describe('fake TWS: other requests', () => {
  it('answers contract details, current time and reqIds, and errors on a request it does not implement', async () => {
    const t = Date.UTC(2026, 11, 3, 12, 0, 0);
    fake = await startFakeTws({ contracts, now: () => t });
    const c = await connect(fake, 1);
    c.ib.reqContractDetails(3, stock('MSFT'));
    const details = await c.waitEvent(EventName.contractDetails, (a) => a[0] === 3);
    expect(details.args[1]).toMatchObject({ minTick: 0.01, contract: { conId: 272093, symbol: 'MSFT' } });
    await c.waitEvent(EventName.contractDetailsEnd, (a) => a[0] === 3);
    c.ib.reqCurrentTime();
    expect((await c.waitEvent(EventName.currentTime)).args[0]).toBe(t / 1000);
    c.ib.reqMktData(4, stock('AAPL'), '', false, false);
    await waitForInfo(c, 321);
    expect(fake.requests().map((r) => r.name)).toEqual([
      'REQ_CONTRACT_DATA',
      'REQ_CURRENT_TIME',
      'REQ_MKT_DATA',
    ]);
  });
});
