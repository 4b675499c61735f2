import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { scriptedRoute, symbolOf } from '../../test/support/scripted-route.ts';
import { type AgentRuntime, defaultStrategistRules } from '../agents/index.ts';
import { PaperBroker } from '../broker/index.ts';
import { Bus, readPayload, topics } from '../bus/index.ts';
import { llmSectionSchema } from '../config/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import { LlmRouter, type Route, type RouteRequest } from '../llm/index.ts';
import { silentLogger } from '../logging/index.ts';
import { type BarSeries, generateSimSeries } from '../market/index.ts';
import { FileNewsFeed, type Headline } from '../news/index.ts';
import { type BarSource, compareChallengers, renderChallengers } from '../optimizer/index.ts';
import {
  loadChallengers,
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../skills/index.ts';
import { createStrategy } from '../strategies/index.ts';
import type { CycleDeps } from './cycle-types.ts';
import { runDecisionCycle } from './decision-cycle.ts';
import { defaultRiskLimits } from './risk-gate.ts';
import { screen } from './screen.ts';

/**
 * Challengers in shadow and news in the cycle: a shadow message per champion decision, no order
 * carrying a shadow decision, headlines no later than the bar, and news ids checked by code.
 */
let db: TestDatabase;
let skills: SkillRegistry;
const logger = silentLogger();
const universe: BarSeries[] = ['AAA', 'BBB', 'CCC'].map((symbol, index) =>
  generateSimSeries({ seed: 11 + index, bars: 120, symbols: [symbol] }, symbol),
);
const lastClose = (series: BarSeries) => series.close[series.length - 1]!;
const lastTime = (series: BarSeries) => series.time[series.length - 1]!;
const seriesOf = (symbol: string) => universe.find((each) => each.symbol === symbol)!;

beforeAll(async () => {
  db = await createTestDatabase();
  skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger, watch: false });
});
afterAll(async () => {
  skills.close();
  await db.drop();
});

function trade(symbol: string, extra: Record<string, unknown> = {}) {
  const close = lastClose(seriesOf(symbol));
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
    ...extra,
  };
}
const noTrade = (symbol: string) => ({
  decision: 'no_trade',
  symbol,
  side: null,
  entryType: null,
  entryPrice: null,
  stopPrice: null,
  targetPrice: null,
  horizonBars: null,
  rationale: 'Not trending enough for the conservative bar.',
  confidence: 0.6,
  facts: [],
  newsIds: [],
});
const stance = { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'rising averages' };
const sign = { verdict: 'sign', reasons: ['looks right'] };

async function harness(options: { routes?: Route[]; news?: Headline[]; challengers?: boolean }) {
  const now = lastTime(universe[0]!) + 60_000;
  const clock = { now: () => now };
  const broker = new PaperBroker({ cash: 100_000, commission: 0.001, clock });
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
    ? new LlmRouter({ section: llmSectionSchema.parse({}), store: db.store, logger, routes: options.routes })
    : undefined;
  const runtime: AgentRuntime = {
    skills,
    llm: router,
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
    challengers:
      options.challengers === false
        ? []
        : (await loadChallengers(shippedSkillsDir(), 'strategist')).challengers,
  };
  const journalRoot = mkdtempSync(path.join(tmpdir(), 'signet-shadow-'));
  const deps: CycleDeps = {
    runtime,
    publish: (input, publishOptions) => bus.publish(input, publishOptions),
    publishWithWrites: (input, writes) => bus.publishWithWrites(input, writes),
    query: (text, values) => db.store.query(text, values),
    broker,
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
    haltLevel: async () => 0,
    freshQuote: async (symbol) => ({
      t: new Date(now - 1_000).toISOString(),
      last: lastClose(seriesOf(symbol)),
      bid: null,
      ask: null,
    }),
    journal: (entry) => writeJournalEntry(entry, { db: db.store, root: journalRoot }).then(() => {}),
    clock,
    settings: {
      limits: defaultRiskLimits,
      rules: defaultStrategistRules,
      timeframe: '1d',
      topK: 2,
      parallelism: 2,
      signerTimeoutMs: 5_000,
      maxDataAgeSeconds: 7 * 86_400,
      factTolerancePct: 0.1,
      commissionRate: 0.001,
    },
    fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
    ...(options.news
      ? { news: { feed: new FileNewsFeed(options.news), lookbackMs: 30 * 86_400_000, limit: 5 } }
      : {}),
  };
  return { deps, broker, journalRoot };
}

const messagesOf = (cycleId: string) => new Bus({ store: db.store, logger }).replayAll({ cycleId });

