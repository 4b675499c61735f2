import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { scriptedRoute, symbolOf } from '../../test/support/scripted-route.ts';
import { defaultStrategistRules } from '../agents/index.ts';
import { type Broker, type OrderRequest, PaperBroker } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import { llmSectionSchema } from '../config/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import { markOrder } from '../ledger/index.ts';
import { LlmRouter, type RouteRequest } from '../llm/index.ts';
import { silentLogger } from '../logging/index.ts';
import { type BarSeries, generateSimSeries } from '../market/index.ts';
import { loadPhilosophy, SkillRegistry, shippedPhilosophyFile, shippedSkillsDir } from '../skills/index.ts';
import { createStrategy } from '../strategies/index.ts';
import type { CycleDeps } from './cycle-types.ts';
import { runDecisionCycle } from './decision-cycle.ts';
import { defaultRiskLimits } from './risk-gate.ts';

/**
 * The code Risk Gate on our numbers, through a whole cycle with a model that signs everything:
 * whatever the Strategist writes (another symbol, an entry far from the quote, a stop too close
 * or too far), the gate checks the candidate at the fresh quote, and a symbol with an entry
 * order still working or of unknown outcome is not entered again.
 */

let db: TestDatabase;
let skills: SkillRegistry;
const logger = silentLogger();
const universe: BarSeries[] = ['AAA', 'BBB', 'CCC'].map((symbol, index) =>
  generateSimSeries({ seed: 11 + index, bars: 120, symbols: [symbol] }, symbol),
);
const lastClose = (symbol: string) => {
  const series = universe.find((each) => each.symbol === symbol)!;
  return series.close[series.length - 1]!;
};

beforeAll(async () => {
  db = await createTestDatabase();
  skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger, watch: false });
});
afterAll(async () => {
  skills.close();
  await db.drop();
});

type Shape = (symbol: string, close: number) => Record<string, unknown>;

function trade(symbol: string, close: number, overrides: Record<string, unknown> = {}) {
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
    ...overrides,
  };
}

const sign = { verdict: 'sign', reasons: ['looks right'] };

async function harness(shape: Shape, broker?: (paper: PaperBroker) => Broker) {
  const now = universe[0]!.time[universe[0]!.length - 1]! + 60_000;
  const clock = { now: () => now };
  const paper = new PaperBroker({ cash: 100_000, commission: 0.001, clock });
  for (const series of universe) {
    const last = series.length - 1;
    paper.processBar(
      paper.book(series.symbol),
      series.time[last]!,
      series.open[last]!,
      series.high[last]!,
      series.low[last]!,
      series.close[last]!,
    );
  }
  const route = scriptedRoute({
    answers: {
      regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'rising averages' },
      strategist: (request: RouteRequest) => {
        const symbol = symbolOf(request);
        return shape(symbol, lastClose(symbol));
      },
      'fact-checker': sign,
      'double-checker': sign,
    },
  });
  const bus = new Bus({ store: db.store, logger });
  const journalRoot = mkdtempSync(path.join(tmpdir(), 'signet-journal-'));
  const deps: CycleDeps = {
    runtime: {
      skills,
      llm: new LlmRouter({ section: llmSectionSchema.parse({}), store: db.store, logger, routes: [route] }),
      philosophy: await loadPhilosophy(shippedPhilosophyFile()),
      logger,
    },
    publish: (input, publishOptions) => bus.publish(input, publishOptions),
    publishWithWrites: (input, writes) => bus.publishWithWrites(input, writes),
    query: (text, values) => db.store.query(text, values),
    broker: broker ? broker(paper) : paper,
    brokerName: `paper-${Math.random().toString(36).slice(2, 8)}`,
    portfolio: async () => ({
      equity: paper.equity(),
      cash: paper.cash(),
      dayStartEquity: paper.equity(),
      positions: paper
        .positions()
        .map((position) => ({ symbol: position.symbol, qty: position.qty, price: position.avgPrice })),
      symbolPnlToday: {},
    }),
    haltLevel: async () => 0,
    freshQuote: async (symbol) => ({
      t: new Date(now - 1_000).toISOString(),
      last: lastClose(symbol),
      bid: null,
      ask: null,
    }),
    journal: async (entry) => {
      await writeJournalEntry(entry, { db: db.store, root: journalRoot });
    },
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
  };
  return { deps, paper };
}

async function riskVerdicts(cycleId: string) {
  const bus = new Bus({ store: db.store, logger });
  const messages = await bus.replayAll({ cycleId });
  return messages
    .filter((message) => message.topic === 'signatures.collected')
    .map((message) => message.signatures.find((signature) => signature.signer === 'risk-gate')!);
}

