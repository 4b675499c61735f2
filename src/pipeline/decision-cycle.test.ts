import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { scriptedRoute, symbolOf } from '../../test/support/scripted-route.ts';
import type { AgentRuntime } from '../agents/index.ts';
import { defaultStrategistRules } from '../agents/index.ts';
import { type OrderRequest, PaperBroker } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import { llmSectionSchema } from '../config/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import { LlmRouter, type Route, type RouteRequest } from '../llm/index.ts';
import { silentLogger } from '../logging/index.ts';
import { type BarSeries, generateSimSeries } from '../market/index.ts';
import { loadPhilosophy, SkillRegistry, shippedPhilosophyFile, shippedSkillsDir } from '../skills/index.ts';
import type { Queryable } from '../store/index.ts';
import { createStrategy } from '../strategies/index.ts';
import type { CycleDeps } from './cycle-types.ts';
import { runDecisionCycle } from './decision-cycle.ts';
import { explain } from './explain.ts';
import { defaultRiskLimits } from './risk-gate.ts';
import { screen } from './screen.ts';
import { pipelineSql } from './sql.ts';

let db: TestDatabase;
let skills: SkillRegistry;
const logger = silentLogger();
const universe: BarSeries[] = ['AAA', 'BBB', 'CCC'].map((symbol, index) =>
  generateSimSeries({ seed: 11 + index, bars: 120, symbols: [symbol] }, symbol),
);

beforeAll(async () => {
  db = await createTestDatabase();
  skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger, watch: false });
});
afterAll(async () => {
  skills.close();
  await db.drop();
});

const lastClose = (series: BarSeries) => series.close[series.length - 1]!;

function trade(symbol: string, close: number) {
  return {
    decision: 'trade',
    symbol,
    side: 'buy',
    entryType: 'market',
    entryPrice: close,
    stopPrice: Number((close * 0.95).toFixed(2)),
    targetPrice: Number((close * 1.1).toFixed(2)),
    horizonBars: 10,
    rationale: `Breakout above ${close}`,
    confidence: 0.7,
    facts: [{ name: 'close', value: close }],
  };
}

/** The Strategist's answer for the symbol a request is about: a buy at its last close. */
function tradeAtLastClose(request: RouteRequest) {
  const name = symbolOf(request);
  return trade(name, lastClose(universe.find((each) => each.symbol === name)!));
}

const stance = { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'rising averages' };
const sign = { verdict: 'sign', reasons: ['looks right'] };

interface Harness {
  deps: CycleDeps;
  broker: PaperBroker;
  bus: Bus;
  journalRoot: string;
}

async function harness(
  options: {
    routes?: Route[];
    halt?: () => Promise<number | null>;
    cash?: number;
    signerTimeoutMs?: number;
    /** The database the router writes its cost ledger to (default: the test database). */
    ledgerStore?: Queryable;
  } = {},
): Promise<Harness> {
  const now = universe[0]!.time[universe[0]!.length - 1]! + 60_000;
  const clock = { now: () => now };
  const broker = new PaperBroker({ cash: options.cash ?? 100_000, commission: 0.001, clock });
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
  const router = options.routes
    ? new LlmRouter({
        section: llmSectionSchema.parse({}),
        store: options.ledgerStore ?? db.store,
        logger,
        routes: options.routes,
      })
    : undefined;
  const runtime: AgentRuntime = {
    skills,
    llm: router,
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
  };
  const journalRoot = mkdtempSync(path.join(tmpdir(), 'signet-journal-'));
  const deps: CycleDeps = {
    runtime,
    publish: (input, publishOptions) => bus.publish(input, publishOptions),
    // As the sessions' kernel: ids before commits.
    send: (input) => bus.send(input),
    publishWithWrites: (input, writes) => bus.publishWithWrites(input, writes),
    query: (text, values) => db.store.query(text, values),
    broker,
    // Each harness is its own account: one test's working entries are not another's exposure.
    brokerName: `paper-${journalRoot.slice(-6)}`,
    portfolio: async () => ({
      equity: broker.equity(),
      cash: broker.cash(),
      dayStartEquity: broker.equity(),
      positions: broker
        .positions()
        .map((position) => ({ symbol: position.symbol, qty: position.qty, price: position.avgPrice })),
      symbolPnlToday: {},
    }),
    haltLevel: options.halt ?? (async () => 0),
    freshQuote: async (symbol) => {
      const series = universe.find((each) => each.symbol === symbol)!;
      return { t: new Date(now - 1_000).toISOString(), last: lastClose(series), bid: null, ask: null };
    },
    journal: async (entry, timing) => {
      await writeJournalEntry(entry, { db: db.store, root: journalRoot, ...timing });
    },
    clock,
    settings: {
      limits: defaultRiskLimits,
      rules: defaultStrategistRules,
      timeframe: '1d',
      topK: 2,
      parallelism: 2,
      signerTimeoutMs: options.signerTimeoutMs ?? 5_000,
      maxDataAgeSeconds: 7 * 86_400,
      factTolerancePct: 0.1,
      commissionRate: 0.001,
    },
    fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
  };
  return { deps, broker, bus, journalRoot };
}

