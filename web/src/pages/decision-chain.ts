import { h, time } from '../dom.ts';
import type { ChainStepView, DecisionChainView, ShadowStepView } from '../types.ts';

/** Who decided: `llm (route/model)`, `fallback`, `code`, or `nobody` when no answer came. */
function decider(step: { decidedBy: string | null; route: string | null; model: string | null }): string {
  if (step.decidedBy === null) return 'nobody';
  const via = [step.route, step.model].filter((part): part is string => part !== null).join('/');
  return via ? `${step.decidedBy} (${via})` : step.decidedBy;
}

/** The Macro Officer, the CEO's directive and budget, and the Regime agent read as agents. */
const agentLabel: Record<string, string> = {
  'macro.view': 'Macro Officer',
  'ceo.directive': 'CEO directive',
  'ceo.budget': 'CEO budget',
  'regime.stance': 'Regime',
  'strategist.proposal': 'Strategist (champion)',
  'signatures.collected': 'Signatures',
};

function stepItem(step: ChainStepView, onOrderPath: boolean, position: number): HTMLElement {
  return h(
    'li',
    {
      // Numbered by its place on the path: a shadow between two steps takes no number.
      value: position,
      class: `chain-step${onOrderPath ? ' order-path' : ''}`,
      'data-topic': step.topic,
      'data-message-id': step.messageId,
      'data-shadow': 'false',
    },
    h('strong', {}, agentLabel[step.topic] ?? step.topic),
    ` ${step.decision}`,
    h(
      'span',
      { class: 'muted' },
      ` · by ${decider(step)} · #${step.messageId} ${time(step.ts)}${step.fromCycle ? ` (from cycle ${step.fromCycle})` : ''}`,
    ),
    onOrderPath ? h('span', { class: 'tag executed' }, 'order path') : null,
  );
}

/** A shadow decision: a badge and the word "shadow" in its text, beside the proposal, never on the path. */
function shadowItem(shadow: ShadowStepView): HTMLElement {
  const agreement =
    shadow.agreesWithChampion === null
      ? 'not compared'
      : shadow.agreesWithChampion
        ? 'agrees with the champion'
        : 'differs from the champion';
  return h(
    'li',
    {
      class: 'chain-step shadow',
      'data-topic': shadow.topic,
      'data-message-id': shadow.messageId,
      'data-shadow': 'true',
      'data-testid': 'chain-shadow',
    },
    h('span', { class: 'badge shadow', 'data-testid': 'shadow-badge' }, 'shadow'),
    ' ',
    h('strong', {}, shadow.challenger),
    ` ${shadow.decision}`,
    h(
      'span',
      { class: 'muted' },
      ` · by ${decider(shadow)} · ${agreement} · beside #${shadow.proposalMessageId ?? '?'} · #${shadow.messageId} · not on the order path`,
    ),
  );
}

/**
 * The decision chain in order: the desk (Macro Officer, CEO), then each candidate's Regime stance,
 * proposal, signatures and order, with each challenger's shadow decision right under the
 * proposal it answers.
 */
export function chainPanel(chain: DecisionChainView | undefined): HTMLElement | null {
  if (!chain) return null;
  const onPath = new Set(chain.orderCausation ?? []);
  return h(
    'div',
    { class: 'decision-chain', 'data-testid': 'decision-chain' },
    h('h2', {}, 'Decision chain'),
    h(
      'ol',
      { class: 'chain-steps', 'data-testid': 'chain-desk-steps' },
      ...chain.desk.map((step, index) => stepItem(step, false, index + 1)),
    ),
    ...chain.candidates.map((candidate) =>
      h(
        'div',
        { class: 'candidate', 'data-symbol': candidate.symbol },
        h('h3', {}, candidate.symbol),
        h(
          'ol',
          { class: 'chain-steps' },
          ...candidate.steps.flatMap((step, index) => [
            stepItem(step, onPath.has(step.messageId), index + 1),
            ...candidate.shadows
              .filter((shadow) => shadow.proposalMessageId === step.messageId)
              .map(shadowItem),
          ]),
        ),
      ),
    ),
    chain.candidates.length === 0 ? h('p', { class: 'muted' }, 'no candidate decided in this cycle') : null,
  );
}

/** The message ids of the cycle's shadow decisions, to mark them in the full message list. */
export function shadowIds(chain: DecisionChainView | undefined): Set<number> {
  return new Set(
    (chain?.candidates ?? []).flatMap((candidate) => candidate.shadows.map((shadow) => shadow.messageId)),
  );
}
