import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus, legacyTopics, payloadSchemas, readPayload, topicCatalog, topics } from '../src/bus/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { noBarSource, runOptimizer } from '../src/optimizer/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * A database written before the topic catalog holds fills as `broker.fill` (fast backtest) and
 * `broker.filled` (MT5), round trips as `monitor.exit`: replay still prints them, a topic filter
 * on the current name finds them, and the optimizer reads them as `order.filled` and
 * `position.closed`. Nothing rewrites them: the bus log is immutable.
 */

let db: TestDatabase;
const at = (minute: number) => new Date(Date.UTC(2024, 4, 6, 14, minute));
beforeAll(async () => {
  db = await createTestDatabase();
  const rows: Array<[string, string, Date, string | null, Record<string, unknown>]> = [
    [
      'broker.fill',
      'broker',
      at(0),
      'bt/AAA/2024-05-06',
      {
        clientOrderId: 'bt-1',
        symbol: 'AAA',
        side: 'buy',
        leg: 'entry',
        qty: 10,
        price: 100,
        commission: 0.1,
        cashAfter: 98_999.9,
        positionAfter: 10,
        at: at(0).toISOString(),
      },
    ],
    [
      'broker.filled',
      'mt5-bridge',
      at(1),
      null,
      {
        broker: 'mt5',
        clientOrderId: 'mt5-entry-1.sl',
        symbol: 'EURUSD',
        side: 'sell',
        qty: 20_000,
        price: 1.09,
        reason: 'sl',
        profit: -200,
      },
    ],
    [
      'monitor.exit',
      'monitor',
      at(2),
      'bt/AAA/2024-05-06',
      {
        symbol: 'AAA',
        entryAt: at(0).toISOString(),
        exitAt: at(2).toISOString(),
        entryPrice: 100,
        exitPrice: 104,
        qty: 10,
        grossPnl: 40,
        commission: 0.2,
        pnl: 39.8,
        exitLeg: 'take_profit',
        entryClientOrderId: 'bt-1',
        exitClientOrderId: 'bt-1.tp',
      },
    ],
    [
      'broker.rejected',
      'broker',
      at(3),
      null,
      { clientOrderId: 'bt-2', symbol: 'AAA', leg: 'entry', reason: 'no cash' },
    ],
  ];
  for (const [topic, fromAgent, ts, cycleId, payload] of rows)
    await db.store.query(
      `INSERT INTO agent_messages (envelope_version, ts, from_agent, to_agent, topic, cycle_id, payload)
       VALUES (1, $1, $2, 'any', $3, $4, $5)`,
      [ts, fromAgent, topic, cycleId, JSON.stringify(payload)],
    );
});
afterAll(async () => {
  await db.drop();
});

describe('messages stored under pre-catalog names', () => {
  it('replay returns them as stored; a filter on the current topic (or its prefix) finds them', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger() });
    try {
      const all = await bus.replayAll({ from: at(0) });
      expect(all.map((message) => message.topic)).toEqual([
        'broker.fill',
        'broker.filled',
        'monitor.exit',
        'broker.rejected',
      ]);
      const fills = await bus.replayAll({ topics: [topics.orderFilled] });
      expect(fills.map((message) => message.topic)).toEqual(['broker.fill', 'broker.filled']);
      const closes = await bus.replayAll({ topics: ['position.*'] });
      expect(closes.map((message) => message.topic)).toEqual(['monitor.exit']);
      expect((await bus.replayAll({ topics: ['order.*'] })).map((message) => message.topic)).toEqual([
        'broker.fill',
        'broker.filled',
        'broker.rejected',
      ]);
    } finally {
      await bus.stop();
    }
  });

  it('`signet bus replay` prints every one of them', async () => {
    const result = await runCli(
      ['bus', 'replay', '--from', at(0).toISOString(), '--to', at(10).toISOString()],
      {
        env: { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' },
      },
    );
    expect(result.code).toBe(0);
    for (const topic of ['broker.fill', 'broker.filled', 'monitor.exit', 'broker.rejected'])
      expect(result.stdout).toContain(` ${topic} `);
    expect(result.stdout).toContain('4 message(s)');
  });

  it('read through the catalog as order.filled and position.closed, payloads upgraded', async () => {
    const stored = await db.store.query<{ topic: string; payload: unknown }>(
      'SELECT topic, payload FROM agent_messages ORDER BY id',
    );
    const [fill, deal, exit, rejected] = stored.rows;
    expect(readPayload(topics.orderFilled, fill!)).toMatchObject({ clientOrderId: 'bt-1', leg: 'entry' });
    expect(readPayload(topics.orderFilled, deal!)).toMatchObject({
      clientOrderId: 'mt5-entry-1.sl',
      leg: 'stop_loss',
      cashAfter: null,
      positionAfter: null,
      broker: 'mt5',
    });
    expect(readPayload(topics.positionClosed, exit!)).toMatchObject({
      entryTime: at(0).getTime(),
      exitTime: at(2).getTime(),
      bars: 0,
      pnl: 39.8,
    });
    expect(readPayload(topics.orderRejected, rejected!)).toMatchObject({ reason: 'no cash' });
    expect(readPayload(topics.positionClosed, fill!)).toBeUndefined();
  });

  it('the optimizer counts them as fills and a closed trade', async () => {
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-legacy-'));
    const base = loadConfig({ env: {}, file: '/dev/null' });
    const config = { ...base, paths: { ...base.paths, contextDir } };
    const bus = new Bus({ store: db.store, logger: silentLogger() });
    try {
      const { report } = await runOptimizer(
        { store: db.store, bus, config, logger: silentLogger(), bars: noBarSource },
        { from: '2024-05-06', to: '2024-05-06' },
      );
      expect(report.activity.entryFills).toBe(1);
      expect(report.activity.pnl).toBeCloseTo(39.8, 6);
      expect(report.strategies).toMatchObject([
        { key: 'unattributed', entryFills: 1, closedTrades: 1, wins: 1 },
      ]);
    } finally {
      await bus.stop();
    }
  });
});

describe('the catalog', () => {
  it('names each topic once, with a schema; old names only as aliases of catalog topics', () => {
    const names = Object.values(topics);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(payloadSchemas).sort()).toEqual([...names].sort());
    for (const name of names) expect(topicCatalog.has(name)).toBe(true);
    for (const [old, legacy] of Object.entries(legacyTopics)) {
      expect(topicCatalog.has(old)).toBe(false);
      expect(names).toContain(legacy.topic);
    }
  });
});
