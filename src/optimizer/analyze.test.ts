import { describe, expect, it } from 'vitest';
import { llmUse, reasonGroup, regimeVersusMacro } from './analyze.ts';
import type { LedgerRow, OptimizerInputs, StoredMessage } from './collect.ts';
import { deriveFindings } from './findings.ts';
import { buildRecords } from './records.ts';

let nextId = 1;
const message = (topic: string, payload: unknown, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id: nextId++,
  ts: new Date('2026-11-20T15:00:00Z'),
  fromAgent: topic.split('.')[0]!,
  topic,
  cycleId: 'c1',
  payload,
  signatures: [],
  ...extra,
});
const ledger = (overrides: Partial<LedgerRow>): LedgerRow => ({
  ts: new Date('2026-11-20T15:00:00Z'),
  route: 'anthropic',
  model: 'm',
  agent: 'strategist',
  skill: 'strategist',
  cycleId: 'c1',
  requestHash: 'h1',
  attempt: 1,
  inputTokens: 10,
  outputTokens: 5,
  costMicroUsd: 1_000,
  costIsNotional: false,
  outcome: 'ok',
  ...overrides,
});
const empty: OptimizerInputs = {
  window: [],
  related: [],
  intents: [],
  llmEvents: [],
  ledger: [],
  exits: [],
  cycles: [],
};

