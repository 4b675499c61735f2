import { EventName } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait.ts';
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
    fake = await startFakeTws({ contracts, bars: { AAPL: [], MSFT: dailyBars } });
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
    // Daily bars are "yyyyMMdd" whatever formatDate; the UTC end form "yyyyMMdd-HH:mm:ss" is accepted.
    c.ib.reqHistoricalData(
      8,
      stock('MSFT'),
      '20261110-23:59:59',
      '2 D',
      '1 day' as never,
      'TRADES',
      1,
      2,
      false,
    );
    await c.waitEvent(EventName.historicalData, (a) => a[0] === 8 && String(a[1]).startsWith('finished'));
    const daily = c
      .named(EventName.historicalData)
      .filter((e) => e.args[0] === 8 && !String(e.args[1]).startsWith('finished'));
    expect(daily.map((e) => e.args[1])).toEqual(['20261109', '20261110']);
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
    again.ib.reqCompletedOrders(false);
    await again.waitEvent(EventName.completedOrdersEnd);
    const completed = again.named(EventName.completedOrder).map((e) => {
      const order = e.args[1] as {
        orderId?: number;
        orderRef: string;
        permId: number;
        filledQuantity: number;
      };
      const state = e.args[2] as { status: string; completedTime: string };
      return [order.orderId, order.orderRef, order.filledQuantity, state.status];
    });
    // completedOrder carries no order id (EDecoder reads none): clients match on orderRef/permId.
    expect(completed).toEqual([[undefined, 'r:entry', 100, 'Filled']]);
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

describe('fake TWS: connectivity restored with data lost', () => {
  it('sends 1101 and drops keepUpToDate subscriptions', async () => {
    fake = await startFakeTws({ contracts, bars: { AAPL: [] } });
    const c = await connect(fake, 1);
    c.ib.reqHistoricalData(5, stock('AAPL'), '', '1 D', '5 mins' as never, 'TRADES', 1, 2, true);
    await c.waitEvent(EventName.historicalData, (a) => a[0] === 5 && String(a[1]).startsWith('finished'));
    fake.loseConnectivity();
    fake.restoreConnectivity({ dataLost: true });
    await waitForInfo(c, 1101);
    fake.addBar('AAPL', { time: '2026-12-03T14:35:00Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });
    c.ib.reqCurrentTime();
    await c.waitEvent(EventName.currentTime);
    expect(c.named(EventName.historicalDataUpdate)).toEqual([]);
  });
});

describe('fake TWS: other requests', () => {
  it("another client cannot cancel an order (10147) but reqGlobalCancel cancels every client's", async () => {
    fake = await startFakeTws({ contracts });
    const brain = await connect(fake, 1);
    const watchdog = await connect(fake, 99);
    const id = brain.nextValidId;
    brain.ib.placeOrder(id, stock('AAPL'), limit('BUY', 10, 100));
    brain.ib.placeOrder(id + 1, stock('MSFT'), stop('SELL', 5, 380));
    await brain.waitStatus(id + 1, 'PreSubmitted');
    watchdog.ib.cancelOrder(id);
    await watchdog.waitError(10147, id);
    expect(fake.orders().map((o) => o.status)).toEqual(['Submitted', 'PreSubmitted']);
    watchdog.ib.reqGlobalCancel();
    await brain.waitStatus(id, 'Cancelled');
    await brain.waitStatus(id + 1, 'Cancelled');
    expect(fake.orders().map((o) => o.status)).toEqual(['Cancelled', 'Cancelled']);
  });

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
