import { z } from 'zod';
import {
  currentForm,
  readPayload,
  type Signature,
  signatureSchema,
  topics,
  withLegacyNames,
} from '../bus/index.ts';
import type { Queryable } from '../store/index.ts';
import { optimizerSql } from './sql.ts';

/**
 * A bus message as the optimizer reads it: topic and payload in their catalog form (a message
 * stored under a pre-catalog name reads as its current topic), payload still unparsed.
 */
export interface StoredMessage {
  id: number;
  ts: Date;
  fromAgent: string;
  topic: string;
  cycleId: string | null;
  payload: unknown;
  signatures: Signature[];
}

export interface LedgerRow {
  ts: Date;
  route: string;
  model: string;
  agent: string;
  skill: string;
  cycleId: string | null;
  requestHash: string | null;
  attempt: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  costIsNotional: boolean;
  outcome: string;
}

export interface ExitRow {
  id: number;
  ts: Date;
  symbol: string | null;
  path: string;
}

/** Everything the report is computed from, read in one read-only snapshot. */
export interface OptimizerInputs {
  /** Decision and trade messages of the window. */
  window: StoredMessage[];
  /** Decision messages of the cycles behind the window's fills and exits (may be older). */
  related: StoredMessage[];
  /** Order intents of the window's fills and exits. */
  intents: StoredMessage[];
  llmEvents: StoredMessage[];
  ledger: LedgerRow[];
  exits: ExitRow[];
  /** Cycles that ran in the window. */
  cycles: string[];
  /** Regime stances and macro views of the week that ends with the window (repeated disagreement). */
  week?: StoredMessage[];
}

/** How far back the Regime-vs-Macro comparison counts disagreements. */
export const weekMs = 7 * 86_400_000;
const sideTopics: string[] = [topics.regimeStance, topics.macroView, topics.macroStance];

export const windowTopics: string[] = [
  topics.cycleStarted,
  topics.regimeStance,
  topics.strategistProposal,
  topics.signaturesCollected,
  topics.orderFilled,
  topics.positionClosed,
  topics.macroStance,
  topics.macroView,
];
export const decisionTopics: string[] = [
  topics.regimeStance,
  topics.strategistProposal,
  topics.signaturesCollected,
];
const llmTopics: string[] = [
  topics.llmBreaker,
  topics.llmFailover,
  topics.llmBudget,
  topics.llmRequestRejected,
];
const isTrade = (topic: string) => topic === topics.orderFilled || topic === topics.positionClosed;

const signaturesSchema = z.array(signatureSchema).catch([]);

function toMessage(row: Record<string, unknown>): StoredMessage {
  const current = currentForm(String(row.topic), row.payload);
  return {
    id: Number(row.id),
    ts: row.ts instanceof Date ? row.ts : new Date(String(row.ts)),
    fromAgent: String(row.from_agent),
    topic: current.topic,
    cycleId: row.cycle_id === null || row.cycle_id === undefined ? null : String(row.cycle_id),
    payload: current.payload,
    signatures: signaturesSchema.parse(row.signatures),
  };
}

/** The entry order's id for a bracket child ("<id>.sl" / "<id>.tp"). */
export function rootOrderId(clientOrderId: string): string {
  return clientOrderId.replace(/\.(sl|tp)$/, '');
}

/** Reads the window. Call it inside a read-only transaction (see `optimizerSql.readOnly`). */
export async function collectInputs(db: Queryable, from: Date, to: Date): Promise<OptimizerInputs> {
  const window = (
    await db.query(optimizerSql.windowMessages(), [from, to, withLegacyNames(windowTopics)])
  ).rows.map(toMessage);
  const cycles = [
    ...new Set(
      window
        .filter((message) => !isTrade(message.topic))
        .flatMap((message) => (message.cycleId ? [message.cycleId] : [])),
    ),
  ];
  const orderIds = new Set<string>();
  for (const message of window) {
    const id =
      readPayload(topics.positionClosed, message)?.entryClientOrderId ??
      readPayload(topics.orderFilled, message)?.clientOrderId;
    if (id) orderIds.add(rootOrderId(id));
  }
  const intents =
    orderIds.size === 0
      ? []
      : (await db.query(optimizerSql.intents(), [[...orderIds], topics.orderIntent])).rows.map(toMessage);
  const relatedCycles = [
    ...new Set(intents.flatMap((intent) => (intent.cycleId ? [intent.cycleId] : []))),
  ].filter((cycle) => !cycles.includes(cycle));
  const related =
    relatedCycles.length === 0
      ? []
      : (await db.query(optimizerSql.cycleMessages(), [relatedCycles, decisionTopics])).rows.map(toMessage);
  const llmEvents = (await db.query(optimizerSql.llmEvents(), [from, to, cycles, llmTopics])).rows.map(
    toMessage,
  );
  const ledger = (await db.query(optimizerSql.ledger(), [from, to, cycles])).rows.map((row) => ({
    ts: row.ts instanceof Date ? row.ts : new Date(String(row.ts)),
    route: String(row.route),
    model: String(row.model),
    agent: String(row.agent) || '(none)',
    skill: String(row.skill),
    cycleId: row.cycle_id === null ? null : String(row.cycle_id),
    requestHash: row.request_hash === null ? null : String(row.request_hash),
    attempt: Number(row.attempt),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costMicroUsd: Number(row.cost_micro_usd),
    costIsNotional: row.cost_is_notional === true,
    outcome: String(row.outcome),
  }));
  const exits = (await db.query(optimizerSql.exits(), [from, to])).rows.map((row) => ({
    id: Number(row.id),
    ts: row.ts instanceof Date ? row.ts : new Date(String(row.ts)),
    symbol: row.symbol === null ? null : String(row.symbol),
    path: String(row.path),
  }));
  const week = (
    await db.query(optimizerSql.windowMessages(), [
      new Date(Math.min(from.getTime(), to.getTime() - weekMs)),
      to,
      withLegacyNames(sideTopics),
    ])
  ).rows.map(toMessage);
  return { window, related, intents, llmEvents, ledger, exits, cycles, week };
}
