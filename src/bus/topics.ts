import { z } from 'zod';
import { ValidationError } from '../errors/index.ts';
import { type TopicKey, type TopicName, topics } from './topic-names.ts';

/**
 * The topic catalog: every topic Signet publishes, once, with the payload schema its readers
 * rely on. Producers name topics through `topics.*`; `publish` refuses a name that is not here;
 * readers parse payloads with `payloadSchemas` (or `readPayload`). A schema keeps the fields some
 * reader uses and lets the rest pass: producers may say more than anybody reads yet.
 */
export { type TopicKey, type TopicName, topics } from './topic-names.ts';

/** An object whose other fields pass through unchecked. */
const loose = <Shape extends z.ZodRawShape>(shape: Shape) => z.object(shape).passthrough();
const anything = loose({});
const skillRef = z.object({ name: z.string(), version: z.string() });

/** What an agent said (Regime, Strategist): the answer when ok, who decided. */
export const agentOutcomePayload = loose({
  symbol: z.string(),
  ok: z.boolean(),
  decidedBy: z.enum(['llm', 'fallback']).optional(),
  route: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  skill: skillRef.nullable().optional(),
  answer: z.record(z.string(), z.unknown()).optional(),
});

/**
 * A shadow decision (`strategist.shadow`): a challenger's outcome, marked `shadow: true`, with
 * the champion's decision it is compared with. Nothing on the order path reads this topic.
 */
export const shadowDecisionPayload = agentOutcomePayload.extend({
  shadow: z.literal(true),
  /** `<champion>/<variant>`, e.g. strategist/conservative. */
  challenger: z.string(),
  champion: z.string(),
  /** This shadow decision's own id; no order ever carries it. */
  shadowDecisionId: z.string(),
  championDecision: loose({ ok: z.boolean(), decision: z.string().nullable(), side: z.string().nullable() }),
  /** Same decision and side as the champion; null when either has no answer. */
  agreesWithChampion: z.boolean().nullable(),
});
export type ShadowDecisionPayload = z.infer<typeof shadowDecisionPayload>;

/** The fast backtest's strategist is a coded strategy: its proposal is no agent's outcome. */
const strategyProposal = loose({
  symbol: z.string(),
  side: z.string(),
  intent: z.string(),
  strategy: z.string(),
  decidedBy: z.literal('fallback'),
});

const orderLeg = z.enum(['entry', 'stop_loss', 'take_profit', 'exit', 'flatten']);

/** One fill, the same payload from the paper broker, Alpaca, MT5 and the backtests. */
export const orderFilledPayload = loose({
  clientOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  leg: z.string(),
  qty: z.number(),
  price: z.number(),
  commission: z.number(),
  /** Cash after the fill: known to the paper broker, null where the venue does not say at fill time. */
  cashAfter: z.number().nullable(),
  /** The symbol's position after the fill (negative when short). */
  positionAfter: z.number().nullable(),
  /** The broker the fill happened at; absent in messages written before it was added. */
  broker: z.string().optional(),
});
export type OrderFilledPayload = z.infer<typeof orderFilledPayload>;

/** One round trip, a `ClosedTrade` of the broker contract (times in epoch ms). */
export const positionClosedPayload = loose({
  symbol: z.string(),
  entryTime: z.number(),
  exitTime: z.number(),
  entryPrice: z.number(),
  exitPrice: z.number(),
  qty: z.number(),
  grossPnl: z.number().optional(),
  commission: z.number().optional(),
  pnl: z.number(),
  /** Bars held on the session's timeframe. */
  bars: z.number().int(),
  exitLeg: z.string(),
  entryClientOrderId: z.string(),
  exitClientOrderId: z.string().optional(),
  broker: z.string().optional(),
});
export type PositionClosedPayload = z.infer<typeof positionClosedPayload>;

const orderOutcome = loose({
  clientOrderId: z.string(),
  symbol: z.string(),
  leg: orderLeg.optional(),
  reason: z.string().nullable().optional(),
});

