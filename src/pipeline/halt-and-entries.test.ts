import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedAgents } from '../../test/support/agents.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { agreeingRoute, buyAtQuotedLast } from '../../test/support/scripted-route.ts';
import { simSessionConfig } from '../../test/support/sim-config.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import type { OrderLeg } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import { applyOrderState, type OrderState } from '../ledger/index.ts';
import type { RouteRequest } from '../llm/index.ts';
import { silentLogger } from '../logging/index.ts';
import { SimSession } from '../runtime/index.ts';
import type { Queryable } from '../store/index.ts';
import { haltFileFor, haltLevelOrNull, haltRowRead } from '../watchdog/index.ts';
import { haltAndPendingEntriesReader } from './halt-and-entries.ts';
import { pipelineSql } from './sql.ts';

const logger = silentLogger();
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function readerFor(
  broker: string,
  haltFile: string,
  query: Queryable['query'] = (t, v) => db.store.query(t, v),
) {
  return haltAndPendingEntriesReader(query, broker, haltRowRead(haltFile));
}

/** An order row as the ledger writes it (it is the only writer of orders). */
async function order(
  broker: string,
  id: string,
  fields: { leg?: OrderLeg; status: OrderState; qty: number; filled?: number; limit?: number; stop?: number },
) {
  await applyOrderState(db.store, broker, {
    clientOrderId: id,
    brokerOrderId: null,
    parentClientOrderId: null,
    leg: fields.leg ?? 'entry',
    symbol: `S${id}`,
    side: 'buy',
    type: 'limit',
    qty: fields.qty,
    limitPrice: fields.limit ?? null,
    stopPrice: fields.stop ?? null,
    timeInForce: 'day',
    status: fields.status,
    filledQty: fields.filled ?? 0,
    avgFillPrice: null,
    submittedAt: null,
    reason: null,
  });
}

describe('the Risk Gate read: halt and pending entries in one statement', () => {
  it('gives the entries the two-statement read gives, in id order, and the higher halt of row and file', async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-halt-entries-'));
    const haltFile = path.join(folder, 'halt.json');
    await order('acct-a', '1', { status: 'open', qty: 10, filled: 4, limit: 101.25 });
    await order('acct-a', '2', { status: 'waiting', qty: 3, stop: 99.5 });
    await order('acct-a', '3', { status: 'pending_submit', qty: 7 });
    await order('acct-a', '4', { status: 'filled', qty: 5, filled: 5, limit: 100 });
    await order('acct-a', '5', { leg: 'stop_loss', status: 'open', qty: 5, stop: 90 });
    await order('acct-b', '6', { status: 'open', qty: 1, limit: 50 });
    const read = readerFor('acct-a', haltFile);

    const clear = await read();
    expect(clear.haltLevel).toBe(0);
    expect(clear.entries).toEqual([
      { symbol: 'S1', qty: 6, price: 101.25 },
      { symbol: 'S2', qty: 3, price: 99.5 },
      { symbol: 'S3', qty: 7, price: null },
    ]);
    const separate = await db.store.query<{ symbol: string; qty: string; price: string | null }>(
      pipelineSql.pendingEntries(),
      ['acct-a'],
    );
    expect(
      separate.rows.map((row) => ({
        symbol: row.symbol,
        qty: Number(row.qty),
        price: row.price === null ? null : Number(row.price),
      })),
    ).toEqual(clear.entries);
    expect((await readerFor('acct-none', haltFile)()).entries).toEqual([]);

    await db.store.query(
      `INSERT INTO app_state (key, value, updated_by) VALUES ('halt', '{"level":2}'::jsonb, 'test')`,
    );
    expect((await read()).haltLevel).toBe(2);
    writeFileSync(haltFile, JSON.stringify({ level: 3 }));
    expect((await read()).haltLevel).toBe(3);
    // Unreadable halt: null (the gate vetoes), the entries still read.
    writeFileSync(haltFile, '{ not json');
    const unreadable = await read();
    expect(unreadable.haltLevel).toBeNull();
    expect(unreadable.entries).toHaveLength(3);
    writeFileSync(haltFile, JSON.stringify({ level: 0 }));
    await db.store.query(`UPDATE app_state SET value = '{"level":"high"}'::jsonb WHERE key = 'halt'`);
    expect((await read()).haltLevel).toBeNull();
    // A row holding JSON null is unreadable too (readHalt refuses it), not a missing row.
    await db.store.query(`UPDATE app_state SET value = 'null'::jsonb WHERE key = 'halt'`);
    expect((await read()).haltLevel).toBeNull();
    expect(await haltLevelOrNull({ db: db.store, haltFile })).toBeNull();
    await db.store.query(`DELETE FROM app_state WHERE key = 'halt'`);
  });

  it('fails when the statement fails (the candidate fails: exposure it cannot count is not none)', async () => {
    const read = readerFor('acct-a', path.join(tmpdir(), 'no-such-halt.json'), async () => {
      throw new Error('connection terminated');
    });
    await expect(read()).rejects.toThrow('connection terminated');
  });
});

describe("a session's Risk Gate", () => {
  it('reads the halt once per candidate with the entries, and vetoes on a halt raised after the cycle began', async () => {
    const { config } = simSessionConfig(
      'gate-halt',
      { seed: 3, symbols: ['AAA'], bars: 90, warmupBars: 60 },
      { maxCorrelation: 1 },
    );
    let raiseNow = false;
    const route = agreeingRoute((request: RouteRequest) => {
      // The halt file is raised while the Strategist thinks: the cycle began at level 0.
      if (raiseNow) writeFileSync(haltFileFor(config.dataPath), JSON.stringify({ level: 2, reason: 'test' }));
      return buyAtQuotedLast(request);
    });
    const sent: string[] = [];
    const store = new Proxy(db.store, {
      get(target, property) {
        if (property === 'query')
          return (text: string, values?: unknown[]) => {
            sent.push(text);
            return target.query(text, values);
          };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const bus = new Bus({ store, logger });
    const agents = await scriptedAgents(db.store, [route]);
    const { session } = await SimSession.open({ config, store, bus, logger, agents, runId: 'gatehalt' });
    try {
      const merged = pipelineSql.pendingEntriesWithHalt(haltRowRead(haltFileFor(config.dataPath)).sql);
      const haltFile = haltFileFor(config.dataPath);
      mkdirSync(path.dirname(haltFile), { recursive: true });
      // The first candidate's Strategist raises the halt: its gate vetoes it.
      raiseNow = true;
      let halted = await session.step();
      for (let step = 0; step < 5 && halted.outcomes.length === 0; step += 1) halted = await session.step();
      expect(halted.haltLevel).toBe(0);
      expect(halted.outcomes.map((each) => each.outcome)).toEqual(['vetoed']);
      expect(halted.outcomes[0]!.reasons.join(' ')).toContain('halt level 2 allows no new entries');
      expect(session.broker.positions()).toEqual([]);

      // Lowered (by hand, as only an operator may): the next candidate trades.
      raiseNow = false;
      rmSync(haltFile);
      let traded = await session.step();
      for (let step = 0; step < 5 && traded.outcomes.length === 0; step += 1) traded = await session.step();
      expect(traded.outcomes.map((each) => each.outcome)).toEqual(['executed']);
      // One read a gate, the halt with the entries; never the entries alone.
      expect(sent.filter((text) => text === merged)).toHaveLength(2);
      expect(sent.filter((text) => text === pipelineSql.pendingEntries())).toHaveLength(0);
    } finally {
      agents.skills.close();
      await bus.stop();
    }
  });
});