describe('challengers in shadow', () => {
  it('ships a conservative strategist challenger that loads', async () => {
    const { challengers, problems } = await loadChallengers(shippedSkillsDir(), 'strategist');
    expect(problems).toEqual([]);
    expect(challengers.map((each) => each.id)).toEqual(['strategist/conservative']);
  });

  it('a shadow message answers every champion decision; no order carries a shadow decision', async () => {
    // The challenger agrees on the first screened symbol and declines the other.
    const agreeing = screen(universe, 2)[0]!.symbol;
    const route = scriptedRoute({
      answers: {
        regime: stance,
        strategist: (request: RouteRequest) => trade(symbolOf(request)),
        conservative: (request: RouteRequest) => {
          const symbol = symbolOf(request);
          return symbol === agreeing ? trade(symbol) : noTrade(symbol);
        },
        'fact-checker': sign,
        'double-checker': sign,
      },
    });
    const { deps } = await harness({ routes: [route] });
    const report = await runDecisionCycle(deps, 'cy-shadow', universe);
    expect(report.candidates.map((candidate) => [candidate.outcome, candidate.reasons])).toContainEqual([
      'executed',
      [],
    ]);
    const messages = await messagesOf('cy-shadow');
    const proposals = messages.filter((message) => message.topic === topics.strategistProposal);
    const shadows = messages.filter((message) => message.topic === topics.strategistShadow);
    expect(proposals.length).toBe(report.candidates.length);
    expect(shadows.length).toBe(proposals.length);
    for (const proposal of proposals)
      expect(shadows.filter((shadow) => shadow.causationId === proposal.id)).toHaveLength(1);
    const payloads = shadows.map((shadow) => readPayload(topics.strategistShadow, shadow)!);
    for (const payload of payloads) {
      expect(payload).toMatchObject({ shadow: true, challenger: 'strategist/conservative', ok: true });
      expect(payload.agreesWithChampion).toBe(payload.symbol === agreeing);
    }
    // The challenger's answer is exactly the champion's inputs: same prompt text.
    const prompts = (skill: string) =>
      route.calls
        .filter((call) => call.skill === skill)
        .map((call) => call.request.messages[0]?.content)
        .sort();
    expect(prompts('conservative')).toEqual(prompts('strategist'));

    // No order, order message or ledger row carries a shadow decision's id or answers a shadow message.
    const shadowIds = new Set(shadows.map((shadow) => shadow.id));
    const decisionIds = payloads.map((payload) => payload.shadowDecisionId);
    expect(
      messages.filter((message) => message.causationId !== null && shadowIds.has(message.causationId)),
    ).toEqual([]);
    const orders = await db.store.query<{ client_order_id: string; message_id: string | null; raw: unknown }>(
      "SELECT client_order_id, message_id, raw FROM orders WHERE cycle_id = 'cy-shadow'",
    );
    expect(orders.rows.length).toBeGreaterThan(0);
    const orderMessages = messages.filter((message) => message.topic.startsWith('order.'));
    for (const text of [...orders.rows, ...orderMessages].map((row) => JSON.stringify(row))) {
      for (const id of decisionIds) expect(text).not.toContain(id);
      expect(text).not.toContain('strategist.shadow');
      expect(text).not.toContain('"shadow"');
    }
    for (const row of orders.rows) expect(shadowIds.has(Number(row.message_id))).toBe(false);

    // Costed in the ledger under the challenger's own agent name.
    const ledger = await db.store.query<{ agent: string }>(
      "SELECT agent FROM llm_cost_ledger WHERE cycle_id = 'cy-shadow' AND agent LIKE 'shadow:%'",
    );
    expect(ledger.rows.map((row) => row.agent)).toEqual(
      proposals.map(() => 'shadow:strategist/conservative'),
    );

    // The nightly report's comparison: every bar after the decision reaches the target.
    const rising: BarSource = {
      describe: 'rising',
      bars: async (symbol, after, count) => {
        const close = lastClose(seriesOf(symbol));
        return Array.from({ length: count }, (_, index) => ({
          symbol,
          time: after + (index + 1) * 86_400_000,
          open: close,
          high: close * 1.2,
          low: close * 0.99,
          close: close * 1.15,
          volume: 1,
        }));
      },
    };
    const [comparison, ...others] = await compareChallengers(
      db.store,
      new Date(0),
      new Date(8.64e15),
      rising,
    );
    expect(others).toEqual([]);
    expect(comparison).toMatchObject({
      challenger: 'strategist/conservative',
      champion: 'strategist',
      decisions: 2,
      compared: 2,
      agreed: 1,
      agreementRate: 0.5,
      cost: { calls: 2 },
    });
    expect(comparison!.divergent).toHaveLength(1);
    expect(comparison!.divergent[0]).toMatchObject({
      champion: { decision: 'trade', outcome: 'target' },
      challenger: { decision: 'no_trade', outcome: null, r: 0 },
    });
    expect(comparison!.divergentR.challenger).toBe(0);
    expect(comparison!.divergentR.champion).toBeGreaterThan(1.9);
    const section = renderChallengers([comparison!]).join('\n');
    expect(section).toContain('| strategist/conservative | strategist | 2 | 2 | 50.0% | 1 |');
  });

  it('with fallbacks only, the challenger still answers every decision in shadow (and costs nothing)', async () => {
    const { deps } = await harness({});
    const report = await runDecisionCycle(deps, 'cy-shadow-fallback', universe);
    const messages = await messagesOf('cy-shadow-fallback');
    const shadows = messages.filter((message) => message.topic === topics.strategistShadow);
    expect(shadows.length).toBe(report.candidates.length);
    for (const shadow of shadows)
      expect(shadow.payload).toMatchObject({ shadow: true, ok: false, agreesWithChampion: null });
  });

  it('without a challenger nothing runs in shadow', async () => {
    const { deps } = await harness({ challengers: false });
    await runDecisionCycle(deps, 'cy-no-shadow', universe);
    const messages = await messagesOf('cy-no-shadow');
    expect(messages.filter((message) => message.topic === topics.strategistShadow)).toEqual([]);
  });
});

