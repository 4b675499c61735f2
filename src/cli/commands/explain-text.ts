import type { ChainStep, DecisionChain, ShadowStep } from '../../pipeline/index.ts';

/** Who decided, as a reader wants it: `llm (route/model)`, `fallback`, `code`, or `nobody`. */
function decider(step: { decidedBy: string | null; route: string | null; model: string | null }): string {
  if (step.decidedBy === null) return 'nobody';
  const via = [step.route, step.model].filter((part): part is string => part !== null).join('/');
  return via ? `${step.decidedBy} (${via})` : step.decidedBy;
}

function stepLine(step: ChainStep, onOrderPath: boolean): string {
  const from = step.fromCycle ? ` [from cycle ${step.fromCycle}]` : '';
  const mark = onOrderPath ? ' ← order' : '';
  return `#${step.messageId} ${step.topic} (${step.agent}): ${step.decision}, by ${decider(step)}${from}${mark}`;
}

function shadowLine(shadow: ShadowStep): string {
  const agrees =
    shadow.agreesWithChampion === null
      ? 'not compared'
      : shadow.agreesWithChampion
        ? 'agrees with the champion'
        : 'differs from the champion';
  return `[shadow] #${shadow.messageId} ${shadow.challenger} beside #${shadow.proposalMessageId ?? '?'}: ${shadow.decision}, by ${decider(shadow)}; ${agrees}; not on the order path`;
}

/**
 * The decision chain as text: the desk, then each candidate's steps in order, each challenger's
 * shadow decision printed right under the proposal it answers, marked `[shadow]`.
 */
export function chainLines(chain: DecisionChain): string[] {
  const onPath = new Set(chain.orderCausation ?? []);
  const lines = ['decision chain:'];
  if (chain.desk.length === 0) lines.push('  no Macro Officer or CEO message');
  for (const step of chain.desk) lines.push(`  ${stepLine(step, false)}`);
  if (chain.candidates.length === 0) lines.push('  no candidate decided');
  for (const candidate of chain.candidates) {
    lines.push(`  ${candidate.symbol}:`);
    for (const step of candidate.steps) {
      lines.push(`    ${stepLine(step, onPath.has(step.messageId))}`);
      for (const shadow of candidate.shadows.filter((each) => each.proposalMessageId === step.messageId))
        lines.push(`      ${shadowLine(shadow)}`);
    }
    const stepIds = new Set(candidate.steps.map((step) => step.messageId));
    for (const shadow of candidate.shadows.filter(
      (each) => each.proposalMessageId === null || !stepIds.has(each.proposalMessageId),
    ))
      lines.push(`    ${shadowLine(shadow)}`);
  }
  if (chain.orderCausation)
    lines.push(`  the order's causal chain: ${chain.orderCausation.map((id) => `#${id}`).join(' → ')}`);
  return lines;
}
