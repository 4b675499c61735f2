import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { SimulatedEa } from '../../../test/support/simulated-ea.ts';
import { Secret } from '../../config/index.ts';
import { silentLogger } from '../../logging/index.ts';
import { eaHeartbeatAge, Mt5Broker, queueCommand } from './broker/index.ts';
import { createIngressServer } from './mt5-routes.ts';

const token = 's3cr3t-bridge-token';
const terminalId = '51234567@Broker-Demo';
let database: TestDatabase;
let server: Awaited<ReturnType<typeof createIngressServer>>;
let ea: SimulatedEa;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await createIngressServer({
    store: database.store,
    token: new Secret(token),
    logger: silentLogger(),
    heartbeatIntervalMs: 10_000,
    pollIntervalS: 2,
    imageBodyLimit: 64 * 1024,
  });
  ea = new SimulatedEa(server.url, token);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});
beforeEach(async () => {
  await database.store.query(
    'TRUNCATE mt5_commands, mt5_messages, mt5_bars, mt5_captures, mt5_positions, mt5_terminals, mt5_symbols, fills, orders, positions, heartbeats, agent_messages',
  );
});

const broker = () => new Mt5Broker({ store: database.store, terminalId, commandTtlS: 60 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MT5 EA bridge', () => {
  it('answers 401 with no detail to a wrong or missing token', async () => {
    const wrong = await ea.post(
      '/heartbeat',
      { msg_id: 'x', terminal_id: terminalId },
      { token: 'not-the-token' },
    );
    // No proof either: an unauthenticated caller learns no MAC of ours.
    expect(wrong).toEqual({ status: 401, raw: '', json: undefined, proven: false });
    const missing = await ea.post('/heartbeat', { msg_id: 'x', terminal_id: terminalId }, { token: null });
    expect(missing.status).toBe(401);
    const poll = await fetch(`${server.url}/mt5/v1/commands?terminal_id=x`);
    expect(poll.status).toBe(401);
  });

  it('records heartbeats (trailing NUL, no Content-Type) and shows their loss as a growing age', async () => {
    expect(await eaHeartbeatAge(database.store, terminalId)).toBeUndefined();
    const first = await ea.heartbeat();
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ ok: true, poll_interval_s: 2, pending_commands: 0 });
    const row = await database.store.query<{ kind: string; expected_interval_ms: number }>(
      `SELECT kind, expected_interval_ms FROM heartbeats WHERE name = $1`,
      [`mt5:${terminalId}`],
    );
    expect(row.rows).toEqual([{ kind: 'broker', expected_interval_ms: 10_000 }]);
    const fresh = (await eaHeartbeatAge(database.store, terminalId))!;
    expect(fresh).toBeLessThan(1_000);
    await sleep(400);
    const stale = (await eaHeartbeatAge(database.store, terminalId))!;
    expect(stale).toBeGreaterThanOrEqual(fresh + 350);
    // A late heartbeat from the past moves the beat but never the reported EA state backwards.
    await ea.heartbeat(ea.msgId(), Math.floor(Date.now() / 1000) - 3_600);
    const details = await database.store.query<{ details: { time_utc: number } }>(
      `SELECT details FROM heartbeats`,
    );
    expect(details.rows[0]!.details.time_utc).toBeGreaterThan(Math.floor(Date.now() / 1000) - 60);
  });

  it('replays the first answer for a repeated msg_id', async () => {
    const msgId = ea.msgId();
    const first = await ea.heartbeat(msgId);
    const again = await ea.heartbeat(msgId);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
  });

  const connect = async () => {
    await ea.heartbeat();
    await ea.bars('EURUSD', [{ t: 1_763_649_300, o: 1.1532, h: 1.1534, l: 1.1531, c: 1.1533 }]);
  };

  it('sends prices on the symbol grid, stops and targets rounded toward the entry, and the trade server takes them', async () => {
    await ea.heartbeat();
    ea.symbolRules.USDJPY = { digits: 3, stopsLevelPoints: 20, filling: ['IOC'] };
    await ea.bars('USDJPY', [{ t: 1_763_649_300, o: 151.2, h: 151.3, l: 151.1, c: 151.234 }], {
      contract_size: 100_000,
      volume_min: 0.01,
      volume_step: 0.01,
      volume_max: 100,
    });
    await broker().submit({
      clientOrderId: 'sig-USDJPY-1',
      symbol: 'USDJPY',
      side: 'buy',
      type: 'market',
      qty: 10_000,
      bracket: { stopLoss: 150.98771, takeProfit: 151.77791 },
    });
    // Strict: poll() throws if the trade server would refuse it (off the 3-digit grid: 10016).
    const open = (await ea.poll()).command!;
    expect(open).toMatchObject({ sl: 150.988, tp: 151.777 });
    const legs = await database.store.query(
      `SELECT client_order_id, stop_price, limit_price FROM orders WHERE parent_client_order_id = 'sig-USDJPY-1' ORDER BY client_order_id`,
    );
    expect(legs.rows).toEqual([
      { client_order_id: 'sig-USDJPY-1.sl', stop_price: 150.988, limit_price: null },
      { client_order_id: 'sig-USDJPY-1.tp', stop_price: null, limit_price: 151.777 },
    ]);
  });

  it('hands an order to the EA exactly once even when it polls twice at the same time', async () => {
    await connect();
    await broker().submit({
      clientOrderId: 'sig-EURUSD-1',
      symbol: 'EURUSD',
      side: 'buy',
      type: 'market',
      // Units of the instrument: 10,000 EUR are 0.1 lots of a 100,000 contract.
      qty: 10_000,
      bracket: { stopLoss: 1.151, takeProfit: 1.157 },
    });
    const polls = await Promise.all(Array.from({ length: 6 }, () => ea.poll()));
    const delivered = polls.filter((poll) => poll.status === 200);
    expect(delivered).toHaveLength(1);
    expect(polls.filter((poll) => poll.status === 204)).toHaveLength(5);
    expect(delivered[0]!.command).toMatchObject({
      command_id: 'cmd_sig-EURUSD-1',
      action: 'open',
      symbol: 'EURUSD',
      side: 'buy',
      volume: 0.1,
      order_type: 'market',
      sl: 1.151,
      tp: 1.157,
    });
    expect((await ea.poll()).status).toBe(204);
    // Submitting the same decision again queues nothing new.
    await broker().submit({
      clientOrderId: 'sig-EURUSD-1',
      symbol: 'EURUSD',
      side: 'buy',
      type: 'market',
      qty: 10_000,
    });
    expect((await ea.poll()).status).toBe(204);
  });

  it('applies an ack once: the order fills, a repeat is a no-op, a contradiction is 409', async () => {
    await connect();
    const mt5 = broker();
    await mt5.submit({
      clientOrderId: 'sig-EURUSD-2',
      symbol: 'EURUSD',
      side: 'buy',
      type: 'market',
      qty: 10_000,
    });
    const { command } = await ea.poll();
    const done = {
      status: 'done',
      retcode: 10009,
      retcode_name: 'TRADE_RETCODE_DONE',
      order: 987654321,
      deal: 123456789,
      price: 1.15334,
      volume: 0.1,
      comment: 'Request executed',
      time_utc: 1_763_649_601,
    };
    expect((await ea.ack(String(command!.command_id), done)).status).toBe(200);
    expect((await ea.ack(String(command!.command_id), { ...done, status: 'duplicate' })).status).toBe(200);
    expect((await ea.ack(String(command!.command_id), { status: 'rejected', retcode: 10006 })).status).toBe(
      409,
    );
    expect(await mt5.getOrder('sig-EURUSD-2')).toMatchObject({ status: 'filled', fillPrice: 1.15334 });
    const fills = await database.store.query('SELECT broker_fill_id, qty, price FROM fills');
    expect(fills.rows).toEqual([{ broker_fill_id: '123456789', qty: 10_000, price: 1.15334 }]);
    expect((await ea.ack('cmd_unknown', done)).status).toBe(404);
  });

  it('expires a command the EA never picked up and cancels its order', async () => {
    await queueCommand(database.store, {
      command_id: 'cmd_short',
      terminalId,
      clientOrderId: null,
      ttlS: 0.05,
      action: 'close_all',
    });
    await sleep(120);
    expect((await ea.poll()).status).toBe(204);
    const status = await database.store.query(
      `SELECT status FROM mt5_commands WHERE command_id = 'cmd_short'`,
    );
    expect(status.rows).toEqual([{ status: 'expired' }]);
  });

  it('stores bars once, converting the server clock to UTC; names a bad field; refuses too many', async () => {
    const bar = { t: 1_763_656_500, o: 1.15321, h: 1.1534, l: 1.1531, c: 1.15333, tv: 412, sp: 6, rv: 0 };
    const post = (bars: unknown[], offset = 7200) =>
      ea.post(
        '/bars',
        {
          msg_id: ea.msgId(),
          terminal_id: terminalId,
          symbol: 'EURUSD',
          timeframe: 'M5',
          digits: 5,
          server_utc_offset_s: offset,
          bars,
        },
        { nul: true },
      );
    expect((await post([bar])).json).toEqual({ ok: true, accepted: 1, duplicates: 0, conflicts: 0 });
    expect((await post([bar])).json).toEqual({ ok: true, accepted: 0, duplicates: 1, conflicts: 0 });
    const stored = await database.store.query<{ time_utc: Date }>('SELECT time_utc FROM mt5_bars');
    expect(stored.rows[0]!.time_utc.getTime()).toBe((1_763_656_500 - 7200) * 1000);
    // The same server time again after the broker's clock moved an hour (daylight saving), and
    // with other prices: the first bar stays, and the operator is told.
    expect((await post([{ ...bar, c: 1.154 }], 10_800)).json).toEqual({
      ok: true,
      accepted: 0,
      duplicates: 0,
      conflicts: 1,
    });
    const told = await database.store.query<{ payload: { count: number; symbol: string } }>(
      `SELECT payload FROM agent_messages WHERE topic = 'mt5.bars_conflicting'`,
    );
    expect(told.rows).toMatchObject([{ payload: { count: 1, symbol: 'EURUSD' } }]);
    const bad = await post([{ ...bar, o: 'x' }]);
    expect(bad.status).toBe(400);
    expect(bad.json?.error).toContain('bars.0.o');
    expect(
      (await post(Array.from({ length: 1001 }, (_, index) => ({ ...bar, t: bar.t + index * 300 })))).status,
    ).toBe(413);
  });

  it('accepts a PNG chart capture and refuses an oversized one with 413', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const url = (msgId: string) =>
      `${server.url}/mt5/v1/chart?terminal_id=${encodeURIComponent(terminalId)}&symbol=EURUSD&timeframe=M5&t=1763656800&msg_id=${msgId}`;
    const ok = await fetch(url('c1'), {
      method: 'POST',
      headers: { 'X-Bridge-Token': token, 'Content-Type': 'image/png' },
      body: png,
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { capture_id: string }).capture_id).toMatch(/^cap_/);
    const big = await fetch(url('c2'), {
      method: 'POST',
      headers: { 'X-Bridge-Token': token, 'Content-Type': 'image/png' },
      body: Buffer.alloc(65 * 1024),
    });
    expect(big.status).toBe(413);
  });

  it('applies positions reports in EA-time order, ignoring an older one that arrives late', async () => {
    const report = (timeUtc: number, volume: number) =>
      ea.post('/positions', {
        msg_id: ea.msgId(),
        terminal_id: terminalId,
        time_utc: timeUtc,
        positions: volume
          ? [
              {
                ticket: 5001,
                symbol: 'EURUSD',
                type: 'buy',
                volume,
                price_open: 1.1533,
                sl: 1.151,
                tp: 1.157,
                magic: 20261121,
              },
            ]
          : [],
      });
    expect((await report(1_000, 0.2)).json).toEqual({ ok: true, applied: true });
    expect((await report(900, 0.1)).json).toEqual({ ok: true, applied: false });
    expect(await broker().positions()).toMatchObject([{ symbol: 'EURUSD', qty: 0.2 }]);
    const ledger = await database.store.query(`SELECT broker, symbol, qty FROM positions`);
    expect(ledger.rows).toEqual([{ broker: 'mt5', symbol: 'EURUSD', qty: 0.2 }]);
    // No order of ours explains EURUSD: the watchdog is told once, not on every report.
    await report(1_050, 0.2);
    const told = await database.store.query(
      `SELECT payload FROM agent_messages WHERE topic = 'broker.unexplained_position'`,
    );
    expect(told.rows).toEqual([{ payload: { broker: 'mt5', symbol: 'EURUSD', qty: 0.2, avgPrice: 1.1533 } }]);
    await report(1_100, 0);
    expect((await database.store.query(`SELECT * FROM positions`)).rows).toEqual([]);
  });
});