describe('news in the cycle', () => {
  const headline = (id: string, symbol: string, time: number): Headline => ({
    id,
    time,
    headline: `${symbol} headline ${id}`,
    summary: '',
    source: 'benzinga',
    url: `https://news.example/${id}`,
    symbols: [symbol],
  });
  const news = universe.flatMap((series) => [
    headline(`${series.symbol}-before`, series.symbol, lastTime(series) - 3_600_000),
    headline(`${series.symbol}-at`, series.symbol, lastTime(series)),
    // Published after the bar being decided: no agent may see it.
    headline(`${series.symbol}-after`, series.symbol, lastTime(series) + 1),
  ]);

  it('the Strategist and FactChecker see headlines no later than the bar; the journal lists them', async () => {
    const route = scriptedRoute({
      answers: {
        regime: stance,
        strategist: (request: RouteRequest) => {
          const symbol = symbolOf(request);
          return trade(symbol, { newsIds: [`${symbol}-before`] });
        },
        conservative: (request: RouteRequest) => noTrade(symbolOf(request)),
        'fact-checker': sign,
        'double-checker': sign,
      },
    });
    const { deps, journalRoot } = await harness({ routes: [route], news });
    const report = await runDecisionCycle(deps, 'cy-news', universe);
    expect(report.candidates.filter((candidate) => candidate.outcome === 'executed').length).toBe(2);
    for (const call of route.calls.filter((each) => ['strategist', 'fact-checker'].includes(each.skill))) {
      const prompt = call.request.messages[0]!.content;
      const symbol = symbolOf(call.request);
      expect(prompt).toContain(`${symbol}-before`);
      expect(prompt).toContain(`${symbol}-at`);
      expect(prompt).not.toContain(`${symbol}-after`);
    }
    const rows = await db.store.query<{ path: string; symbol: string }>(
      "SELECT path, symbol FROM agent_journal WHERE cycle_id = 'cy-news' AND agent <> 'ceo'",
    );
    expect(rows.rows.length).toBe(2);
    for (const row of rows.rows) {
      const file = path.isAbsolute(row.path) ? row.path : path.join(journalRoot, row.path);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain(`https://news.example/${row.symbol}-before`);
      expect(text).toContain(new Date(lastTime(seriesOf(row.symbol)) - 3_600_000).toISOString());
      expect(text).not.toContain(`${row.symbol}-after`);
    }
  });

  it('the FactChecker vetoes, in code, a rationale citing news that was not fetched', async () => {
    const route = scriptedRoute({
      answers: {
        regime: stance,
        // Cites the headline published after its bar: never fetched, so never shown.
        strategist: (request: RouteRequest) => {
          const symbol = symbolOf(request);
          return trade(symbol, { newsIds: [`${symbol}-after`] });
        },
        conservative: (request: RouteRequest) => noTrade(symbolOf(request)),
        'fact-checker': sign,
        'double-checker': sign,
      },
    });
    const { deps } = await harness({ routes: [route], news });
    const report = await runDecisionCycle(deps, 'cy-news-veto', universe);
    expect(report.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed', 'vetoed']);
    for (const candidate of report.candidates)
      expect(candidate.reasons.join(' ')).toContain(
        `fact-checker: the rationale cites news ${candidate.symbol}-after, which is not among the headlines fetched`,
      );
    expect(route.calls.filter((call) => call.skill === 'fact-checker')).toEqual([]);
  });
});
