import { z } from 'zod';
import { agentOutcomePayload, payloadSchemas, readPayload, type Signature, topics } from '../bus/index.ts';
import { type OptimizerInputs, rootOrderId, type StoredMessage } from './collect.ts';
import type { ProposedTrade } from './counterfactual.ts';

// Payloads are read through the topic catalog's schemas; only the agents' answers are read here.
const outcomePayload = agentOutcomePayload;
const tradeSchema = z.object({
  decision: z.literal('trade'),
  side: z.enum(['buy', 'sell']),
  entryType: z.enum(['market', 'limit', 'stop']),
  entryPrice: z.number().positive(),
  stopPrice: z.number().positive(),
  targetPrice: z.number().positive(),
  horizonBars: z.number().int().min(1),
  rationale: z.string().default(''),
  confidence: z.number().default(0),
});
const stanceSchema = z.object({ regime: z.string(), bias: z.string(), riskMultiplier: z.number() });
const signaturesPayload = payloadSchemas[topics.signaturesCollected];
const intentPayload = payloadSchemas[topics.orderIntent];

/** One strategist decision, with what the signers and the Regime agent said about it. */
export interface Decision {
  cycleId: string;
  symbol: string;
  at: Date;
  strategy: string;
  skill: string;
  decidedBy: string;
  /** Null for a "no trade" answer. */
  trade: (ProposedTrade & { rationale: string; confidence: number }) | null;
  stance: { regime: string; bias: string; riskMultiplier: number } | null;
  signatures: Signature[];
  /** Risk Gate size, when signatures were collected. */
  qty: number;
  /** The decision message (for ordering). */
  messageId: number;
}

export interface Fill {
  clientOrderId: string;
  symbol: string;
  leg: string;
  qty: number;
  price: number;
  decision: Decision | undefined;
}

export interface ClosedTrade {
  symbol: string;
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  qty: number;
  pnl: number;
  bars: number;
  exitLeg: string;
  entryClientOrderId: string;
  decision: Decision | undefined;
}

export interface Records {
  /** Decisions of the window. */
  decisions: Decision[];
  fills: Fill[];
  closed: ClosedTrade[];
  /** Regime stances of the window by cycle and symbol, with who decided. */
  stances: Array<{ cycleId: string; symbol: string; regime: string; bias: string; decidedBy: string }>;
  macro: StoredMessage[];
  /**
   * Every agent decision of the window by who actually made it: `llm` with its route and model,
   * `fallback`, or `failure` (the agent failed closed).
   */
  deciders: Array<{ agent: string; decidedBy: string; route: string | null; model: string | null }>;
}

export function strategyKey(skill: string, decidedBy: string): string {
  return `${skill} (${decidedBy})`;
}

const key = (cycleId: string | null, symbol: string) => `${cycleId ?? ''}\u0000${symbol}`;

function buildDecisions(messages: readonly StoredMessage[]): Decision[] {
  const stances = new Map<string, Decision['stance']>();
  const signatures = new Map<string, { signatures: Signature[]; qty: number }>();
  for (const message of messages) {
    if (message.topic === topics.regimeStance) {
      const parsed = outcomePayload.safeParse(message.payload);
      if (!parsed.success || !parsed.data.ok) continue;
      const stance = stanceSchema.safeParse(parsed.data.answer);
      if (stance.success) stances.set(key(message.cycleId, parsed.data.symbol), stance.data);
    } else if (message.topic === topics.signaturesCollected) {
      const parsed = signaturesPayload.safeParse(message.payload);
      if (parsed.success)
        signatures.set(key(message.cycleId, parsed.data.symbol), {
          signatures: message.signatures,
          qty: parsed.data.qty,
        });
    }
  }
  const decisions: Decision[] = [];
  for (const message of messages) {
    if (message.topic !== topics.strategistProposal || !message.cycleId) continue;
    const parsed = outcomePayload.safeParse(message.payload);
    if (!parsed.success || !parsed.data.ok) continue;
    const { symbol } = parsed.data;
    const skill = parsed.data.skill ? `${parsed.data.skill.name}@${parsed.data.skill.version}` : 'unknown';
    const decidedBy = parsed.data.decidedBy ?? 'unknown';
    const trade = tradeSchema.safeParse(parsed.data.answer);
    const signed = signatures.get(key(message.cycleId, symbol));
    decisions.push({
      cycleId: message.cycleId,
      symbol,
      at: message.ts,
      strategy: strategyKey(skill, decidedBy),
      skill,
      decidedBy,
      trade: trade.success
        ? {
            side: trade.data.side,
            entryType: trade.data.entryType,
            entryPrice: trade.data.entryPrice,
            stopPrice: trade.data.stopPrice,
            targetPrice: trade.data.targetPrice,
            horizonBars: trade.data.horizonBars,
            rationale: trade.data.rationale,
            confidence: trade.data.confidence,
          }
        : null,
      stance: stances.get(key(message.cycleId, symbol)) ?? null,
      signatures: signed?.signatures ?? [],
      qty: signed?.qty ?? 0,
      messageId: message.id,
    });
  }
  return decisions;
}