describe('optimizer analysis', () => {
  it('counts spend, repairs, failovers, breaker openings and fallback decisions by agent and route', () => {
    const inputs: OptimizerInputs = {
      ...empty,
      window: [
        message('regime.stance', {
          symbol: 'AAA',
          ok: true,
          decidedBy: 'fallback',
          skill: { name: 'regime', version: '1.0.0' },
          answer: { regime: 'ranging', bias: 'neutral', riskMultiplier: 0.5, rationale: 'x' },
        }),
      ],
      ledger: [
        ledger({ attempt: 1, outcome: 'invalid_output', costMicroUsd: 2_000 }),
        ledger({ attempt: 2, costMicroUsd: 3_000 }),
        ledger({ route: 'claude-cli', requestHash: 'h2', costIsNotional: true, costMicroUsd: 500 }),
      ],
      llmEvents: [
        message('llm.failover', { agent: 'strategist', answeredBy: 'claude-cli' }),
        message('llm.breaker', { route: 'anthropic', from: 'closed', to: 'open' }),
        message('llm.breaker', { route: 'anthropic', from: 'open', to: 'half_open' }),
      ],
    };
    const use = llmUse(inputs, buildRecords(inputs));
    expect(use.totals).toMatchObject({
      calls: 3,
      ok: 2,
      failed: 1,
      repairs: 1,
      costUsd: 0.005,
      notionalUsd: 0.0005,
    });
    expect(use.rows.find((row) => row.route === 'anthropic')).toMatchObject({
      calls: 2,
      repairs: 1,
      costUsd: 0.005,
    });
    expect(use.failovers).toEqual([{ agent: 'strategist', answeredBy: 'claude-cli', count: 1 }]);
    expect(use.breakerOpenings).toEqual([{ route: 'anthropic', count: 1 }]);
    expect(use.fallbackDecisions).toEqual({ regime: 1 });
    expect(use.topPrompts[0]).toMatchObject({ requestHash: 'h1', calls: 2, costUsd: 0.005 });
  });

  it('counts decisions by who actually decided: route/model, fallback, failure; and names refused requests', () => {
    const inputs: OptimizerInputs = {
      ...empty,
      window: [
        message('regime.stance', {
          symbol: 'AAA',
          ok: true,
          decidedBy: 'llm',
          route: 'anthropic',
          model: 'claude-sonnet-5-5',
          skill: { name: 'regime', version: '1.0.0' },
          answer: { regime: 'ranging', bias: 'neutral', riskMultiplier: 0.5, rationale: 'x' },
        }),
        message('strategist.proposal', {
          symbol: 'AAA',
          ok: true,
          decidedBy: 'fallback',
          route: null,
          model: null,
          skill: { name: 'strategist', version: '1.0.0' },
          answer: { decision: 'no_trade', rationale: 'x' },
        }),
        message('strategist.proposal', { symbol: 'BBB', ok: false, code: 'llm_invalid_output', reason: 'x' }),
        message(
          'signatures.collected',
          {
            symbol: 'AAA',
            qty: 10,
            signers: {
              'risk-gate': { route: null, model: null },
              'fact-checker': { route: 'codex', model: 'gpt-6.1-sol' },
              'double-checker': { route: null, model: null },
            },
          },
          {
            signatures: (['risk-gate', 'fact-checker', 'double-checker'] as const).map((signer, index) => ({
              signer,
              verdict: 'sign' as const,
              reasons: ['ok'],
              decidedBy: (['code', 'llm', 'fallback'] as const)[index]!,
              at: '2026-11-20T15:00:00Z',
            })),
          },
        ),
      ],
      llmEvents: [
        message('llm.request_rejected', {
          route: 'anthropic',
          skill: 'strategist',
          providerMessage: "invalid_request_error: For 'number' type, property 'minimum' is not supported",
        }),
      ],
    };
    const use = llmUse(inputs, buildRecords(inputs));
    // The Risk Gate is code by design, not an agent decision: five agent decisions.
    expect(use.deciders).toEqual({
      routes: { 'anthropic/claude-sonnet-5-5': 1, 'codex/gpt-6.1-sol': 1 },
      fallback: 2,
      failure: 1,
      total: 5,
    });
    expect(use.requestRejections).toEqual([
      {
        route: 'anthropic',
        skill: 'strategist',
        message: "invalid_request_error: For 'number' type, property 'minimum' is not supported",
        count: 1,
      },
    ]);
  });

  it('compares the Regime agent with the Macro Officer when macro views exist, and says so when none do', () => {
    const stance = message('regime.stance', {
      symbol: 'AAA',
      ok: true,
      decidedBy: 'llm',
      skill: { name: 'regime', version: '1.0.0' },
      answer: { regime: 'trending_up', bias: 'long', riskMultiplier: 1, rationale: 'x' },
    });
    const none = regimeVersusMacro(buildRecords({ ...empty, window: [stance] }));
    expect(none).toMatchObject({ macroWired: false, compared: 0, disagreements: 0 });
    const macro = message('macro.view', { bias: 'short' }, { fromAgent: 'macro-officer' });
    const compared = regimeVersusMacro(buildRecords({ ...empty, window: [stance, macro] }));
    expect(compared).toMatchObject({ macroWired: true, compared: 1, disagreements: 1 });
  });

  it('flags a symbol the Macro Officer disagreed with three times in the week, not a mere difference of words', () => {
    const side = (cycleId: string, symbol: string, regime: string, bias: string) => [
      message(
        'regime.stance',
        {
          symbol,
          ok: true,
          decidedBy: 'fallback',
          skill: { name: 'regime', version: '1.0.0' },
          answer: { regime, bias, riskMultiplier: 1, rationale: 'x' },
        },
        { cycleId },
      ),
    ];
    const macro = (cycleId: string, regime: string, bias: string) =>
      message(
        'macro.view',
        { symbol: null, ok: true, day: 'd', fresh: true, answer: { regime, bias, stance: 'risk_off' } },
        { cycleId, fromAgent: 'macro-officer' },
      );
    const week = [
      ...['w1', 'w2', 'w3'].flatMap((cycle) => [
        ...side(cycle, 'AAA', 'trending_up', 'long'),
        macro(cycle, 'trending_down', 'short'),
      ]),
      // A neutral market view against a trend is no disagreement.
      ...side('w4', 'BBB', 'trending_up', 'long'),
      macro('w4', 'ranging', 'neutral'),
    ];
    const today = week.filter((each) => each.cycleId === 'w3' || each.cycleId === 'w4');
    const result = regimeVersusMacro(
      buildRecords({ ...empty, window: today }),
      buildRecords({ ...empty, window: week }),
    );
    expect(result.rows).toEqual([
      expect.objectContaining({
        symbol: 'AAA',
        compared: 1,
        disagreements: 1,
        weekDisagreements: 3,
        flagged: true,
      }),
      expect.objectContaining({
        symbol: 'BBB',
        compared: 1,
        disagreements: 0,
        weekDisagreements: 0,
        flagged: false,
      }),
    ]);
    const twoOnly = regimeVersusMacro(
      buildRecords({ ...empty, window: today }),
      buildRecords({ ...empty, window: week.filter((each) => each.cycleId !== 'w1') }),
    );
    expect(twoOnly.rows?.[0]).toMatchObject({ symbol: 'AAA', weekDisagreements: 2, flagged: false });
  });

  it('groups veto reasons with their figures replaced', () => {
    expect(reasonGroup('entry 101.2 is 3.5% from the fresh last 98')).toBe(
      'entry # is #% from the fresh last #',
    );
  });

  it('flags a strategy vetoed on 80 % or more of at least five proposals as possibly too aggressive', () => {
    const signatures = (verdict: 'sign' | 'veto') => [
      {
        signer: 'risk-gate',
        verdict,
        reasons: ['stop too wide'],
        decidedBy: 'code' as const,
        at: '2026-11-20T15:00:00Z',
      },
    ];
    const window: StoredMessage[] = [];
    for (let index = 0; index < 5; index += 1) {
      const cycleId = `c${index}`;
      window.push(
        message(
          'strategist.proposal',
          {
            symbol: 'AAA',
            ok: true,
            decidedBy: 'fallback',
            skill: { name: 'strategist', version: '1.0.0' },
            answer: {
              decision: 'trade',
              side: 'buy',
              entryType: 'market',
              entryPrice: 100,
              stopPrice: 95,
              targetPrice: 110,
              horizonBars: 5,
              rationale: 'x',
              confidence: 0.5,
            },
          },
          { cycleId },
        ),
        message(
          'signatures.collected',
          { symbol: 'AAA', qty: 10 },
          { cycleId, signatures: signatures(index === 0 ? 'sign' : 'veto') },
        ),
      );
    }
    const records = buildRecords({ ...empty, window });
    expect(records.decisions[0]!.strategy).toBe('strategist@1.0.0 (fallback)');
    const { findings } = deriveFindings({
      version: 1,
      label: 'x',
      window: { from: 'x', to: 'x' },
      generatedAt: 'x',
      barSource: 'x',
      activity: {
        cycles: 5,
        decisions: 5,
        proposals: 5,
        vetoed: 4,
        signed: 1,
        entryFills: 0,
        closedTrades: 0,
        pnl: 0,
      },
      strategies: [
        {
          key: 'strategist@1.0.0 (fallback)',
          skill: 'strategist@1.0.0',
          decidedBy: 'fallback',
          decisions: 5,
          proposals: 5,
          noTrade: 0,
          signed: 1,
          vetoed: 4,
          vetoRate: 0.8,
          vetoesBySigner: { 'risk-gate': 4 },
          vetoReasons: [{ signer: 'risk-gate', reason: 'stop too wide', count: 4 }],
          byRegime: { unknown: { proposals: 5, vetoed: 4 } },
          entryFills: 0,
          closedTrades: 0,
          pnl: 0,
          wins: 0,
          winRate: null,
          averageR: null,
        },
      ],
      vetoedSetups: [],
      signers: [],
      regimeMacro: { macroWired: false, macroMessages: 0, compared: 0, disagreements: 0, examples: [] },
      challengers: [],
      llm: llmUse(empty, buildRecords(empty)),
      reflections: [],
      notes: [],
    });
    expect(
      findings.some((finding) => /vetoed on 80% of its proposals .* too aggressive/.test(finding.text)),
    ).toBe(true);
  });
});
