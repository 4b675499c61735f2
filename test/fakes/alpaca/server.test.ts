import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTs } from '../../support/processes.ts';

let child: ChildProcess;
let baseUrl = '';

beforeAll(async () => {
  child = spawnTs('test/fakes/alpaca/server.ts', [
    '--port',
    '0',
    '--key-id',
    'PKPROC',
    '--secret-key',
    'proc-secret',
  ]);
  baseUrl = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`fake did not start: ${seen}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
});
afterAll(() => {
  child.kill('SIGTERM');
});

const headers = {
  'APCA-API-KEY-ID': 'PKPROC',
  'APCA-API-SECRET-KEY': 'proc-secret',
  'content-type': 'application/json',
};

describe('the Alpaca fake as a standalone process', () => {
  it('serves the API and is scripted through /_control', async () => {
    expect((await fetch(`${baseUrl}/v2/account`)).status).toBe(401);
    await fetch(`${baseUrl}/_control/price`, {
      method: 'POST',
      body: JSON.stringify({ symbol: 'SPY', price: 500 }),
    });
    const placed = await fetch(`${baseUrl}/v2/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        symbol: 'SPY',
        qty: '2',
        side: 'buy',
        type: 'market',
        time_in_force: 'day',
        client_order_id: 'proc-1',
      }),
    });
    expect(placed.status).toBe(200);
    const duplicate = await fetch(`${baseUrl}/v2/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        symbol: 'SPY',
        qty: '2',
        side: 'buy',
        type: 'market',
        time_in_force: 'day',
        client_order_id: 'proc-1',
      }),
    });
    expect(duplicate.status).toBe(422);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const positions = (await (await fetch(`${baseUrl}/v2/positions`, { headers })).json()) as Array<{
      symbol: string;
      qty: string;
    }>;
    expect(positions.map((position) => [position.symbol, position.qty])).toEqual([['SPY', '2']]);
    await fetch(`${baseUrl}/_control/fault`, {
      method: 'POST',
      body: JSON.stringify({
        method: 'GET',
        path: '/v2/clock',
        fault: { kind: 'status', status: 403, body: { code: 40310000, message: 'forbidden' } },
      }),
    });
    expect((await fetch(`${baseUrl}/v2/clock`, { headers })).status).toBe(403);
    const state = (await (await fetch(`${baseUrl}/_control/state`)).json()) as { orders: unknown[] };
    expect(state.orders).toHaveLength(1);
  });
});