/** Turns the stored messages into decisions, fills and closed trades linked to their proposals. */
export function buildRecords(inputs: OptimizerInputs): Records {
  const decisions = buildDecisions(inputs.window);
  const allDecisions = new Map<string, Decision>();
  for (const decision of [...buildDecisions(inputs.related), ...decisions])
    allDecisions.set(key(decision.cycleId, decision.symbol), decision);
  const intentOf = new Map<string, { cycleId: string | null; symbol: string }>();
  for (const intent of inputs.intents) {
    const parsed = intentPayload.safeParse(intent.payload);
    if (parsed.success)
      intentOf.set(parsed.data.clientOrderId, { cycleId: intent.cycleId, symbol: parsed.data.symbol });
  }
  const decisionOf = (clientOrderId: string): Decision | undefined => {
    const intent = intentOf.get(rootOrderId(clientOrderId));
    return intent ? allDecisions.get(key(intent.cycleId, intent.symbol)) : undefined;
  };
  const fills: Fill[] = [];
  const closed: ClosedTrade[] = [];
  const stances: Records['stances'] = [];
  const macro: StoredMessage[] = [];
  const deciders: Records['deciders'] = [];
  for (const message of inputs.window) {
    if (message.topic === topics.orderFilled) {
      const fill = readPayload(topics.orderFilled, message);
      if (fill)
        fills.push({
          clientOrderId: fill.clientOrderId,
          symbol: fill.symbol,
          leg: fill.leg,
          qty: fill.qty,
          price: fill.price,
          decision: decisionOf(fill.clientOrderId),
        });
    } else if (message.topic === topics.positionClosed) {
      const trade = readPayload(topics.positionClosed, message);
      if (trade)
        closed.push({
          symbol: trade.symbol,
          entryTime: trade.entryTime,
          exitTime: trade.exitTime,
          entryPrice: trade.entryPrice,
          exitPrice: trade.exitPrice,
          qty: trade.qty,
          pnl: trade.pnl,
          bars: trade.bars,
          exitLeg: trade.exitLeg,
          entryClientOrderId: trade.entryClientOrderId,
          decision: decisionOf(trade.entryClientOrderId),
        });
    } else if (message.topic === topics.regimeStance || message.topic === topics.strategistProposal) {
      const parsed = outcomePayload.safeParse(message.payload);
      if (!parsed.success) continue;
      if (!parsed.data.ok) {
        deciders.push({ agent: message.fromAgent, decidedBy: 'failure', route: null, model: null });
        continue;
      }
      deciders.push({
        agent: message.fromAgent,
        decidedBy: parsed.data.decidedBy ?? 'unknown',
        route: parsed.data.route ?? null,
        model: parsed.data.model ?? null,
      });
      if (message.topic === topics.regimeStance && message.cycleId) {
        const stance = stanceSchema.safeParse(parsed.data.answer);
        if (stance.success)
          stances.push({
            cycleId: message.cycleId,
            symbol: parsed.data.symbol,
            regime: stance.data.regime,
            bias: stance.data.bias,
            decidedBy: parsed.data.decidedBy ?? 'unknown',
          });
      }
    } else if (message.topic === topics.signaturesCollected) {
      const metas = signaturesPayload.safeParse(message.payload);
      for (const signature of message.signatures) {
        // The Risk Gate is code by design; an agent signer that "decided by code" failed closed.
        if (signature.signer === 'risk-gate') continue;
        const meta = metas.success ? metas.data.signers?.[signature.signer] : undefined;
        deciders.push({
          agent: signature.signer,
          decidedBy: signature.decidedBy === 'code' ? 'failure' : signature.decidedBy,
          route: meta?.route ?? null,
          model: meta?.model ?? null,
        });
      }
    } else if (message.topic.startsWith('macro.')) {
      macro.push(message);
    }
  }
  return { decisions, fills, closed, stances, macro, deciders };
}