describe('the Risk Gate on our numbers, with a model that signs everything', () => {
  it('a proposal written for another symbol is refused: no order for either symbol', async () => {
    const { deps, paper } = await harness((symbol, close) =>
      trade(symbol === 'AAA' ? 'ZZZ' : symbol === 'BBB' ? 'AAA' : 'BBB', close),
    );
    const report = await runDecisionCycle(deps, 'cy-wrong-symbol', universe);
    expect(report.candidates.length).toBe(2);
    expect(report.candidates.every((candidate) => candidate.outcome === 'vetoed')).toBe(true);
    for (const verdict of await riskVerdicts('cy-wrong-symbol')) {
      expect(verdict.verdict).toBe('veto');
      expect(verdict.reasons.join()).toMatch(/the proposal names \w+, the candidate is \w+/);
    }
    expect(paper.positions()).toEqual([]);
  });

  it('an entry far from the fresh quote is vetoed by code, even with both LLM signers signing', async () => {
    const { deps } = await harness((symbol, close) => {
      const entry = Number((close * 0.9).toFixed(2));
      return trade(symbol, close, {
        entryType: 'limit',
        entryPrice: entry,
        stopPrice: Number((entry * 0.95).toFixed(2)),
        targetPrice: Number((entry * 1.1).toFixed(2)),
      });
    });
    const report = await runDecisionCycle(deps, 'cy-far-entry', universe);
    expect(report.candidates.every((candidate) => candidate.outcome === 'vetoed')).toBe(true);
    for (const verdict of await riskVerdicts('cy-far-entry'))
      expect(verdict.reasons.join()).toMatch(/from the fresh quote .*; the limit is 2%/);
  });

  it('a huge or a tiny stop distance is a veto, never a tiny or a huge position', async () => {
    const huge = await harness((symbol, close) =>
      trade(symbol, close, {
        stopPrice: Number((close * 0.5).toFixed(2)),
        targetPrice: Number((close * 2).toFixed(2)),
      }),
    );
    const hugeReport = await runDecisionCycle(huge.deps, 'cy-huge-stop', universe);
    expect(hugeReport.candidates.every((candidate) => candidate.outcome === 'vetoed')).toBe(true);
    for (const verdict of await riskVerdicts('cy-huge-stop'))
      expect(verdict.reasons.join()).toMatch(/stop distance 50(\.\d+)?% is outside 0\.2%\.\.15%/);
    const tiny = await harness((symbol, close) =>
      trade(symbol, close, {
        stopPrice: Number((close - 0.01).toFixed(2)),
        targetPrice: Number((close + 0.05).toFixed(2)),
      }),
    );
    const tinyReport = await runDecisionCycle(tiny.deps, 'cy-tiny-stop', universe);
    expect(tinyReport.candidates.every((candidate) => candidate.outcome === 'vetoed')).toBe(true);
    for (const verdict of await riskVerdicts('cy-tiny-stop'))
      expect(verdict.reasons.join()).toMatch(/stop distance 0\.0\d+% is outside 0\.2%\.\.15%/);
    expect([...huge.paper.positions(), ...tiny.paper.positions()]).toEqual([]);
  });

  it('an entry order of unknown outcome or still working is exposure: the next cycle does not enter that symbol again', async () => {
    // The first cycle's broker never answers: both intents stay pending_submit (outcome unknown).
    let silent = true;
    const { deps, paper } = await harness(
      (symbol, close) => trade(symbol, close),
      (inner) =>
        new Proxy(inner, {
          get(target, key, receiver) {
            if (key === 'submit')
              return async (request: OrderRequest) => {
                if (silent) throw new Error('connection reset before the answer');
                return target.submit(request);
              };
            const value: unknown = Reflect.get(target, key, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
    );
    const first = await runDecisionCycle(deps, 'cy-unknown-1', universe);
    expect(first.candidates.map((candidate) => candidate.outcome)).toEqual(['error', 'error']);
    const pending = await db.store.query<{ symbol: string; status: string }>(
      "SELECT symbol, status FROM orders WHERE broker = $1 AND leg = 'entry' ORDER BY symbol",
      [deps.brokerName],
    );
    expect(pending.rows.map((row) => row.status)).toEqual(['pending_submit', 'pending_submit']);
    silent = false;
    const second = await runDecisionCycle(deps, 'cy-unknown-2', universe);
    expect(second.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed', 'vetoed']);
    for (const verdict of await riskVerdicts('cy-unknown-2'))
      expect(verdict.reasons.join()).toMatch(
        /is working or of unknown outcome: one position or pending entry per symbol/,
      );
    expect(paper.positions()).toEqual([]);
    // Once the first intents are known never to have reached the broker, the symbols are free again.
    const intents = await db.store.query<{ client_order_id: string }>(
      'SELECT client_order_id FROM orders WHERE broker = $1',
      [deps.brokerName],
    );
    for (const row of intents.rows)
      await markOrder(db.store, row.client_order_id, 'not_sent', 'never reached the broker');
    const third = await runDecisionCycle(deps, 'cy-unknown-3', universe);
    expect(third.candidates.map((candidate) => candidate.outcome)).toEqual(['executed', 'executed']);
    // A working (open) limit entry blocks the next cycle the same way.
    const limit = await harness((symbol, close) =>
      trade(symbol, close, {
        entryType: 'limit',
        entryPrice: Number((close * 0.99).toFixed(2)),
        stopPrice: Number((close * 0.94).toFixed(2)),
        targetPrice: Number((close * 1.1).toFixed(2)),
      }),
    );
    const working = await runDecisionCycle(limit.deps, 'cy-working-1', universe);
    expect(working.candidates.map((candidate) => candidate.outcome)).toEqual(['executed', 'executed']);
    const again = await runDecisionCycle(limit.deps, 'cy-working-2', universe);
    expect(again.candidates.map((candidate) => candidate.outcome)).toEqual(['vetoed', 'vetoed']);
    expect(limit.paper.positions()).toEqual([]);
  });
});