/** A route whose Regime gives the stance, whose Strategist answers `strategist`, and whose signers both sign. */
function signedByBoth(strategist: (request: RouteRequest) => unknown) {
  return scriptedRoute({
    answers: { regime: stance, strategist, 'fact-checker': sign, 'double-checker': sign },
  });
}

/** The database refusing the LLM cost ledger's rows (e.g. a full disk on that table) and nothing else. */
function refusingLedgerRows(): Queryable {
  return {
    query: async (text, values) => {
      if (text.includes('INSERT INTO llm_cost_ledger')) throw new Error('could not extend file');
      return db.store.query(text, values);
    },
  };
}

async function cycleMessages(cycleId: string) {
  const bus = new Bus({ store: db.store, logger });
  return bus.replayAll({ cycleId });
}

describe('decision cycle', () => {
  it('with no LLM configured, every decision is the fallback and is marked so', async () => {
    const { deps } = await harness();
    const report = await runDecisionCycle(deps, 'cy-fallback', universe);
    expect(report.candidates).toHaveLength(2);
    const messages = await cycleMessages('cy-fallback');
    const proposals = messages.filter((message) => message.topic === 'strategist.proposal');
    expect(proposals).toHaveLength(2);
    for (const proposal of proposals)
      expect(proposal.payload).toMatchObject({
        ok: true,
        decidedBy: 'fallback',
        fallbackReason: 'no LLM route is configured',
      });
    const journal = await db.store.query<{ decided_by: string; agent: string }>(
      "SELECT decided_by, agent FROM agent_journal WHERE cycle_id = 'cy-fallback' ORDER BY id",
    );
    // The CEO's entry for the day first, then one per candidate.
    expect(journal.rows.map((row) => row.agent)).toEqual(['ceo', 'strategist', 'strategist']);
    expect(journal.rows.every((row) => row.decided_by === 'fallback')).toBe(true);
    // The Macro Officer and the CEO decided by their fallbacks too, and said so.
    const macro = messages.find((message) => message.topic === 'macro.view');
    expect(macro?.payload).toMatchObject({ ok: true, decidedBy: 'fallback', fresh: true });
    const directive = messages.find((message) => message.topic === 'ceo.directive');
    expect(directive?.payload).toMatchObject({ ok: true, decidedBy: 'fallback' });
    const budget = messages.find((message) => message.topic === 'ceo.budget');
    expect(budget?.causationId).toBe(directive?.id);
  });

  it('an LLM proposal signed by all three becomes a bracket order, on the bus and in the journal', async () => {
    const route = signedByBoth(tradeAtLastClose);
    const { deps, broker, journalRoot } = await harness({ routes: [route] });
    const report = await runDecisionCycle(deps, 'cy-llm', universe);
    const executed = report.candidates.filter((candidate) => candidate.outcome === 'executed');
    expect(executed.length).toBe(2);
    for (const candidate of executed) {
      const order = broker.getOrder(candidate.clientOrderId!)!;
      expect(order).toMatchObject({
        symbol: candidate.symbol,
        side: 'buy',
        type: 'market',
        qty: candidate.qty,
      });
      // The stop-loss child is always attached.
      expect(order.linkedClientOrderIds.length).toBe(2);
      const row = await db.store.query<{ status: string }>(
        'SELECT status FROM orders WHERE client_order_id = $1',
        [candidate.clientOrderId],
      );
      expect(row.rows[0]?.status).toBe('open');
    }
    const messages = await cycleMessages('cy-llm');
    const collected = messages.filter((message) => message.topic === 'signatures.collected');
    expect(
      collected.map((message) =>
        message.signatures.map(
          (signature) => `${signature.signer}:${signature.verdict}:${signature.decidedBy}`,
        ),
      ),
    ).toEqual([
      ['risk-gate:sign:code', 'fact-checker:sign:llm', 'double-checker:sign:llm'],
      ['risk-gate:sign:code', 'fact-checker:sign:llm', 'double-checker:sign:llm'],
    ]);
    // Each step answers the one before it.
    const byId = new Map(messages.map((message) => [message.id, message]));
    const submitted = messages.find((message) => message.topic === 'order.submitted')!;
    const chain: string[] = [];
    for (
      let at: typeof submitted | undefined = submitted;
      at;
      at = at.causationId ? byId.get(at.causationId) : undefined
    )
      chain.push(at.topic);
    expect(chain).toEqual([
      'order.submitted',
      'order.intent',
      'signatures.collected',
      'strategist.proposal',
      'regime.stance',
      'screen.result',
      'cycle.started',
    ]);
    // The DoubleChecker is blind: its prompt carries no rationale.
    const doubleCalls = route.calls.filter((call) => call.skill === 'double-checker');
    expect(doubleCalls.length).toBe(2);
    for (const call of doubleCalls) expect(call.request.messages[0]!.content).not.toContain('Breakout above');
    const rows = await db.store.query<{ path: string; outcome: string }>(
      "SELECT path, outcome FROM agent_journal WHERE cycle_id = 'cy-llm' AND agent <> 'ceo' ORDER BY id",
    );
    expect(rows.rows.map((row) => row.outcome)).toEqual(['executed', 'executed']);
    const text = readFileSync(path.join(journalRoot, rows.rows[0]!.path), 'utf8');
    expect(text).toMatch(/risk-gate/);
    expect(text).toMatch(/double-checker/);
  });

  it("the CEO's budget is clamped, holds across the day's cycles in the Risk Gate, and explain finds the day's directive", async () => {
    const route = scriptedRoute({
      answers: {
        regime: stance,
        strategist: tradeAtLastClose,
        'fact-checker': sign,
        'double-checker': sign,
        // The model asks for more than the configuration allows.
        ceo: { stance: 'risk_on', riskMultiplierCap: 1, maxNewPositions: 50, rationale: 'all in' },
      },
    });
    const { deps, bus } = await harness({ routes: [route] });
    deps.settings = { ...deps.settings, ceo: { maxRiskMultiplierCap: 0.5, maxNewPositions: 1 } };
    const first = await runDecisionCycle(deps, 'cy-ceo-1', universe);
    expect(first.candidates.map((candidate) => candidate.outcome).sort()).toEqual(['executed', 'vetoed']);
    const vetoed = first.candidates.find((candidate) => candidate.outcome === 'vetoed')!;
    expect(vetoed.reasons.join(' ')).toMatch(/1 new position\(s\) today; the CEO's budget allows 1/);
    const firstMessages = await cycleMessages('cy-ceo-1');
    const directive = firstMessages.find((message) => message.topic === 'ceo.directive')!;
    expect(directive.payload).toMatchObject({
      decidedBy: 'llm',
      applied: { riskMultiplierCap: 0.5, maxNewPositions: 1 },
    });
    expect((directive.payload as { clamped: string[] }).clamped).toHaveLength(2);

    // The same day's second cycle: the session's macro view and the day's budget, no new directive.
    const second = await runDecisionCycle(deps, 'cy-ceo-2', [universe[2]!]);
    expect(second.candidates.every((candidate) => candidate.outcome !== 'executed')).toBe(true);
    const secondMessages = await cycleMessages('cy-ceo-2');
    expect(secondMessages.some((message) => message.topic === 'ceo.directive')).toBe(false);
    expect(secondMessages.find((message) => message.topic === 'macro.view')?.payload).toMatchObject({
      fresh: false,
      computedInCycle: 'cy-ceo-1',
    });
    expect(secondMessages.find((message) => message.topic === 'ceo.budget')?.payload).toMatchObject({
      directiveId: directive.id,
      newPositionsToday: 1,
    });
    expect(route.calls.filter((call) => call.skill === 'ceo')).toHaveLength(1);
    expect(route.calls.filter((call) => call.skill === 'macro-officer')).toHaveLength(1);
    const explained = await explain(db.store, bus, 'cy-ceo-2');
    expect(explained?.agents.ceoDirective?.id).toBe(directive.id);
    expect(explained?.agents.ceo).toMatchObject({
      riskMultiplierCap: 0.5,
      maxNewPositions: 1,
      decidedBy: 'llm',
    });
    expect(explained?.agents.macroOfficer).toMatchObject({ decidedBy: 'llm', stance: 'neutral' });
  });

  it('an invalid Strategist answer (after one repair) sends no order', async () => {
    const route = scriptedRoute({
      answers: {
        regime: stance,
        strategist: { decision: 'trade', symbol: 'AAA', side: 'buy' },
        'fact-checker': sign,
        'double-checker': sign,
      },
    });
    const { deps, broker } = await harness({ routes: [route] });
    const report = await runDecisionCycle(deps, 'cy-invalid', universe);
    expect(report.candidates.every((candidate) => candidate.outcome === 'error')).toBe(true);
    expect(broker.positions()).toEqual([]);
    expect(route.calls.filter((call) => call.skill === 'strategist').length).toBe(4); // 2 candidates × (answer + repair)
    const orders = await db.store.query("SELECT 1 FROM orders WHERE cycle_id = 'cy-invalid'");
    expect(orders.rowCount).toBe(0);
  });

  it('a signer that times out is a veto', async () => {
    const route = scriptedRoute({
      answers: {
        regime: stance,
        strategist: trade('AAA', lastClose(universe[0]!)),
        'fact-checker': sign,
        'double-checker': sign,
      },
      delays: { 'double-checker': 1_000 },
    });
    const { deps } = await harness({ routes: [route], signerTimeoutMs: 200 });
    const report = await runDecisionCycle(deps, 'cy-timeout', [universe[0]!]);
    expect(report.candidates[0]).toMatchObject({ outcome: 'vetoed' });
    expect(report.candidates[0]!.reasons.join()).toMatch(
      /double-checker: double-checker did not answer within 200 ms/,
    );
  });

  it('the Risk Gate vetoes what cannot be sized, with its reason', async () => {
    const route = signedByBoth(() => trade('AAA', lastClose(universe[0]!)));
    const { deps } = await harness({ routes: [route], cash: 10 });
    const report = await runDecisionCycle(deps, 'cy-oversize', [universe[0]!]);
    expect(report.candidates[0]!.outcome).toBe('vetoed');
    expect(report.candidates[0]!.reasons.join()).toMatch(/risk-gate: no whole share fits the limits/);
  });

  it("a decision's journal entry that cannot be written fails its candidate; the cycle ends after every entry", async () => {
    const route = signedByBoth((request) => trade(symbolOf(request), 1));
    const { deps } = await harness({ routes: [route], cash: 10 });
    let finished = 0;
    const journaled: string[] = [];
    deps.journal = async (entry) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (entry.symbol === 'BBB') throw new Error('disk full');
      journaled.push(entry.symbol ?? entry.agent);
      finished += 1;
    };
    const report = await runDecisionCycle(deps, 'cy-journal-later', universe.slice(0, 2));
    // The cycle ended only after every entry was written (or failed).
    expect(finished).toBe(journaled.length);
    const bySymbol = Object.fromEntries(report.candidates.map((candidate) => [candidate.symbol, candidate]));
    expect(bySymbol.AAA?.outcome).toBe('vetoed');
    expect(bySymbol.BBB).toMatchObject({ outcome: 'error', reasons: ['cycle step failed: disk full'] });
    const messages = await cycleMessages('cy-journal-later');
    expect(messages.find((message) => message.topic === 'cycle.error')?.payload).toMatchObject({
      symbol: 'BBB',
    });
    const completed = messages.find((message) => message.topic === 'cycle.completed');
    expect(completed?.payload).toMatchObject({
      outcomes: expect.arrayContaining([expect.objectContaining({ symbol: 'BBB', outcome: 'error' })]),
    });
  });

  it("an executed order's journal entry is written while the next candidate is decided; one that fails fails its candidate", async () => {
    const route = signedByBoth(tradeAtLastClose);
    const { deps } = await harness({ routes: [route] });
    deps.settings = { ...deps.settings, parallelism: 1 };
    const events: string[] = [];
    // The screen decides the order: the first candidate's entry is slow, the second's fails.
    const order = screen(universe.slice(0, 2), 2).map((each) => each.symbol);
    const [first, second] = [order[0]!, order[1]!];
    deps.journal = async (entry) => {
      events.push(`journal started ${entry.symbol}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (entry.symbol === second) throw new Error('disk full');
      events.push(`journal written ${entry.symbol}`);
    };
    const report = await runDecisionCycle(deps, 'cy-executed-journal', universe.slice(0, 2));
    const bySymbol = Object.fromEntries(report.candidates.map((candidate) => [candidate.symbol, candidate]));
    expect(bySymbol[first]?.outcome).toBe('executed');
    // One at a time, yet the second candidate was decided (up to its own entry) before the
    // first one's entry was written.
    expect(events.indexOf(`journal started ${second}`)).toBeGreaterThan(-1);
    expect(events.indexOf(`journal started ${second}`)).toBeLessThan(
      events.indexOf(`journal written ${first}`),
    );
    // The cycle ended with every entry written or failed; the order that went out stays on record.
    expect(bySymbol[second]).toMatchObject({ outcome: 'error', reasons: ['cycle step failed: disk full'] });
    const messages = await cycleMessages('cy-executed-journal');
    expect(messages.filter((message) => message.topic === 'order.submitted')).toHaveLength(2);
  });

  it('a veto whose signatures message cannot be written fails its candidate; the next is decided meanwhile', async () => {
    const route = signedByBoth((request) => trade(symbolOf(request), 1));
    // Too little cash to size anything: every proposal is vetoed by the Risk Gate.
    const { deps } = await harness({ routes: [route], cash: 10 });
    deps.settings = { ...deps.settings, parallelism: 1 };
    const order = screen(universe.slice(0, 2), 2).map((each) => each.symbol);
    const [first, second] = [order[0]!, order[1]!];
    const events: string[] = [];
    const send = deps.send!;
    deps.send = async (input) => {
      if (input.topic === 'regime.stance')
        events.push(`regime of ${(input.payload as { symbol: string }).symbol}`);
      if (input.topic !== 'signatures.collected') return send(input);
      const symbol = (input.payload as { symbol: string }).symbol;
      // The first one's row is refused by PostgreSQL itself (jsonb holds no NUL character).
      const payload = symbol === first ? { ...(input.payload as object), note: '\u0000' } : input.payload;
      const sent = await send({ ...input, payload });
      events.push(`signatures of ${symbol} sent`);
      const settled = new Promise((resolve) => setTimeout(resolve, 100)).then(() => sent.written);
      const written = settled.then(
        (message) => {
          events.push(`signatures of ${symbol} written`);
          return message;
        },
        (error: unknown) => {
          events.push(`signatures of ${symbol} failed`);
          throw error;
        },
      );
      written.catch(() => {});
      return { id: sent.id, written };
    };
    const report = await runDecisionCycle(deps, 'cy-veto-message', universe.slice(0, 2));
    const bySymbol = Object.fromEntries(report.candidates.map((candidate) => [candidate.symbol, candidate]));
    expect(bySymbol[first]).toMatchObject({
      outcome: 'error',
      reasons: [expect.stringMatching(/^cycle step failed: unsupported Unicode escape sequence/)],
    });
    expect(bySymbol[second]?.outcome).toBe('vetoed');
    // One at a time, yet the second candidate's Regime ran while the first's message was in flight.
    expect(events.indexOf(`regime of ${second}`)).toBeGreaterThan(events.indexOf(`regime of ${first}`));
    expect(events.indexOf(`regime of ${second}`)).toBeLessThan(
      events.indexOf(`signatures of ${first} failed`),
    );
    const messages = await cycleMessages('cy-veto-message');
    // The veto that was recorded is journaled under its message; the cycle ended after both.
    const journal = await db.store.query<{ symbol: string; message_id: number }>(
      "SELECT symbol, message_id FROM agent_journal WHERE cycle_id = 'cy-veto-message' AND outcome = 'vetoed'",
    );
    const collected = messages.filter((message) => message.topic === 'signatures.collected');
    expect(collected).toHaveLength(1);
    expect(journal.rows).toEqual([{ symbol: second, message_id: collected[0]!.id }]);
    expect(messages.at(-1)?.topic).toBe('cycle.completed');
  });

  it("a veto's journal file is placed while its signatures message commits; its row waits for the message", async () => {
    const route = signedByBoth((request) => trade(symbolOf(request), 1));
    const { deps, journalRoot } = await harness({ routes: [route], cash: 10 });
    deps.settings = { ...deps.settings, parallelism: 1, topK: 1 };
    const cycleId = 'cy-veto-file-first';
    const seen: Array<{ files: number; rows: number }> = [];
    const vetoFiles = () =>
      readdirSync(journalRoot, { recursive: true }).filter((name) => String(name).endsWith('-vetoed.md'))
        .length;
    const send = deps.send!;
    deps.send = async (input) => {
      const sent = await send(input);
      if (input.topic !== 'signatures.collected') return sent;
      // The message commits 200 ms late: what the journal did meanwhile is looked at just before.
      const written = new Promise((resolve) => setTimeout(resolve, 200)).then(async () => {
        const rows = await db.store.query(
          "SELECT 1 FROM agent_journal WHERE cycle_id = $1 AND outcome = 'vetoed'",
          [cycleId],
        );
        seen.push({ files: vetoFiles(), rows: rows.rowCount ?? 0 });
        return sent.written;
      });
      return { id: sent.id, written };
    };
    const report = await runDecisionCycle(deps, cycleId, universe.slice(0, 1));
    expect(report.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed']);
    // The file was on disk before the message's commit returned, the row was not.
    expect(seen).toEqual([{ files: 1, rows: 0 }]);
    const collected = (await cycleMessages(cycleId)).filter(
      (message) => message.topic === 'signatures.collected',
    );
    const rows = await db.store.query<{ message_id: string }>(
      "SELECT message_id FROM agent_journal WHERE cycle_id = $1 AND outcome = 'vetoed'",
      [cycleId],
    );
    expect(rows.rows.map((row) => Number(row.message_id))).toEqual([collected[0]!.id]);
  });

  it("candidates' Risk Gates read the account in rank order, each after the one above ended; the LLM signers answer meanwhile", async () => {
    const route = scriptedRoute({
      answers: {
        regime: stance,
        strategist: tradeAtLastClose,
        'fact-checker': (request: RouteRequest) => {
          events.push(`fact-checker asked for ${symbolOf(request)}`);
          return sign;
        },
        'double-checker': sign,
      },
      delays: { 'fact-checker': 50, 'double-checker': 50 },
    });
    const events: string[] = [];
    const { deps, broker } = await harness({ routes: [route] });
    const query = deps.query;
    deps.query = (text, values) => {
      if (text === pipelineSql.pendingEntries()) events.push('account read');
      return query(text, values);
    };
    deps.broker = new Proxy(broker, {
      get(target, property) {
        if (property === 'submit')
          return async (request: OrderRequest) => {
            events.push(`order sent for ${request.symbol}`);
            return target.submit(request);
          };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const [first, second] = screen(universe.slice(0, 2), 2).map((each) => each.symbol);
    const report = await runDecisionCycle(deps, 'cy-ranked', universe.slice(0, 2));
    expect(report.candidates.map((candidate) => candidate.outcome)).toEqual(['executed', 'executed']);
    // The second one's signers were asked before the first's order left; its Risk Gate read the
    // account only after.
    expect(events.indexOf(`fact-checker asked for ${second}`)).toBeLessThan(
      events.indexOf(`order sent for ${first}`),
    );
    expect(events.filter((event) => event === 'account read')).toHaveLength(2);
    expect(events.lastIndexOf('account read')).toBeGreaterThan(events.indexOf(`order sent for ${first}`));
    expect(events.indexOf(`order sent for ${second}`)).toBeGreaterThan(events.lastIndexOf('account read'));
  });

  it("the cycle's budget message is sent, not awaited: one that cannot be written lets no order out, and the cycle fails", async () => {
    const route = signedByBoth(tradeAtLastClose);
    const { deps, broker } = await harness({ routes: [route] });
    const send = deps.send!;
    const events: string[] = [];
    deps.send = async (input) => {
      if (input.topic === 'regime.stance') events.push('regime stance sent');
      if (input.topic !== 'ceo.budget') return send(input);
      // PostgreSQL itself refuses the row (jsonb holds no NUL character), after a while.
      const sent = await send({ ...input, payload: { ...(input.payload as object), note: '\u0000' } });
      events.push('budget sent');
      const written = new Promise((resolve) => setTimeout(resolve, 100))
        .then(() => sent.written)
        .finally(() => events.push('budget settled'));
      written.catch(() => {});
      return { id: sent.id, written };
    };
    await expect(runDecisionCycle(deps, 'cy-budget-lost', universe)).rejects.toThrow(
      /unsupported Unicode escape sequence/,
    );
    // The first candidate was decided while the budget was on its way; no order left.
    expect(events.indexOf('regime stance sent')).toBeGreaterThan(events.indexOf('budget sent'));
    expect(events.indexOf('regime stance sent')).toBeLessThan(events.indexOf('budget settled'));
    expect(broker.workingOrders()).toEqual([]);
    const topicsWritten = (await cycleMessages('cy-budget-lost')).map((message) => message.topic);
    expect(topicsWritten).toContain('signatures.collected');
    expect(topicsWritten).not.toContain('order.intent');
    expect(topicsWritten).not.toContain('ceo.budget');
    expect(topicsWritten).not.toContain('cycle.completed');
  });

  it('halted, or a halt that cannot be read: no cycle runs', async () => {
    const { deps } = await harness({ halt: async () => 3 });
    const report = await runDecisionCycle(deps, 'cy-halted', universe);
    expect(report.candidates).toEqual([]);
    const unreadable = await harness({
      halt: async () => {
        throw new Error('database unreachable');
      },
    });
    const second = await runDecisionCycle(unreadable.deps, 'cy-unreadable', universe);
    expect(second.candidates).toEqual([]);
    const skipped = (await cycleMessages('cy-unreadable')).find(
      (message) => message.topic === 'cycle.skipped',
    );
    expect(skipped?.payload).toMatchObject({ reason: 'halt state unreadable: no cycle runs' });
  });

  it('a halt raised during the cycle blocks the order at submission', async () => {
    let reads = 0;
    const route = signedByBoth(() => trade('AAA', lastClose(universe[0]!)));
    // Readable and clear at the start and at signing; unreadable (database gone) at submission.
    const { deps, broker } = await harness({
      routes: [route],
      halt: async () => {
        reads += 1;
        if (reads >= 3) throw new Error('connection refused');
        return 0;
      },
    });
    const report = await runDecisionCycle(deps, 'cy-late-halt', [universe[0]!]);
    expect(report.candidates[0]).toMatchObject({ outcome: 'halted' });
    expect(broker.positions()).toEqual([]);
    expect(broker.getOrder(report.candidates[0]!.clientOrderId!)).toBeUndefined();
  });

  it('at submission the halt is read while the cost ledger rows are written, and the order waits for both', async () => {
    const route = signedByBoth(() => trade('AAA', lastClose(universe[0]!)));
    const events: string[] = [];
    let wake: (() => void) | undefined;
    let reads = 0;
    const { deps, broker } = await harness({
      routes: [route],
      // The third read (cycle start, Risk Gate, submission) answers once the ledger has been asked
      // to settle, or after a second: read one after the other, it never sees that happen.
      halt: async () => {
        reads += 1;
        if (reads < 3) return 0;
        events.push('halt read');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000);
        });
        events.push('halt answered');
        return 0;
      },
    });
    const llm = deps.runtime.llm!;
    deps.runtime = {
      ...deps.runtime,
      llm: {
        configured: llm.configured,
        call: (request) => llm.call(request),
        settle: () => {
          if (reads >= 3) events.push('ledger settling');
          wake?.();
          return llm.settle();
        },
      },
    };
    const report = await runDecisionCycle(deps, 'cy-submission-side-by-side', [universe[0]!]);
    expect(report.candidates[0]).toMatchObject({ outcome: 'executed' });
    expect(broker.getOrder(report.candidates[0]!.clientOrderId!)).toBeDefined();
    expect(events.slice(0, 3)).toEqual(['halt read', 'ledger settling', 'halt answered']);
  });

  it('a halt and a lost cost ledger row at submission: halted, and the reason names both', async () => {
    const route = signedByBoth(() => trade('AAA', lastClose(universe[0]!)));
    let reads = 0;
    const { deps, broker } = await harness({
      routes: [route],
      ledgerStore: refusingLedgerRows(),
      // Clear at the cycle's start and in the Risk Gate; level 2 at submission.
      halt: async () => {
        reads += 1;
        return reads >= 3 ? 2 : 0;
      },
    });
    const report = await runDecisionCycle(deps, 'cy-halt-and-ledger', [universe[0]!]);
    const candidate = report.candidates[0]!;
    expect(candidate).toMatchObject({ outcome: 'halted' });
    expect(candidate.reasons[0]).toMatch(
      /^halt level 2 at submission; LLM cost ledger incomplete at submission: \d+ LLM cost ledger row/,
    );
    expect(broker.getOrder(candidate.clientOrderId!)).toBeUndefined();
  });

  it('an LLM cost ledger row that cannot be written blocks the order at submission, and says so', async () => {
    const route = signedByBoth(() => trade('AAA', lastClose(universe[0]!)));
    const { deps, broker } = await harness({ routes: [route], ledgerStore: refusingLedgerRows() });
    const report = await runDecisionCycle(deps, 'cy-ledger-lost', [universe[0]!]);
    const candidate = report.candidates[0]!;
    expect(candidate).toMatchObject({ outcome: 'error', proposed: true, qty: 0 });
    expect(candidate.reasons[0]).toMatch(/LLM cost ledger incomplete at submission: \d+ LLM cost ledger row/);
    expect(broker.getOrder(candidate.clientOrderId!)).toBeUndefined();
    const blocked = (await cycleMessages('cy-ledger-lost')).find(
      (message) => message.topic === 'order.blocked',
    );
    expect(blocked?.payload).toMatchObject({ symbol: 'AAA', reason: candidate.reasons[0] });
  });

  it('an order goes out only after the cost ledger rows of the calls behind it are in the table', async () => {
    const route = signedByBoth(() => trade('BBB', lastClose(universe[1]!)));
    // Ledger inserts are slow; the executor must wait for them, not race past.
    let rowsAtSubmission = -1;
    const ledgerStore: Queryable = {
      query: async (text, values) => {
        if (text.includes('INSERT INTO llm_cost_ledger'))
          await new Promise((resolve) => setTimeout(resolve, 50));
        return db.store.query(text, values);
      },
    };
    const { deps, broker } = await harness({ routes: [route], ledgerStore });
    // The broker as the cycle sees it: counts the cycle's ledger rows when the order reaches it.
    deps.broker = new Proxy(broker, {
      get(target, property) {
        if (property === 'submit')
          return async (request: OrderRequest) => {
            const rows = await db.store.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM llm_cost_ledger WHERE cycle_id = 'cy-ledger-slow'",
            );
            rowsAtSubmission = rows.rows[0]!.n;
            return target.submit(request);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const report = await runDecisionCycle(deps, 'cy-ledger-slow', [universe[1]!]);
    expect(report.candidates[0]).toMatchObject({ outcome: 'executed' });
    // Macro Officer, CEO, Regime, Strategist, FactChecker and DoubleChecker: six calls, six rows
    // before the order left.
    expect(rowsAtSubmission).toBe(6);
  });
});
