import type { TopicName } from '../../src/bus/topic-names.ts';

/** The shapes the operator API answers with (see /openapi.json); only what the console reads. */
export interface HaltView {
  level: number | null;
  name: string;
  reason: string;
  setBy?: string;
  setAt?: string;
  journalPath?: string | null;
  readable: boolean;
}

export interface StateView {
  now: string;
  halt: HaltView;
  account: { equity?: number; cash?: number; positions?: number; at?: string; updatedAt?: string } | null;
  heartbeats: Array<{
    name: string;
    kind: string;
    ageMs: number;
    expectedIntervalMs: number;
    stale: boolean;
  }>;
}

export interface PositionView {
  symbol: string;
  qty: number;
  avgPrice: number;
  stopPrice: number | null;
  stopStatus: string | null;
  takeProfitPrice: number | null;
  openedAt: string;
}

export interface MessageView {
  id: number;
  ts: string;
  fromAgent: string;
  toAgent: string;
  /** A catalog topic (src/bus/topic-names.ts); a message stored before the catalog keeps its old name. */
  topic: TopicName | (string & {});
  cycleId: string | null;
  causationId: number | null;
  payload: unknown;
  signatures: Array<{ signer: string; verdict: string; reasons?: string[] }>;
}

export interface CycleView {
  cycleId: string;
  firstTs: string;
  lastTs: string;
  messages: number;
  topics: string[];
  outcomes: Array<{ symbol: string | null; outcome: string; decidedBy: string }>;
}

/** One step of a decision chain (a message on the order path, never a shadow). */
export interface ChainStepView {
  messageId: number;
  topic: string;
  agent: string;
  ts: string;
  causationId: number | null;
  shadow: false;
  decision: string;
  decidedBy: string | null;
  route: string | null;
  model: string | null;
  fromCycle?: string;
}

/** A challenger's decision in shadow, beside the proposal it answers. */
export interface ShadowStepView {
  messageId: number;
  topic: string;
  agent: string;
  ts: string;
  shadow: true;
  challenger: string;
  champion: string;
  proposalMessageId: number | null;
  shadowDecisionId: string | null;
  ok: boolean;
  decision: string;
  decidedBy: string | null;
  route: string | null;
  model: string | null;
  agreesWithChampion: boolean | null;
}

export interface DecisionChainView {
  desk: ChainStepView[];
  candidates: Array<{ symbol: string; steps: ChainStepView[]; shadows: ShadowStepView[] }>;
  orderCausation: number[] | null;
}

export interface Explanation {
  cycleId: string;
  orderId: string | null;
  /** The message asked about (absent on older brains). */
  messageId?: number | null;
  messages: MessageView[];
  /** The decision chain with the shadow decisions beside it (absent on older brains). */
  chain?: DecisionChainView;
  /** The Macro Officer's view and the CEO's budget the cycle ran under (absent on older brains). */
  agents?: {
    macroOfficer: Record<string, unknown> | null;
    ceo: Record<string, unknown> | null;
    ceoDirective: MessageView | null;
  };
  orders: Array<{
    clientOrderId: string;
    leg: string;
    symbol: string;
    side: string;
    type: string;
    qty: number;
    stopPrice: number | null;
    limitPrice: number | null;
    status: string;
    rejectReason: string | null;
    fills: Array<{ qty: number; price: number; ts: string }>;
  }>;
  journal: Array<{
    ts: string;
    symbol: string | null;
    agent: string;
    outcome: string;
    decidedBy: string;
    path: string;
  }>;
}

export interface JournalListing {
  path: string;
  day: string;
  time: string;
  symbol: string;
  outcome: string;
}

export interface CostRow {
  day: string;
  route: string;
  model: string;
  agent: string;
  attempts: number;
  ok: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  notionalUsd: number;
}

export interface RoutesView {
  configured: boolean;
  mode: string;
  routes: Array<{
    name: string;
    kind: string;
    model: string;
    enabled: boolean;
    state: string;
    consecutiveFailures: number;
    lastError?: string;
  }>;
  /** Requests a route refused as malformed (our configuration's fault), until it answers that skill. */
  rejections: Array<{ route: string; skill: string; headline: string; fix: string | null; at: string }>;
  budget: { dailyUsd: number; spentTodayUsd: number; exhausted: boolean };
  /** Who decided since the brain started (null when the API runs without a brain). */
  decisions: {
    routes: Record<string, number>;
    fallback: number;
    failure: number;
    total: number;
  } | null;
}

export interface InvariantsView {
  results: Array<{
    name: string;
    ok: boolean;
    value: number | string | null;
    threshold: number | string;
    level: number;
    detail: string;
  }>;
  positionsWithoutStop: Array<{ symbol: string; qty: number }>;
}
