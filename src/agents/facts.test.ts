import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { scriptedRoute } from '../../test/support/scripted-route.ts';
import { llmSectionSchema } from '../config/index.ts';
import { LlmRouter, type Route } from '../llm/index.ts';
import { silentLogger } from '../logging/index.ts';
import { parseCsvBars, sliceSeries } from '../market/index.ts';
import { loadPhilosophy, SkillRegistry, shippedPhilosophyFile, shippedSkillsDir } from '../skills/index.ts';
import { createStrategy } from '../strategies/index.ts';
import { checkFacts, type Fact, resolveFact } from './facts.ts';
import { indicatorsAt, quoteAt } from './market-context.ts';
import { type TradeProposal, toTradeProposal } from './outputs.ts';
import type { AgentRuntime } from './run-agent.ts';
import { type FactCheckRequest, fallbackFactCheck, runFactChecker } from './signers.ts';
import { defaultStrategistRules, fallbackProposal, runStrategist } from './strategist.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const orcl = parseCsvBars(readFileSync(orclFile), { source: orclFile, symbol: 'ORCL' }).series;
// ORCL up to 2013-12-24 (close 37.32), from 2010 on: what the 2013-12-24 cycle saw.
const series = sliceSeries(orcl, Date.UTC(2010, 0, 1), Date.UTC(2013, 11, 24));
const index = series.length - 1;
const close = series.close[index]!;
const logger = silentLogger();

function proposal(facts: Fact[]): TradeProposal {
  return {
    symbol: 'ORCL',
    side: 'buy',
    entryType: 'market',
    entryPrice: 37.32,
    stopPrice: 35.79,
    targetPrice: 39.615,
    horizonBars: 20,
    rationale: 'SMA(10) crossed above SMA(30); close 37.32; stop 2×ATR14.',
    confidence: 0.5,
    facts,
  };
}

function request(facts: Fact[]): FactCheckRequest {
  return {
    series,
    index,
    cycleId: 'facts-test',
    proposal: proposal(facts),
    freshQuote: quoteAt(series, index),
    now: series.time[index]! + 21 * 3_600_000,
    maxDataAgeSeconds: 172_800,
    factTolerancePct: 0.1,
  };
}

describe('facts by name, on real ORCL bars', () => {
  it('names resolve to the data they name: the last bar, an earlier bar, indicators of any window', () => {
    expect(close).toBe(37.32);
    expect(resolveFact(series, index, 'close')).toMatchObject({ ok: true, value: 37.32 });
    expect(resolveFact(series, index, 'close@2013-12-23')).toMatchObject({
      ok: true,
      value: series.close[index - 1],
    });
    expect(resolveFact(series, index, 'atr14')).toMatchObject({ ok: true });
    const sma30 = resolveFact(series, index, 'sma30');
    expect(sma30.ok && Math.abs(sma30.value - 34.994333) < 1e-6).toBe(true);
    expect(resolveFact(series, index, 'close@1999-01-04')).toMatchObject({ ok: false });
    expect(resolveFact(series, index, 'sma1')).toMatchObject({ ok: false });
    expect(resolveFact(series, index, 'fear')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/names nothing/),
    });
  });

  it('the fallback Strategist cites its figures as facts, which its FactChecker finds in the data', () => {
    const answer = fallbackProposal({
      series,
      index,
      timeframe: '1d',
      cycleId: 'facts-test',
      stance: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'up', decidedBy: 'code' },
      position: null,
      rules: defaultStrategistRules,
      fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
    });
    expect(answer.decision).toBe('trade');
    expect(answer.facts.map((fact) => fact.name)).toEqual(['sma10', 'sma30', 'close', 'atr14']);
    const traded = toTradeProposal(answer)!;
    const signed = fallbackFactCheck({ ...request(traded.facts), proposal: traded });
    expect(signed.verdict).toBe('sign');
    expect(signed.reasons[0]).toMatch(
      /facts match the data: sma10 35\.038, sma30 34\.994333, close 37\.32, atr14 /,
    );
    // The rationale still says SMA(30) and ATR14: no code reads those numbers any more.
    expect(traded.rationale).toMatch(/SMA\(30\)/);
  });

  it('a close 5 % off the bar is vetoed, naming the fact and both numbers; matching facts are signed', () => {
    const off = fallbackFactCheck(request([{ name: 'close', value: 39.186 }]));
    expect(off.verdict).toBe('veto');
    expect(off.reasons).toEqual([
      "fact close = 39.186, but the last bar's close is 37.32: off by 1.866, more than the 0.03732 allowed (0.1% or the last shown digit)",
    ]);
    const matching = fallbackFactCheck(
      request([
        { name: 'close', value: 37.32 },
        { name: 'sma50', value: indicatorsAt(series, index).sma50! },
      ]),
    );
    expect(matching.verdict).toBe('sign');
    // Rounding in the last shown digit is not a different figure; one digit more off is.
    expect(checkFacts([{ name: 'close', value: 37.3 }], series, index, 0).problems).toEqual([]);
    expect(checkFacts([{ name: 'close', value: 37.2 }], series, index, 0).problems).toHaveLength(1);
  });
});

