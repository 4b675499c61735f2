import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noTradeAnswer } from '../src/agents/index.ts';
import { type BacktestJob, loadBacktestBars } from '../src/backtest/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, llmSectionSchema, loadConfig } from '../src/config/index.ts';
import {
  type AgentsPurpose,
  bootstrapInterval,
  compareDecisions,
  dataPerturbation,
  decisionsOf,
  type EvaluationAgents,
  type EvaluationResult,
  evaluate,
  identityPerturbation,
  usesLlm,
  writeEvaluationReport,
} from '../src/evaluation/index.ts';
import { ContaminatedWindowError, LlmRouter, type Route, type RouteRequest } from '../src/llm/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import type { BarSeries } from '../src/market/index.ts';
import { loadAgents, runPipelineBacktest } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot } from './support/processes.ts';
import { buyAboveSma20, buyAtMarket, scriptedRoute, symbolOf } from './support/scripted-route.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * Issue 22: `signet evaluate` on the repository's real bars (ORCL, a short 2014 window), with a
 * recorded LLM run made by a scripted route and replayed, the deterministic fallbacks and
 * buy-and-hold; the regime split and the perturbation check are there, and the fallback arm is
 * exactly a plain full-pipeline backtest of the same bars.
 */
const logger = silentLogger();
const orcl = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const window = { from: Date.UTC(2014, 4, 1), to: Date.UTC(2014, 7, 29) };
const warmupBars = 20;

let db: TestDatabase;
let config: Config;
let series: BarSeries[];
let history: BarSeries;
let bus: Bus;
const route = scriptedRoute({
  answers: {
    regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'Higher highs.' },
    strategist: buyAboveSma20,
    'fact-checker': { verdict: 'sign', reasons: ['The figures match the bars.'] },
    'double-checker': { verdict: 'sign', reasons: ['An independent view agrees.'] },
  },
});

/**
 * The LLM arm's route in replay mode: never asked (an empty script throws), only there because a
 * router without routes counts as unconfigured and the agents would use their fallbacks.
 */
const replayOnly = scriptedRoute({ answers: {} });

/** The shipped skills with a router in this mode over these routes. */
async function agentsWith(mode: Config['llm']['mode'], routes: Route[]): Promise<EvaluationAgents> {
  const skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
  const llm = new LlmRouter({ section: llmSectionSchema.parse({ mode }), store: db.store, logger, routes });
  return {
    agents: { skills, llm, philosophy: await loadPhilosophy(shippedPhilosophyFile()), logger },
    async close() {
      await llm.settle();
      skills.close();
    },
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-evaluate-'));
  const base = loadConfig({
    env: {},
    file: '/dev/null',
    overrides: { dataDir: path.join(contextDir, 'state') },
  });
  // Replay of the recorded answers: the models in use are the recorded ones.
  config = {
    ...base,
    llm: { ...base.llm, mode: 'replay' },
    paths: { ...base.paths, contextDir },
  };
  const job: BacktestJob = { feed: 'csv', files: [orcl], symbols: ['ORCL'] };
  series = (await loadBacktestBars({ ...job, ...window })).series;
  history = (await loadBacktestBars(job)).series[0]!;
  bus = new Bus({ store: db.store, logger });
  // The recorded LLM run: the scripted route answers live, every answer stored in llm_calls.
  const recording = await agentsWith('record', [route]);
  await runPipelineBacktest({
    config,
    store: db.store,
    bus,
    logger,
    agents: recording.agents,
    series,
    runId: 'recorded',
    warmupBars,
    journalRoot: path.join(contextDir, 'recorded'),
    deciders: 'scripted (record)',
  });
  await recording.close();
}, 120_000);
afterAll(async () => {
  await bus?.stop();
  await db?.drop();
});

const agentsFor = async (purpose: AgentsPurpose): Promise<EvaluationAgents> => {
  // The fallback arm and its perturbed runs (the control) ask no route.
  if (!usesLlm(purpose)) {
    const loaded = await loadAgents(config, { store: db.store, bus, logger, watch: false, llm: false });
    return { agents: loaded.agents, close: () => loaded.close() };
  }
  // The LLM arm replays the recording (its route is never asked); the perturbed inputs were
  // never recorded, so those runs ask the scripted route on a miss (cache mode).
  return purpose === 'llm' ? agentsWith('replay', [replayOnly]) : agentsWith('cache', [route]);
};

