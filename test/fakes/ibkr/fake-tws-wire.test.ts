import { connect as netConnect, type Socket } from 'node:net';
import { EventName, IBApiNext, OrderAction, OrderType } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait.ts';
import { Client, contracts, limit, stock } from './client-harness.ts';
import { type FakeTws, startFakeTws } from './server.ts';
import { API_PREFIX, FrameReader, frame, splitFields } from './wire.ts';

let fake: FakeTws | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await fake?.close();
  fake = undefined;
});

/** A raw socket that records what the fake sends and whether it closed the connection. */
async function raw(f: FakeTws): Promise<{ socket: Socket; messages: string[][]; closed: () => boolean }> {
  const socket = netConnect({ host: f.host, port: f.port });
  sockets.push(socket);
  const reader = new FrameReader();
  const messages: string[][] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    for (let body = reader.next(); Buffer.isBuffer(body); body = reader.next())
      messages.push(splitFields(body));
  });
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, messages, closed: () => closed };
}

/** "API\0" then the length-prefixed version range, as EClient.java sendConnectRequest writes them. */
function hello(range: string): Buffer {
  const body = Buffer.from(range, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([API_PREFIX, len, body]);
}

describe('fake TWS: handshake on the wire', () => {
  it('answers v100..193 with the server version and connection time, then START_API with the session', async () => {
    fake = await startFakeTws({ contracts, now: () => Date.UTC(2026, 11, 3, 9, 30, 5) });
    const c = await raw(fake);
    c.socket.write(hello('v100..193'));
    await waitFor(() => c.messages.length === 1, 'the server version message');
    expect(c.messages[0]).toEqual(['193', '20261203 09:30:05 UTC']);
    c.socket.write(frame([71, 2, 12, '']));
    await waitFor(() => c.messages.length >= 5, 'managedAccounts, nextValidId and the farm notices');
    expect(c.messages.slice(1, 3)).toEqual([
      ['15', '1', 'DU1234567'],
      ['9', '1', '1'],
    ]);
    expect(c.messages[3]).toEqual(['4', '2', '-1', '2104', 'Market data farm connection is OK:usfarm', '']);
  });

  it('closes the socket, without a reply, on a bad prefix or a version range it cannot serve', async () => {
    fake = await startFakeTws({ contracts });
    const bad = await raw(fake);
    bad.socket.write('GET / HTTP/1.1\r\n\r\n');
    const old = await raw(fake);
    old.socket.write(hello('v100..150'));
    const future = await raw(fake);
    future.socket.write(hello('v194..200'));
    await waitFor(
      () => bad.closed() && old.closed() && future.closed(),
      'the three refused sockets to close',
    );
    expect([bad.messages, old.messages, future.messages]).toEqual([[], [], []]);
  });

  it('answers more than 50 requests in a second with error 100 and drops the excess', async () => {
    fake = await startFakeTws({ contracts });
    const c = await raw(fake);
    c.socket.write(hello('v100..193'));
    c.socket.write(frame([71, 2, 1, '']));
    await waitFor(() => c.messages.length >= 6, 'the session start');
    c.socket.write(Buffer.concat(Array.from({ length: 60 }, () => frame([49, 1]))));
    await waitFor(
      () => c.messages.filter((m) => m[0] === '4' && m[3] === '100').length === 10,
      'ten errors 100',
    );
    expect(c.messages.filter((m) => m[0] === '49')).toHaveLength(50);
    expect(fake.requests()).toHaveLength(50);
  });

  it('answers a request whose fields do not match the negotiated layout with 320, and keeps the session', async () => {
    fake = await startFakeTws({ contracts });
    const c = await raw(fake);
    c.socket.write(hello('v100..193'));
    c.socket.write(frame([71, 2, 1, '']));
    await waitFor(() => c.messages.length >= 6, 'the session start');
    // A cancelOrder at 193 is [4, orderId, manualOrderCancelTime, extOperator, manualOrderIndicator]; one more field is a drift.
    c.socket.write(frame([4, 5, '', '', 2147483647, 'extra']));
    await waitFor(() => c.messages.some((m) => m[0] === '4' && m[3] === '320'), 'error 320');
    c.socket.write(frame([49, 1]));
    await waitFor(() => c.messages.some((m) => m[0] === '49'), 'currentTime after the refused request');
    expect(c.closed()).toBe(false);
  });
});

describe('fake TWS: order types and IBApiNext', () => {
  it('refuses an order type it does not model with 387', async () => {
    fake = await startFakeTws({ contracts });
    const c = await new Client(fake, 1).connect();
    c.ib.placeOrder(c.nextValidId, stock('AAPL'), {
      action: OrderAction.BUY,
      orderType: OrderType.TRAIL,
      totalQuantity: 1,
      auxPrice: 1,
      transmit: true,
    });
    expect((await c.waitError(387, c.nextValidId)).message).toBe(
      'Unsupported order type for this exchange and security type.',
    );
    c.ib.placeOrder(c.nextValidId + 1, stock('AAPL'), limit('BUY', 1, 10));
    await c.waitStatus(c.nextValidId + 1, 'Submitted');
    expect(c.decodingErrors).toEqual([]);
    expect(c.named(EventName.openOrder)).toHaveLength(1);
    c.disconnect();
  });

  it('works with IBApiNext: connect, placeNewOrder, getAllOpenOrders', async () => {
    fake = await startFakeTws({ contracts });
    const next = new IBApiNext({ host: fake.host, port: fake.port });
    const errors: string[] = [];
    next.errorSubject.subscribe((e) => errors.push(`${e.code}: ${e.error.message}`));
    next.connect(21);
    try {
      const id = await next.placeNewOrder(stock('MSFT'), limit('SELL', 3, 410.25, { orderRef: 'next-1' }));
      expect(id).toBe(1);
      await waitFor(
        () => fake!.orders().some((o) => o.id === 1 && o.status === 'Submitted'),
        'the order to work',
      );
      const open = await next.getAllOpenOrders();
      expect(open.map((o) => [o.orderId, o.order.orderRef, o.orderState.status])).toEqual([
        [1, 'next-1', 'Submitted'],
      ]);
      const time = await next.getCurrentTime();
      expect(time).toBeGreaterThan(0);
      expect(errors.filter((e) => /Decoding|Underrun|parser/.test(e))).toEqual([]);
    } finally {
      next.disconnect();
    }
  });
});

describe('fake TWS: every layout version against @stoqey/ib', () => {
  // 163 (fractional sizes), 176 (faProfile still sent), 187 (RFQ fields), 193 (the client's max).
  for (const version of [163, 176, 187, 193]) {
    it(`server version ${version}: order, fill, executions, positions, contract details without decoding errors`, async () => {
      fake = await startFakeTws({ contracts, serverVersion: version, bars: { AAPL: [] } });
      const c = await new Client(fake, 1).connect();
      try {
        expect(c.ib.serverVersion).toBe(version);
        const id = c.nextValidId;
        c.ib.placeOrder(id, stock('AAPL'), limit('BUY', 7, 101.25, { orderRef: `v${version}` }));
        await c.waitStatus(id, 'Submitted');
        fake.fill(id, 101.25);
        await c.waitStatus(id, 'Filled');
        await c.waitEvent(EventName.commissionReport);
        c.ib.cancelOrder(id);
        await c.waitError(10148, id);
        c.ib.reqExecutions(3, {});
        await c.waitEvent(EventName.execDetailsEnd, (a) => a[0] === 3);
        c.ib.reqPositions();
        await c.waitEvent(EventName.positionEnd);
        c.ib.reqContractDetails(4, stock('AAPL'));
        await c.waitEvent(EventName.contractDetailsEnd, (a) => a[0] === 4);
        c.ib.reqAllOpenOrders();
        await c.waitEvent(EventName.openOrderEnd);
        c.ib.reqHistoricalData(5, stock('AAPL'), '', '1 D', '5 mins' as never, 'TRADES', 1, 2, false);
        await c.waitEvent(EventName.historicalData, (a) => a[0] === 5 && String(a[1]).startsWith('finished'));
        const exec = c.named(EventName.execDetails).at(-1)!.args[2] as { orderRef: string; shares: number };
        expect(exec).toMatchObject({ orderRef: `v${version}`, shares: 7 });
        expect(c.decodingErrors).toEqual([]);
        expect(c.errors.filter((e) => e.code === 320)).toEqual([]);
      } finally {
        c.disconnect();
      }
    });
  }
});
