import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStrategistRules } from '../src/agents/index.ts';
import { PaperBroker } from '../src/broker/index.ts';
import { Bus } from '../src/bus/index.ts';
import { writeJournalEntry } from '../src/journal/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { type BarSeries, generateSimSeries } from '../src/market/index.ts';
import type { CycleDeps } from '../src/pipeline/cycle-types.ts';
import { runDecisionCycle } from '../src/pipeline/decision-cycle.ts';
import { AgentDesk } from '../src/pipeline/desk.ts';
import { type DeskRecord, deskRecordFor } from '../src/pipeline/desk-record.ts';
import { defaultRiskLimits } from '../src/pipeline/risk-gate.ts';
import { createStrategy } from '../src/strategies/index.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { agreeingRoute, buyAtMarket, type scriptedRoute, symbolOf } from './support/scripted-route.ts';

let db: TestDatabase;
const logger = silentLogger();
const day = 86_400_000;
const universe: BarSeries[] = ['AAA', 'BBB', 'CCC'].map((symbol, index) =>
  generateSimSeries({ seed: 31 + index, bars: 120, symbols: [symbol] }, symbol),
);
const lastClose = (symbol: string) => {
  const series = universe.find((each) => each.symbol === symbol)!;
  return series.close[series.length - 1]!;
};
const lastBar = universe[0]!.time[universe[0]!.length - 1]!;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** A session's cycle deps over one account and desk record; `desk` is new each time (a restart). */
function depsFor(options: {
  route: ReturnType<typeof scriptedRoute>;
  agents: CycleDeps['runtime'];
  brokerName: string;
  clock: { now(): number };
  record: DeskRecord;
  journalRoot: string;
}): CycleDeps {
  const broker = new PaperBroker({ cash: 100_000, commission: 0.001, clock: options.clock });
  for (const series of universe) {
    const last = series.length - 1;
    broker.processBar(
      broker.book(series.symbol),
      series.time[last]!,
      series.open[last]!,
      series.high[last]!,
      series.low[last]!,
      series.close[last]!,
    );
  }
  const bus = new Bus({ store: db.store, logger });
  return {
    runtime: options.agents,
    publish: (input, publishOptions) => bus.publish(input, publishOptions),
    publishWithWrites: (input, writes) => bus.publishWithWrites(input, writes),
    query: (text, values) => db.store.query(text, values),
    broker,
    brokerName: options.brokerName,
    portfolio: async () => ({
      equity: 100_000,
      cash: 100_000,
      dayStartEquity: 100_000,
      positions: [],
      symbolPnlToday: {},
    }),
    haltLevel: async () => 0,
    freshQuote: async (symbol) => ({
      t: new Date(options.clock.now() - 1_000).toISOString(),
      last: lastClose(symbol),
      bid: null,
      ask: null,
    }),
    journal: async (entry) => {
      await writeJournalEntry(entry, { db: db.store, root: options.journalRoot });
    },
    clock: options.clock,
    settings: {
      limits: defaultRiskLimits,
      rules: defaultStrategistRules,
      timeframe: '1d',
      topK: 3,
      parallelism: 1,
      signerTimeoutMs: 5_000,
      maxDataAgeSeconds: 7 * 86_400,
      factTolerancePct: 0.1,
      commissionRate: 0.001,
      ceo: { maxRiskMultiplierCap: 1, maxNewPositions: 2 },
    },
    fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
    desk: new AgentDesk(),
    deskRecord: options.record,
  };
}

const topicRow = async (cycleId: string, topic: string) =>
  (
    await db.store.query<{ id: string; payload: Record<string, unknown> }>(
      'SELECT id, payload FROM agent_messages WHERE cycle_id = $1 AND topic = $2 ORDER BY id',
      [cycleId, topic],
    )
  ).rows;

