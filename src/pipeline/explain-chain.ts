import { type BusMessage, topics } from '../bus/index.ts';

/** One step of a decision chain: a message on the order path, summarised for a reader. */
export interface ChainStep {
  messageId: number;
  topic: string;
  agent: string;
  ts: string;
  causationId: number | null;
  /** Never a shadow: shadow decisions are in `CandidateChain.shadows`, beside the proposal. */
  shadow: false;
  /** What it decided, in one line (e.g. `trade buy AAA market @ 101 stop 95 target 110`). */
  decision: string;
  /** llm, fallback, code, or null when the agent gave no answer. */
  decidedBy: string | null;
  route: string | null;
  model: string | null;
  /** The cycle the message was published in when it is not this one (the day's CEO directive). */
  fromCycle?: string;
}

/** A challenger's decision in shadow, beside the champion's proposal it answers. */
export interface ShadowStep {
  messageId: number;
  topic: string;
  agent: string;
  ts: string;
  shadow: true;
  /** `<champion>/<variant>`, e.g. strategist/conservative. */
  challenger: string;
  champion: string;
  /** The champion's `strategist.proposal` message this shadow decision answers. */
  proposalMessageId: number | null;
  shadowDecisionId: string | null;
  ok: boolean;
  decision: string;
  decidedBy: string | null;
  route: string | null;
  model: string | null;
  agreesWithChampion: boolean | null;
}

/** One candidate's chain: Regime stance → proposal → signatures → order, and the shadows beside. */
export interface CandidateChain {
  symbol: string;
  steps: ChainStep[];
  shadows: ShadowStep[];
}