export const payloadSchemas = {
  'system.started': loose({ mode: z.string() }),
  'system.stopped': anything,
  'system.resumed': anything,
  'brain.flattened': anything,
  'skills.reloaded': anything,
  'skills.invalid': anything,

  'cycle.started': loose({ symbols: z.array(z.string()) }),
  'cycle.skipped': loose({ reason: z.string() }),
  'cycle.error': loose({ symbol: z.string(), reason: z.string() }),
  'cycle.completed': loose({
    outcomes: z.array(
      loose({ symbol: z.string(), outcome: z.string(), clientOrderId: z.string().nullable().optional() }),
    ),
  }),
  'screen.result': loose({ candidates: z.array(z.unknown()) }),
  'screen.premarket': loose({ candidates: z.array(z.unknown()) }),
  'regime.stance': agentOutcomePayload,
  'strategist.proposal': z.union([agentOutcomePayload, strategyProposal]),
  'strategist.shadow': shadowDecisionPayload,
  'signatures.collected': loose({
    symbol: z.string(),
    qty: z.number().default(0),
    signers: z
      .record(
        z.string(),
        loose({ route: z.string().nullable().optional(), model: z.string().nullable().optional() }),
      )
      .optional(),
  }),
  // Reserved: an earlier name of the Macro Officer's view (the optimizer reads every macro.* topic).
  'macro.stance': anything,
  /** The Macro Officer's view, once per cycle (computed once per session, `fresh` in its first cycle). */
  'macro.view': loose({
    day: z.string(),
    ok: z.boolean(),
    fresh: z.boolean(),
    decidedBy: z.enum(['llm', 'fallback']).optional(),
    answer: z.record(z.string(), z.unknown()).optional(),
  }),
  'ceo.directive': loose({
    day: z.string(),
    ok: z.boolean(),
    applied: loose({ stance: z.string(), riskMultiplierCap: z.number(), maxNewPositions: z.number() }),
  }),
  'ceo.budget': loose({
    day: z.string(),
    directiveId: z.number().nullable(),
    stance: z.string(),
    riskMultiplierCap: z.number(),
    maxNewPositions: z.number(),
    newPositionsToday: z.number(),
  }),

  'order.intent': loose({ clientOrderId: z.string(), symbol: z.string() }),
  'order.blocked': anything,
  'order.failed': anything,
  'order.not_sent': anything,
  'order.submitted': anything,
  'order.filled': orderFilledPayload,
  'order.cancelled': orderOutcome,
  'order.rejected': orderOutcome,
  'position.closed': positionClosedPayload,

  'executor.order': loose({ clientOrderId: z.string(), symbol: z.string() }),
  'executor.skipped': anything,
  'backtest.started': anything,
  'backtest.completed': anything,

  'monitor.reconciled': anything,
  'monitor.exited': anything,
  'monitor.stop_reattached': anything,
  'monitor.stop_moved': loose({ symbol: z.string(), stopPrice: z.number(), previousStopPrice: z.number() }),
  'monitor.unprotected': loose({ symbol: z.string() }),
  'broker.reconciled': anything,
  'broker.unexplained_position': loose({ symbol: z.string() }),
  'mt5.bars_conflicting': anything,

  'operator.command': loose({
    channel: z.string(),
    userId: z.number().nullable(),
    chatId: z.number(),
    command: z.string(),
    allowed: z.boolean(),
  }),
  'operator.exit_requested': loose({ symbol: z.string(), by: z.string(), reason: z.string() }),
  'halt.raised': anything,
  'halt.resumed': anything,
  'watchdog.stop_reattached': anything,
  'watchdog.flattened': anything,

  'llm.breaker': loose({ route: z.string(), from: z.string(), to: z.string() }),
  'llm.failover': loose({ answeredBy: z.string() }),
  'llm.budget': anything,
  'llm.request_rejected': loose({
    route: z.string(),
    skill: z.string(),
    status: z.number().nullable().optional(),
    headline: z.string(),
    fix: z.string().nullable().optional(),
  }),

  'optimizer.report': loose({ label: z.string(), applied: z.boolean() }),
  'bus.parked': loose({ consumer: z.string(), messageId: z.number() }),
} satisfies Record<TopicName, z.ZodType>;

/**
 * Names messages were stored under before the catalog, read as their catalog topic: the bus
 * log is immutable (nothing rewrites a stored message), so readers translate instead. Each
 * entry upgrades the old payload to the current schema.
 */
