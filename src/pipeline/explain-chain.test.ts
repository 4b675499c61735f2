import { describe, expect, it } from 'vitest';
import { type BusMessage, envelopeVersion } from '../bus/index.ts';
import { decisionChain } from './explain-chain.ts';

let nextId = 0;
function message(
  topic: string,
  payload: Record<string, unknown>,
  causationId: number | null,
  cycleId = 'c2',
): BusMessage {
  nextId += 1;
  return {
    v: envelopeVersion,
    id: nextId,
    txId: `tx${nextId}`,
    ts: new Date(Date.UTC(2026, 0, 2, 21)),
    recordedAt: new Date(Date.UTC(2026, 0, 2, 21)),
    fromAgent: topic.split('.')[0]!,
    toAgent: 'x',
    topic,
    cycleId,
    causationId,
    payload,
    signatures: [],
  };
}

describe('decisionChain', () => {
  it("a later cycle's directive comes from the day's first cycle; a coded proposal starts its own candidate", () => {
    const directive = message(
      'ceo.directive',
      { day: '2026-01-02', ok: true, decidedBy: 'fallback', applied: { stance: 'neutral' } },
      null,
      'c1',
    );
    const start = message('cycle.started', {}, null);
    const view = message('macro.view', { day: '2026-01-02', ok: true, fresh: false, answer: {} }, start.id);
    const budget = message(
      'ceo.budget',
      { day: '2026-01-02', stance: 'neutral', directiveId: directive.id },
      directive.id,
    );
    // The fast backtest: a coded strategy's proposal answers nothing, its order answers it.
    const proposal = message(
      'strategist.proposal',
      { symbol: 'AAA', side: 'buy', intent: 'enter', strategy: 'sma-cross', decidedBy: 'fallback' },
      null,
    );
    const order = message('executor.order', { clientOrderId: 'bt-1', symbol: 'AAA' }, proposal.id);
    const chain = decisionChain('c2', [start, view, budget, proposal, order], directive, {
      clientOrderId: 'bt-1',
      messageId: null,
    });
    expect(chain.desk.map((step) => [step.topic, step.fromCycle])).toEqual([
      ['macro.view', undefined],
      ['ceo.directive', 'c1'],
      ['ceo.budget', undefined],
    ]);
    expect(chain.desk[1]!.decidedBy).toBe('fallback');
    expect(chain.candidates).toHaveLength(1);
    expect(chain.candidates[0]!.steps.map((step) => step.decision)).toEqual([
      'enter buy AAA (sma-cross)',
      'bt-1',
    ]);
    expect(chain.orderCausation).toEqual([proposal.id, order.id]);
  });

  it('a message marked shadow is set beside, never walked, even under another topic', () => {
    const stance = message('regime.stance', { symbol: 'BBB', ok: true, answer: { regime: 'ranging' } }, null);
    const proposal = message(
      'strategist.proposal',
      { symbol: 'BBB', ok: false, code: 'no_valid_answer', reason: 'invalid' },
      stance.id,
    );
    const stray = message('strategist.shadow', { symbol: 'BBB', shadow: true, ok: false }, proposal.id);
    const answerToShadow = message('order.intent', { clientOrderId: 'x' }, stray.id);
    const chain = decisionChain('c2', [stance, proposal, stray, answerToShadow], null, null);
    const [candidate] = chain.candidates;
    expect(candidate!.steps.map((step) => step.topic)).toEqual(['regime.stance', 'strategist.proposal']);
    expect(candidate!.steps[1]).toMatchObject({
      decision: 'no answer (no_valid_answer: invalid)',
      decidedBy: null,
    });
    expect(
      candidate!.shadows.map((shadow) => [shadow.messageId, shadow.shadow, shadow.proposalMessageId]),
    ).toEqual([[stray.id, true, proposal.id]]);
    expect(chain.orderCausation).toBeNull();
  });
});