export interface DecisionChain {
  /** The market-wide agents, in chain order: the Macro Officer's view, the CEO's directive and budget. */
  desk: ChainStep[];
  candidates: CandidateChain[];
  /**
   * The order's causal chain when an order was asked about: message ids from its `order.intent`
   * back to the cycle's start, oldest first. A shadow message is never on it.
   */
  orderCausation: number[] | null;
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
const shown = (value: unknown): string => str(value) ?? '?';

/** A Strategist answer (champion or challenger) in one line. */
function proposalText(payload: Record<string, unknown>): string {
  if (payload.ok === false) return `no answer (${shown(payload.code)}: ${shown(payload.reason)})`;
  const answer = record(payload.answer);
  if (Object.keys(answer).length === 0) {
    // The fast backtest's coded strategy: its proposal is no agent's answer.
    return `${shown(payload.intent)} ${shown(payload.side)} ${shown(payload.symbol)} (${shown(payload.strategy)})`;
  }
  if (answer.decision !== 'trade') return `no_trade ${shown(payload.symbol)}`;
  const target = str(answer.targetPrice);
  return `trade ${shown(answer.side)} ${shown(payload.symbol)} ${shown(answer.entryType)} @ ${shown(answer.entryPrice)} stop ${shown(answer.stopPrice)}${target ? ` target ${target}` : ''}`;
}

function decisionText(message: BusMessage): string {
  const payload = record(message.payload);
  const answer = record(payload.answer);
  switch (message.topic) {
    case topics.macroView:
      return payload.ok === false
        ? `no view (${shown(payload.reason)})`
        : `${shown(answer.stance)} (${shown(answer.regime)}/${shown(answer.bias)}) day ${shown(payload.day)}${payload.fresh === false ? ', the day’s view' : ''}`;
    case topics.ceoDirective: {
      const applied = record(payload.applied);
      return `day ${shown(payload.day)}: ${shown(applied.stance)}, risk multiplier cap ${shown(applied.riskMultiplierCap)}, at most ${shown(applied.maxNewPositions)} new position(s)`;
    }
    case topics.ceoBudget:
      return `${shown(payload.stance)}: cap ${shown(payload.riskMultiplierCap)}, ${shown(payload.newPositionsToday)}/${shown(payload.maxNewPositions)} new positions${payload.closed ? ` (closed: ${shown(payload.closed)})` : ''}`;
    case topics.regimeStance:
      return payload.ok === false
        ? `no stance (${shown(payload.reason)})`
        : `${shown(answer.regime)}/${shown(answer.bias)} ×${shown(answer.riskMultiplier)}`;
    case topics.strategistProposal:
      return proposalText(payload);
    case topics.signaturesCollected:
      return message.signatures.length === 0
        ? `qty ${shown(payload.qty)}`
        : `${message.signatures.map((each) => `${each.signer} ${each.verdict}`).join(', ')}; qty ${shown(payload.qty)}`;
    default: {
      const order = str(payload.clientOrderId);
      return order ? `${order}${payload.status ? ` ${shown(payload.status)}` : ''}` : message.topic;
    }
  }
}

/** Who decided: the payload's own word, else `code` for the steps code takes. */
function deciderOf(message: BusMessage): {
  decidedBy: string | null;
  route: string | null;
  model: string | null;
} {
  const payload = record(message.payload);
  const agentTopics: string[] = [
    topics.macroView,
    topics.ceoDirective,
    topics.regimeStance,
    topics.strategistProposal,
    topics.strategistShadow,
  ];
  const decidedBy = str(payload.decidedBy) ?? (agentTopics.includes(message.topic) ? null : 'code');
  return { decidedBy, route: str(payload.route), model: str(payload.model) };
}

function stepOf(message: BusMessage, cycleId: string): ChainStep {
  return {
    messageId: message.id,
    topic: message.topic,
    agent: message.fromAgent,
    ts: message.ts.toISOString(),
    causationId: message.causationId,
    shadow: false,
    decision: decisionText(message),
    ...deciderOf(message),
    ...(message.cycleId && message.cycleId !== cycleId ? { fromCycle: message.cycleId } : {}),
  };
}

function shadowOf(message: BusMessage): ShadowStep {
  const payload = record(message.payload);
  return {
    messageId: message.id,
    topic: message.topic,
    agent: message.fromAgent,
    ts: message.ts.toISOString(),
    shadow: true,
    challenger: str(payload.challenger) ?? message.fromAgent,
    champion: str(payload.champion) ?? 'strategist',
    proposalMessageId: message.causationId,
    shadowDecisionId: str(payload.shadowDecisionId),
    ok: payload.ok === true,
    decision: proposalText(payload),
    ...deciderOf(message),
    agreesWithChampion: typeof payload.agreesWithChampion === 'boolean' ? payload.agreesWithChampion : null,
  };
}

const isShadow = (message: BusMessage): boolean =>
  message.topic === topics.strategistShadow || record(message.payload).shadow === true;

/**
 * The cycle's decision chain read off its messages by causation: the desk first, then per
 * candidate the Regime stance and everything that follows from it, with each shadow decision set
 * beside the proposal it answers and never counted as a step on the way to the order.
 */
export function decisionChain(
  cycleId: string,
  messages: readonly BusMessage[],
  directive: BusMessage | null,
  order: { clientOrderId: string; messageId: number | null } | null,
): DecisionChain {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const children = new Map<number, BusMessage[]>();
  for (const message of messages) {
    if (message.causationId === null) continue;
    const list = children.get(message.causationId) ?? [];
    list.push(message);
    children.set(message.causationId, list);
  }
  const deskTopics: string[] = [topics.macroView, topics.ceoDirective, topics.ceoBudget];
  const deskMessages = messages.filter((message) => deskTopics.includes(message.topic));
  if (directive && !byId.has(directive.id)) deskMessages.push(directive);
  const deskOrder = (message: BusMessage) => deskTopics.indexOf(message.topic);
  const desk = deskMessages
    .sort((a, b) => deskOrder(a) - deskOrder(b) || a.id - b.id)
    .map((message) => stepOf(message, cycleId));

  // A candidate starts at its Regime stance, or at a proposal no stance caused (the fast backtest).
  const roots = messages.filter(
    (message) =>
      message.topic === topics.regimeStance ||
      (message.topic === topics.strategistProposal &&
        byId.get(message.causationId ?? -1)?.topic !== topics.regimeStance),
  );
  const candidates = roots.map((root): CandidateChain => {
    const steps: BusMessage[] = [];
    const shadows: BusMessage[] = [];
    const walk = (message: BusMessage) => {
      if (isShadow(message)) {
        shadows.push(message);
        return;
      }
      steps.push(message);
      for (const child of children.get(message.id) ?? []) walk(child);
    };
    walk(root);
    return {
      symbol: str(record(root.payload).symbol) ?? '?',
      steps: steps.sort((a, b) => a.id - b.id).map((message) => stepOf(message, cycleId)),
      shadows: shadows.sort((a, b) => a.id - b.id).map(shadowOf),
    };
  });
  return { desk, candidates, orderCausation: order ? causationOf(messages, byId, order) : null };
}

/** The message ids from the order's intent back to the start, oldest first. */
function causationOf(
  messages: readonly BusMessage[],
  byId: ReadonlyMap<number, BusMessage>,
  order: { clientOrderId: string; messageId: number | null },
): number[] | null {
  // The order row names its intent message (a bracket leg: its entry's); the fast backtest's
  // orders are found by the client order id their `executor.order` message carries.
  const intent =
    (order.messageId === null ? undefined : byId.get(order.messageId)) ??
    messages.find(
      (message) =>
        (message.topic === topics.orderIntent || message.topic === topics.executorOrder) &&
        str(record(message.payload).clientOrderId) === order.clientOrderId,
    );
  if (!intent) return null;
  const ids: number[] = [];
  const seen = new Set<number>();
  for (let at: BusMessage | undefined = intent; at && !seen.has(at.id); ) {
    seen.add(at.id);
    ids.push(at.id);
    at = at.causationId === null ? undefined : byId.get(at.causationId);
  }
  return ids.reverse();
}