export const legacyTopics: Record<string, { topic: TopicName; upgrade(payload: unknown): unknown }> = {
  // The fast backtest's fills: the paper payload plus `at`.
  'broker.fill': { topic: topics.orderFilled, upgrade: (payload) => payload },
  // MT5 deals the EA reported: no leg, cash or position; the leg is read off our order id.
  'broker.filled': {
    topic: topics.orderFilled,
    upgrade: (payload) => {
      const record = asRecord(payload);
      const id = typeof record.clientOrderId === 'string' ? record.clientOrderId : '';
      const leg = id.endsWith('.sl') ? 'stop_loss' : id.endsWith('.tp') ? 'take_profit' : 'exit';
      return { leg, commission: 0, cashAfter: null, positionAfter: null, ...record };
    },
  },
  // The fast backtest's round trips: ISO times, no bar count.
  'monitor.exit': {
    topic: topics.positionClosed,
    upgrade: (payload) => {
      const record = asRecord(payload);
      const time = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : value);
      return { bars: 0, entryTime: time(record.entryAt), exitTime: time(record.exitAt), ...record };
    },
  },
  'broker.rejected': { topic: topics.orderRejected, upgrade: (payload) => payload },
  'broker.cancelled': { topic: topics.orderCancelled, upgrade: (payload) => payload },
};

function asRecord(payload: unknown): Record<string, unknown> {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : {};
}

/**
 * Which topics `publish` accepts: Signet's catalog, or the catalog plus names a test of the bus
 * itself needs (`topicCatalog.extend([...])`). Payloads of the extra names are not checked.
 */
export class TopicCatalog {
  readonly #names: ReadonlySet<string>;

  constructor(names: Iterable<string>) {
    this.#names = new Set(names);
  }

  has(topic: string): boolean {
    return this.#names.has(topic);
  }

  /** A catalog that also accepts `names` (tests of the bus's own mechanics publish made-up topics). */
  extend(names: readonly string[]): TopicCatalog {
    return new TopicCatalog([...this.#names, ...names]);
  }

  /** Throws a ValidationError naming the topic and the fix unless the catalog holds it. */
  assertKnown(topic: string): void {
    if (this.#names.has(topic)) return;
    const legacy = legacyTopics[topic];
    const fix = legacy
      ? `"${topic}" was renamed: publish ${legacy.topic} (topics.${keyOf(legacy.topic)}) instead.`
      : `Add "${topic}" to topics and payloadSchemas in src/bus/topics.ts (with its payload schema), then publish it through that constant.`;
    throw new ValidationError(
      `unknown bus topic "${topic}": it is not in the topic catalog`,
      [{ path: 'envelope.topic', message: `"${topic}" is not in src/bus/topics.ts` }],
      // A producer naming a topic the catalog lacks is our code's fault, not the operator's.
      { code: 'bus_unknown_topic', fault: 'system', fix },
    );
  }
}

function keyOf(topic: TopicName): TopicKey {
  return (Object.keys(topics) as TopicKey[]).find((key) => topics[key] === topic)!;
}

/** Signet's own catalog: the default of every publish. */
export const topicCatalog = new TopicCatalog(Object.values(topics));

export function isTopicName(topic: string): topic is TopicName {
  return Object.hasOwn(payloadSchemas, topic);
}

/** A stored message's topic and payload as the catalog names them today (legacy names translated). */
export function currentForm(topic: string, payload: unknown): { topic: string; payload: unknown } {
  const legacy = legacyTopics[topic];
  return legacy ? { topic: legacy.topic, payload: legacy.upgrade(payload) } : { topic, payload };
}

/**
 * A stored payload parsed with its topic's schema (a legacy name is translated first); undefined
 * when the topic is not `topic` or the payload does not fit.
 */
export function readPayload<Name extends TopicName>(
  topic: Name,
  message: { topic: string; payload: unknown },
): z.infer<(typeof payloadSchemas)[Name]> | undefined {
  const current = currentForm(message.topic, message.payload);
  if (current.topic !== topic) return undefined;
  const parsed = payloadSchemas[topic].safeParse(current.payload);
  return parsed.success ? (parsed.data as z.infer<(typeof payloadSchemas)[Name]>) : undefined;
}

/**
 * The stored names behind topic filters: each catalog topic a filter names (exactly or by
 * `prefix.*`) brings its legacy names along, so `--topic order.filled` still finds old fills.
 */
export function withLegacyNames(filters: readonly string[]): string[] {
  const matches = (filter: string, topic: string) =>
    filter === '*' || filter === topic || (filter.endsWith('.*') && topic.startsWith(filter.slice(0, -1)));
  const extra = Object.entries(legacyTopics)
    .filter(([old, legacy]) =>
      filters.some((filter) => matches(filter, legacy.topic) && !matches(filter, old)),
    )
    .map(([old]) => old);
  return extra.length === 0 ? [...filters] : [...filters, ...extra];
}