describe('the code check runs before the LLM FactChecker; old answers without facts still replay', () => {
  let db: TestDatabase;
  let philosophy: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    philosophy = await loadPhilosophy(shippedPhilosophyFile());
  });
  afterAll(async () => {
    await db.drop();
  });

  const runtimeWith = async (
    routes: Route[],
    mode: 'live' | 'record' | 'replay' = 'live',
    dir = shippedSkillsDir(),
  ): Promise<AgentRuntime> => ({
    skills: await SkillRegistry.load({ dir, logger }),
    llm: new LlmRouter({ section: llmSectionSchema.parse({ mode }), store: db.store, logger, routes }),
    philosophy,
    logger,
  });

  it('a fact 5 % off is vetoed by code without asking the model; matching facts go to the model, which signs', async () => {
    const route = scriptedRoute({
      answers: { 'fact-checker': { verdict: 'sign', reasons: ['figures match'] } },
    });
    const runtime = await runtimeWith([route]);
    const vetoed = await runFactChecker(runtime, request([{ name: 'close', value: 39.186 }]));
    expect(vetoed).toMatchObject({ ok: true, decidedBy: 'code', value: { verdict: 'veto' } });
    expect(vetoed.ok && vetoed.value.reasons[0]).toMatch(
      /^fact close = 39\.186, but the last bar's close is 37\.32/,
    );
    expect(route.calls).toHaveLength(0);
    const signed = await runFactChecker(runtime, request([{ name: 'close', value: 37.32 }]));
    expect(signed).toMatchObject({ ok: true, decidedBy: 'llm', value: { verdict: 'sign' } });
    expect(route.calls).toHaveLength(1);
    expect(route.calls[0]!.request.messages[0]!.content).toContain('"name": "close"');
  });

  it('a run recorded with strategist 1.0.0 (no facts) replays with that skill and reads as citing none', async () => {
    // Strategist 1.0.0 as shipped before facts: the same file without them.
    const shipped = readFileSync(path.join(shippedSkillsDir(), 'strategist', 'SKILL.md'), 'utf8');
    const old = shipped
      .replace('version: 1.2.0', 'version: 1.0.0')
      .replace(', confidence, facts]', ', confidence]')
      .replace(/\n {4}facts:\n(?: {6}.*\n)+/, '\n');
    expect(old).not.toMatch(/^ {4}facts:/m);
    const dir = mkdtempSync(path.join(tmpdir(), 'signet-old-skills-'));
    mkdirSync(path.join(dir, 'strategist'));
    writeFileSync(path.join(dir, 'strategist', 'SKILL.md'), old);
    const oldAnswer = {
      decision: 'trade',
      symbol: 'ORCL',
      side: 'buy',
      entryType: 'market',
      entryPrice: 37.32,
      stopPrice: 35.79,
      targetPrice: 39.615,
      horizonBars: 20,
      rationale: 'Close 37.32 above sma50.',
      confidence: 0.5,
    };
    const strategistRequest = {
      series,
      index,
      timeframe: '1d',
      cycleId: 'replay-old',
      stance: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'up', decidedBy: 'llm' },
      position: null,
      rules: defaultStrategistRules,
      fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
    } as const;
    const recorder = scriptedRoute({ answers: { strategist: oldAnswer } });
    const recorded = await runStrategist(await runtimeWith([recorder], 'record', dir), strategistRequest);
    expect(recorded).toMatchObject({ ok: true, decidedBy: 'llm', skill: { version: '1.0.0' } });

    const silent = scriptedRoute({ answers: {} });
    const replayed = await runStrategist(await runtimeWith([silent], 'replay', dir), strategistRequest);
    expect(silent.calls).toHaveLength(0);
    expect(replayed).toMatchObject({
      ok: true,
      decidedBy: 'llm',
      value: { ...oldAnswer, facts: [], newsIds: [] },
    });
    const traded = replayed.ok ? toTradeProposal(replayed.value) : null;
    expect(traded?.facts).toEqual([]);
    // No facts, nothing for code to veto: the recorded run goes on to its signers as it did.
    expect(checkFacts(traded!.facts, series, index, 0.1).problems).toEqual([]);
  });
});