describe('signet evaluate on real bars with a recorded LLM run', () => {
  let result: EvaluationResult;
  const options = () => ({
    config,
    store: db.store,
    bus,
    logger,
    series,
    benchmark: history,
    warmupBars,
    agentsFor,
    seed: 7,
    resamples: 500,
  });

  it('refuses the replay of answers from a model without a known cutoff, before any run', async () => {
    const asked = route.calls.length;
    const error = await evaluate({ ...options(), runId: 'refused', allowContaminated: false }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ContaminatedWindowError);
    expect((error as Error).message).toContain('scripted/scripted-model (training cutoff unknown)');
    expect(route.calls.length).toBe(asked);
    const runs = await db.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_messages WHERE cycle_id LIKE 'refused%'`,
    );
    expect(runs.rows[0]!.n).toBe(0);
  });

  it('produces the three arms, the regime split and the perturbation check', async () => {
    const asked = route.calls.length;
    result = await evaluate({ ...options(), runId: 'eval', allowContaminated: true });
    expect(result.contamination).toMatchObject({
      contaminated: true,
      models: [{ route: 'scripted', model: 'scripted-model', trainingCutoff: null }],
      windowStart: '2014-05-01',
      windowEnd: '2014-08-29',
    });
    // The LLM arm was replayed, decided by the recorded model, and traded.
    expect(result.deciders.llm?.routes['scripted/scripted-model'] ?? 0).toBeGreaterThan(0);
    expect(result.deciders.llm?.failure ?? 1).toBe(0);
    expect(replayOnly.calls).toHaveLength(0);
    expect(
      result.arms.llm.trades + (result.arms.llm.finalValue !== config.paper.cash ? 1 : 0),
    ).toBeGreaterThan(0);
    expect(result.deciders.fallback?.routes).toEqual({});
    expect(result.arms.buyAndHold.trades).toBe(0);
    expect(result.arms.buyAndHold.totalReturnPct).not.toBe(0);
    for (const arm of [result.arms.llm, result.arms.fallback, result.arms.buyAndHold])
      for (const key of ['totalReturnPct', 'maxDrawdownPct', 'trades', 'llmCostUsd', 'commission'] as const)
        expect(typeof arm[key]).toBe('number');
    expect(result.llmMinusFallback.annualisedReturnDiffPct).not.toBeNull();
    expect(result.llmMinusFallback.sharpeOfDifference).not.toBeNull();
    // Every decision bar has a regime; every arm is split.
    const bars = result.regimes.bars;
    expect(bars.bull + bars.bear + bars.sideways + bars.unknown).toBe(result.window.decisionBars);
    expect(bars.unknown).toBe(0);
    expect(Object.keys(result.regimes.arms).sort()).toEqual(['buy-and-hold', 'fallback', 'llm']);
    // Both checks ran, for the model and for the fallbacks (the control).
    expect('skipped' in result.perturbation).toBe(false);
    if ('skipped' in result.perturbation) return;
    const { identity, data } = result.perturbation;
    expect(identity.symbols).toEqual({ ORCL: 'ANON1' });
    expect(identity.shiftDays).toBe(1_043 * 7);
    for (const check of [identity.llm, data.llm, identity.control!, data.control!]) {
      expect(check.compared).toBeGreaterThan(0);
      expect(check.changed + check.unchanged).toBe(check.compared);
      expect(check.flagged).toHaveLength(check.flaggedCount);
    }
    expect(identity.llm.missing).toBe(0);
    // The scripted model reads only the bars (buy above SMA20): on the same bars under another
    // name and dates it decides the same, nothing flagged; on mirrored bars it changes its mind.
    expect(identity.llm).toMatchObject({ decider: 'llm', changed: 0, flaggedCount: 0 });
    expect(data.llm.changed).toBeGreaterThan(0);
    // The fallbacks pass both: identity changes 0, the data perturbation changes some.
    expect(identity.control).toMatchObject({ decider: 'fallback', changed: 0, flaggedCount: 0 });
    expect(data.control!.changed).toBeGreaterThan(0);
    expect(data).toMatchObject({ method: 'log-mirror', seed: 7 });
    expect(data.anchors.ORCL!.firstClose).toBe(series[0]!.close[0]);
    // The identity run asked about ANON1, the data run about ORCL on other prices.
    const perturbedCalls = route.calls.slice(asked);
    const prompts = perturbedCalls.map((call) => call.request.messages[0]!.content);
    expect(prompts.some((prompt) => prompt.startsWith('Symbol: ANON1'))).toBe(true);
    expect(prompts.some((prompt) => prompt.startsWith('Symbol: ORCL'))).toBe(true);
    expect(
      prompts.filter((prompt) => prompt.includes('ANON1')).every((prompt) => !prompt.includes('ORCL')),
    ).toBe(true);
  }, 180_000);

  it('the fallback arm equals a plain full-pipeline backtest of the same bars', async () => {
    const plainAgents = await loadAgents(config, { store: db.store, bus, logger, watch: false, llm: false });
    const plain = await runPipelineBacktest({
      config,
      store: db.store,
      bus,
      logger,
      agents: plainAgents.agents,
      series,
      runId: 'plain',
      warmupBars,
      journalRoot: path.join(config.paths.contextDir, 'plain'),
      deciders: 'fallback',
    });
    await plainAgents.close();
    const report = plain.run.report;
    expect(result.arms.fallback).toEqual({
      arm: 'fallback',
      finalValue: report.finalValue,
      totalReturnPct: report.metrics.totalReturnPct,
      sharpe: report.metrics.sharpe,
      sortino: report.metrics.sortino,
      maxDrawdownPct: report.metrics.maxDrawdownPct,
      trades: report.closedTrades,
      hitRatePct: report.metrics.winRatePct,
      llmCostUsd: 0,
      commission: report.totalCommission,
    });
    expect(report.closedTrades + report.openPositions.length).toBeGreaterThan(0);
    const fallbackCurve = result.curves.find((curve) => curve.arm === 'fallback')!;
    expect([...fallbackCurve.values]).toEqual([...plain.run.values]);
  }, 120_000);

  it('writes Markdown, JSON and an HTML page with the plots and the contamination banner', async () => {
    const folder = path.join(config.paths.contextDir, 'reports', 'evaluations', 'eval');
    await writeEvaluationReport(folder, result);
    for (const name of ['evaluation.md', 'evaluation.json', 'report.html', 'equity.png'])
      expect(existsSync(path.join(folder, name))).toBe(true);
    const json = JSON.parse(readFileSync(path.join(folder, 'evaluation.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['arms', 'llmMinusFallback', 'regimes', 'perturbation', 'contamination']),
    );
    expect(json.curves).toBeUndefined();
    // One equity series per arm for the console's chart, in the backtest's equity.json format.
    for (const curve of result.curves) {
      const equity = JSON.parse(readFileSync(path.join(folder, `equity-${curve.arm}.json`), 'utf8')) as {
        times: number[];
        values: number[];
      };
      expect(equity.times).toEqual([...result.times]);
      expect(equity.values).toEqual([...curve.values]);
    }
    expect(result.curves.map((curve) => curve.arm)).toEqual(['llm', 'fallback', 'buy-and-hold']);
    const html = readFileSync(path.join(folder, 'report.html'), 'utf8');
    expect(html).toContain('class="contaminated"');
    expect(html).toContain('<h2>Equity</h2>');
    expect(html).toContain('<h2>Drawdown (%)</h2>');
    expect(html).toContain('Return by regime');
    const markdown = readFileSync(path.join(folder, 'evaluation.md'), 'utf8');
    expect(markdown).toContain('## Input perturbation');
    expect(markdown).toContain('### (a) Identity perturbation');
    expect(markdown).toContain('### (b) Data perturbation');
    expect(markdown).toContain('| fallbacks (control) |');
    expect(html).toContain('<h3>(a) Identity perturbation');
    expect(html).toContain('<h3>(b) Data perturbation');
    expect(json.perturbation).toMatchObject({
      identity: { llm: { decider: 'llm' }, control: { decider: 'fallback' } },
      data: { llm: { rule: 'unchanged trades' }, control: { decider: 'fallback' } },
    });
  });
});

describe('a model that decides from the ticker, not the bars', () => {
  it('is flagged by both checks', async () => {
    // Buys ORCL on every bar whatever the bars say; anything else it does not know.
    const memorising = scriptedRoute({
      answers: {
        regime: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'Remembered.' },
        strategist: (request: RouteRequest) => {
          const prompt = request.messages[0]!.content;
          const symbol = symbolOf(request);
          const last = Number(/"last": ([\d.]+)/.exec(prompt)?.[1]);
          return symbol === 'ORCL'
            ? buyAtMarket(symbol, last, { stop: 0.96, target: 1.08, rationale: 'ORCL rallied that summer' })
            : noTradeAnswer(symbol, 'an unknown company', 0.2);
        },
        'fact-checker': { verdict: 'sign', reasons: ['ok'] },
        'double-checker': { verdict: 'sign', reasons: ['ok'] },
      },
    });
    const result = await evaluate({
      config,
      store: db.store,
      bus,
      logger,
      series,
      benchmark: history,
      warmupBars,
      runId: 'memorising',
      allowContaminated: true,
      perturbationControl: false,
      resamples: 100,
      agentsFor: async (purpose) => {
        if (!usesLlm(purpose)) {
          const loaded = await loadAgents(config, { store: db.store, bus, logger, watch: false, llm: false });
          return { agents: loaded.agents, close: () => loaded.close() };
        }
        // Record mode: asked live (the cache holds the trend follower's answers to the same prompts).
        return agentsWith('record', [memorising]);
      },
    });
    if ('skipped' in result.perturbation) throw new Error(result.perturbation.skipped);
    const { identity, data } = result.perturbation;
    expect(identity.control).toBeNull();
    // Under ANON1 it stops buying: changed, flagged.
    expect(identity.llm.compared).toBeGreaterThan(0);
    expect(identity.llm.flaggedCount).toBe(identity.llm.compared);
    expect(identity.llm.flagged[0]).toMatchObject({
      symbol: 'ORCL',
      original: 'trade buy',
      perturbed: 'no_trade',
    });
    // On mirrored bars it keeps buying: unchanged trades, flagged.
    expect(data.llm.compared).toBeGreaterThan(0);
    expect(data.llm).toMatchObject({ changed: 0, flaggedPct: 100 });
    expect(data.llm.flagged[0]).toMatchObject({
      symbol: 'ORCL',
      original: 'trade buy',
      perturbed: 'trade buy',
    });
  }, 180_000);
});

describe('the deterministic fallbacks pass both perturbation checks (ORCL 2012–2014)', () => {
  it('decide the same on the same bars under ANON1 and other dates, and otherwise on mirrored bars', async () => {
    const bars = (
      await loadBacktestBars({ feed: 'csv', files: [orcl], symbols: ['ORCL'], from: Date.UTC(2012, 0, 1) })
    ).series;
    const run = async (runId: string, input: BarSeries[]) => {
      const loaded = await loadAgents(config, { store: db.store, bus, logger, watch: false, llm: false });
      try {
        await runPipelineBacktest({
          config,
          store: db.store,
          bus,
          logger,
          agents: loaded.agents,
          series: input,
          runId,
          warmupBars: 60,
          journalRoot: path.join(config.paths.contextDir, runId),
          deciders: 'fallback',
        });
      } finally {
        await loaded.close();
      }
    };
    const identity = identityPerturbation(bars);
    const data = dataPerturbation(bars, 1);
    await run('control', bars);
    await run('control-identity', identity.series);
    await run('control-data', data.series);
    const original = await decisionsOf(db.store, 'control');
    expect(original.filter((each) => each.decision.startsWith('trade')).length).toBeGreaterThan(0);
    const sameBars = compareDecisions(
      'identity',
      'fallback',
      original,
      await decisionsOf(db.store, 'control-identity', identity),
    );
    expect(sameBars.compared).toBe(original.length);
    expect(sameBars).toMatchObject({ changed: 0, flaggedCount: 0, missing: 0 });
    const mirrored = compareDecisions(
      'data',
      'fallback',
      original,
      await decisionsOf(db.store, 'control-data'),
    );
    expect(mirrored.compared).toBeGreaterThan(0);
    expect(mirrored.changed).toBeGreaterThan(0);
  }, 180_000);
});

describe('the bootstrap', () => {
  it('is deterministic for a seed and brackets its estimate', () => {
    const differences = Float64Array.from({ length: 120 }, (_, at) => Math.sin(at) / 100 + 0.001);
    const mean = (sample: Float64Array) => sample.reduce((sum, each) => sum + each, 0) / sample.length;
    const once = bootstrapInterval(differences, mean, { seed: 3, resamples: 400 });
    const again = bootstrapInterval(differences, mean, { seed: 3, resamples: 400 });
    const other = bootstrapInterval(differences, mean, { seed: 4, resamples: 400 });
    expect(again).toEqual(once);
    expect(other).not.toEqual(once);
    expect(once!.low).toBeLessThanOrEqual(once!.estimate);
    expect(once!.high).toBeGreaterThanOrEqual(once!.estimate);
  });
});