describe("the desk's day state across a restart", () => {
  it("a new desk the same day reads the directive back (the CEO is not asked again) and counts the used slot; the next day asks again, told yesterday's outcomes", async () => {
    const route = agreeingRoute((request: RouteRequest) => {
      const symbol = symbolOf(request);
      return buyAtMarket(symbol, lastClose(symbol), { stop: 0.95, target: 1.1 });
    });
    // The scripted CEO's default is an open budget; the configuration allows at most 2 a day.
    const agents = await scriptedAgents(db.store, [route]);
    let now = lastBar + 60_000;
    const clock = { now: () => now };
    const brokerName = 'paper-restart';
    const record = deskRecordFor(db.store, { key: brokerName, brokerName });
    const journalRoot = mkdtempSync(path.join(tmpdir(), 'signet-desk-'));
    const asked = (skill: string) => route.calls.filter((call) => call.skill === skill).length;

    const first = depsFor({ route, agents, brokerName, clock, record, journalRoot });
    const one = await runDecisionCycle(first, 'desk-1', [universe[0]!]);
    expect(one.candidates.map((candidate) => candidate.outcome)).toEqual(['executed']);
    expect(asked('ceo')).toBe(1);
    expect(asked('macro-officer')).toBe(1);
    const [directive] = await topicRow('desk-1', 'ceo.directive');
    expect(directive?.payload).toMatchObject({ desk: brokerName, applied: { maxNewPositions: 2 } });

    // A restart: a new desk, the same day, the same account.
    now += 3_600_000;
    const restarted = depsFor({ route, agents, brokerName, clock, record, journalRoot });
    const two = await runDecisionCycle(restarted, 'desk-2', [universe[1]!, universe[2]!]);
    expect(asked('ceo')).toBe(1);
    expect(asked('macro-officer')).toBe(1);
    expect(await topicRow('desk-2', 'ceo.directive')).toEqual([]);
    const [budget] = await topicRow('desk-2', 'ceo.budget');
    expect(budget?.payload).toMatchObject({
      directiveId: Number(directive!.id),
      maxNewPositions: 2,
      newPositionsToday: 1,
    });
    const [macro] = await topicRow('desk-2', 'macro.view');
    expect(macro?.payload).toMatchObject({ fresh: false, computedInCycle: 'desk-1' });
    // One slot was left: one entry, and the other vetoed by the day's budget.
    expect(two.candidates.map((candidate) => candidate.outcome).sort()).toEqual(['executed', 'vetoed']);
    const vetoed = two.candidates.find((candidate) => candidate.outcome === 'vetoed')!;
    expect(vetoed.reasons.join(' ')).toMatch(/2 new position\(s\) today; the CEO's budget allows 2/);

    // The next day: the CEO is asked again and the day starts with no slot used.
    now += day;
    const nextDay = depsFor({ route, agents, brokerName, clock, record, journalRoot });
    await runDecisionCycle(nextDay, 'desk-3', [universe[0]!]);
    expect(asked('ceo')).toBe(2);
    const [fresh] = await topicRow('desk-3', 'ceo.budget');
    expect(fresh?.payload).toMatchObject({ newPositionsToday: 0 });
    expect((fresh!.payload as { directiveId: number }).directiveId).not.toBe(Number(directive!.id));
    // A new desk has no tally of its own: the CEO's "yesterday" is read back from the bus.
    const [nextDirective] = await topicRow('desk-3', 'ceo.directive');
    expect(nextDirective?.payload).toMatchObject({
      yesterday: {
        day: new Date(lastBar + 60_000).toISOString().slice(0, 10),
        decisions: 3,
        executed: 2,
        vetoed: 1,
        errors: 0,
        noTrade: 0,
      },
    });
  });

  it('fails closed when the day state cannot be read: no new position, the CEO not asked, the journal says why', async () => {
    const route = agreeingRoute((request: RouteRequest) => {
      const symbol = symbolOf(request);
      return buyAtMarket(symbol, lastClose(symbol), { stop: 0.95, target: 1.1 });
    });
    const agents = await scriptedAgents(db.store, [route]);
    const clock = { now: () => lastBar + 120_000 };
    const brokerName = 'paper-unreadable';
    const working = deskRecordFor(db.store, { key: brokerName, brokerName });
    const record: DeskRecord = {
      ...working,
      key: brokerName,
      directive: async () => {
        throw new Error('connection terminated');
      },
    };
    const journalRoot = mkdtempSync(path.join(tmpdir(), 'signet-desk-'));
    const deps = depsFor({ route, agents, brokerName, clock, record, journalRoot });
    const report = await runDecisionCycle(deps, 'desk-closed', [universe[0]!]);
    expect(report.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed']);
    expect(route.calls.some((call) => call.skill === 'ceo')).toBe(false);
    const [budget] = await topicRow('desk-closed', 'ceo.budget');
    expect(budget?.payload).toMatchObject({ maxNewPositions: 0, desk: brokerName });
    expect(String((budget!.payload as { closed: string }).closed)).toMatch(
      /could not be read back \(connection terminated\)/,
    );
    const journal = await db.store.query<{ outcome: string; path: string }>(
      "SELECT outcome, path FROM agent_journal WHERE cycle_id = 'desk-closed' AND agent = 'ceo'",
    );
    expect(journal.rows).toHaveLength(1);
    expect(journal.rows[0]!.outcome).toBe('error');
    const text = readFileSync(path.resolve(journalRoot, journal.rows[0]!.path), 'utf8');
    expect(text).toMatch(
      /fail closed\): the day's CEO budget could not be read back \(connection terminated\)/,
    );
  });

  it('counts only entries of this desk and day that were not refused', async () => {
    const brokerName = 'paper-count';
    const record = deskRecordFor(db.store, { key: brokerName, brokerName, cyclePrefix: 'run-a/' });
    const bus = new Bus({ store: db.store, logger });
    const enter = async (id: string, cycleId: string, ts: string, status: string, broker = brokerName) => {
      const message = await bus.publish({
        ts: new Date(ts),
        fromAgent: 'executor',
        toAgent: 'broker',
        topic: 'order.intent',
        cycleId,
        payload: { clientOrderId: id, symbol: 'AAA' },
      });
      await db.store.query(
        `INSERT INTO orders (client_order_id, broker, leg, symbol, side, type, qty, status, cycle_id, message_id)
         VALUES ($1, $2, 'entry', 'AAA', 'buy', 'market', 1, $3, $4, $5)`,
        [id, broker, status, cycleId, message.id],
      );
    };
    await enter('c-1', 'run-a/1', '2026-03-02T15:00:00Z', 'filled');
    await enter('c-2', 'run-a/2', '2026-03-02T16:00:00Z', 'pending_submit');
    await enter('c-3', 'run-a/3', '2026-03-02T17:00:00Z', 'rejected');
    await enter('c-4', 'run-a/4', '2026-03-01T23:59:00Z', 'filled'); // the day before
    await enter('c-5', 'run-b/1', '2026-03-02T15:00:00Z', 'filled'); // another run
    await enter('c-6', 'run-a/5', '2026-03-02T15:00:00Z', 'filled', 'other-broker');
    expect(await record.newPositions('2026-03-02')).toBe(2);
    expect(await record.newPositions('2026-03-01')).toBe(1);
    await expect(record.newPositions('March 2')).rejects.toThrow(/not a trading day/);
  });
});
