import { createHash } from 'node:crypto';
import {
  type AgentOutcome,
  type AgentRuntime,
  indicatorsAt,
  type Quote,
  runDoubleChecker,
  runFactChecker,
  runRegime,
  runStrategist,
  type Stance,
  type StrategistAnswer,
  type StrategistRules,
  type TradeProposal,
  toTradeProposal,
} from '../agents/index.ts';
import type { Broker, Order } from '../broker/index.ts';
import type { BusMessage, MessageInput, Signature } from '../bus/index.ts';
import { faultPoint } from '../faults/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { Queryable } from '../store/index.ts';
import type { Strategy } from '../strategies/index.ts';
import { withClock } from './clocked.ts';
import { evaluateRisk, type RiskDecision, type RiskLimits, type RiskPosition } from './risk-gate.ts';
import { agentSignature, allSigned, type SignerResult } from './signatures.ts';
import { pipelineSql } from './sql.ts';

export interface PortfolioSnapshot {
  equity: number;
  cash: number;
  dayStartEquity: number;
  positions: RiskPosition[];
  symbolPnlToday: Record<string, number>;
}

export interface CycleSettings {
  limits: RiskLimits;
  rules: StrategistRules;
  timeframe: string;
  /** Candidates kept by the screen. */
  topK: number;
  /** Candidates worked on at once (LLM calls in flight). */
  parallelism: number;
  signerTimeoutMs: number;
  maxDataAgeSeconds: number;
  commissionRate: number;
}

export interface CycleDeps {
  runtime: AgentRuntime;
  publish(input: MessageInput, options?: { tx?: Queryable }): Promise<BusMessage>;
  /** Runs work in one database transaction (order intent + its bus message). */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  broker: Broker;
  brokerName: string;
  portfolio(): Promise<PortfolioSnapshot>;
  /** The halt level, or null when it cannot be read (which blocks trading). */
  haltLevel(): Promise<number | null>;
  /** A quote read again at signing time. */
  freshQuote(symbol: string): Promise<Quote>;
  journal(entry: JournalEntryInput): Promise<void>;
  clock: { now(): number };
  settings: CycleSettings;
  fallbackStrategy: Strategy;
}

export type CandidateOutcome = 'no_trade' | 'vetoed' | 'executed' | 'rejected' | 'error' | 'halted';

export interface CandidateReport {
  symbol: string;
  outcome: CandidateOutcome;
  clientOrderId: string | null;
  qty: number;
  reasons: string[];
}

export interface CycleReport {
  cycleId: string;
  haltLevel: number | null;
  screened: Array<{ symbol: string; score: number }>;
  candidates: CandidateReport[];
}

/** Deterministic client order id: the same cycle and symbol always give the same id. */
export function clientOrderIdFor(cycleId: string, symbol: string): string {
  return `sg-${createHash('sha256').update(`${cycleId}:${symbol}`).digest('hex').slice(0, 24)}`;
}

/**
 * The screen: a deterministic score per symbol (trend strength: |20-bar return| over 20-bar
 * volatility), highest first, top K. Symbols without enough history score 0 and are dropped.
 */
export function screen(
  universe: readonly BarSeries[],
  topK: number,
): Array<{ symbol: string; score: number }> {
  return universe
    .map((series) => {
      const indicators = indicatorsAt(series, series.length - 1);
      const { return20Pct, volatility20Pct } = indicators;
      const score = return20Pct === null || !volatility20Pct ? 0 : Math.abs(return20Pct) / volatility20Pct;
      return { symbol: series.symbol, score: Number(score.toFixed(6)) };
    })
    .filter((each) => each.score > 0)
    .sort((a, b) => b.score - a.score || a.symbol.localeCompare(b.symbol))
    .slice(0, topK);
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

const decided = (outcome: { decidedBy: 'llm' | 'fallback' }) => outcome.decidedBy;

/**
 * One cycle: halted? → screen → regime → strategist per candidate (bounded parallelism) → three
 * signatures in parallel → bracket order → journal. Every step is a bus message carrying the
 * cycle id and the id of the message it answers; every decision is a journal entry.
 */
export async function runDecisionCycle(
  clockless: CycleDeps,
  cycleId: string,
  universe: readonly BarSeries[],
): Promise<CycleReport> {
  const deps: CycleDeps = { ...clockless, publish: withClock(clockless) };
  const at = () => new Date(deps.clock.now()).toISOString();
  const start = await deps.publish({
    fromAgent: 'scheduler',
    toAgent: 'pipeline',
    topic: 'cycle.started',
    cycleId,
    payload: { symbols: universe.map((series) => series.symbol), at: at() },
  });
  const haltLevel = await deps.haltLevel().catch(() => null);
  if (haltLevel === null || haltLevel >= 2) {
    const reason =
      haltLevel === null
        ? 'halt state unreadable: no cycle runs'
        : `halt level ${haltLevel}: no new entries, no cycle runs`;
    await deps.publish({
      fromAgent: 'pipeline',
      toAgent: 'operator',
      topic: 'cycle.skipped',
      cycleId,
      causationId: start.id,
      payload: { reason, haltLevel },
    });
    return { cycleId, haltLevel, screened: [], candidates: [] };
  }
  const screened = screen(universe, deps.settings.topK);
  const screenMessage = await deps.publish({
    fromAgent: 'screener',
    toAgent: 'regime',
    topic: 'screen.result',
    cycleId,
    causationId: start.id,
    payload: { candidates: screened },
  });
  const bySymbol = new Map(universe.map((series) => [series.symbol, series]));
  const candidates = await mapLimit(screened, deps.settings.parallelism, (candidate) =>
    runCandidate(deps, cycleId, bySymbol.get(candidate.symbol)!, screenMessage.id, bySymbol).catch(
      async (error: unknown) => {
        const reason = `cycle step failed: ${(error as Error).message}`;
        await deps
          .publish({
            fromAgent: 'pipeline',
            toAgent: 'operator',
            topic: 'cycle.error',
            cycleId,
            causationId: screenMessage.id,
            payload: { symbol: candidate.symbol, reason },
          })
          .catch(() => {});
        return {
          symbol: candidate.symbol,
          outcome: 'error' as const,
          clientOrderId: null,
          qty: 0,
          reasons: [reason],
        };
      },
    ),
  );
  await deps.publish({
    fromAgent: 'pipeline',
    toAgent: 'operator',
    topic: 'cycle.completed',
    cycleId,
    causationId: start.id,
    payload: {
      outcomes: candidates.map(({ symbol, outcome, clientOrderId }) => ({ symbol, outcome, clientOrderId })),
    },
  });
  return { cycleId, haltLevel, screened, candidates };
}

async function runCandidate(
  deps: CycleDeps,
  cycleId: string,
  series: BarSeries,
  causationId: number,
  universe: ReadonlyMap<string, BarSeries>,
): Promise<CandidateReport> {
  const { runtime, settings } = deps;
  const symbol = series.symbol;
  const index = series.length - 1;
  const ts = new Date(deps.clock.now());
  const report = (
    outcome: CandidateOutcome,
    reasons: string[],
    clientOrderId: string | null = null,
    qty = 0,
  ): CandidateReport => ({ symbol, outcome, clientOrderId, qty, reasons });

  const regime = await runRegime(runtime, {
    series,
    index,
    timeframe: settings.timeframe,
    cycleId,
    macro: null,
  });
  const regimeMessage = await deps.publish({
    fromAgent: 'regime',
    toAgent: 'strategist',
    topic: 'regime.stance',
    cycleId,
    causationId,
    payload: outcomePayload(symbol, regime),
  });
  if (!regime.ok) {
    await deps.journal({
      ts,
      cycleId,
      symbol,
      agent: 'regime',
      outcome: 'error',
      decidedBy: 'code',
      notes: [`Regime failed, no trade: ${regime.reason}`],
      messageId: regimeMessage.id,
    });
    return report('error', [regime.reason]);
  }
  const stance: Stance = regime.value;

  const held = (await deps.portfolio()).positions.find(
    (position) => position.symbol === symbol && position.qty !== 0,
  );
  const strategist = await runStrategist(runtime, {
    series,
    index,
    timeframe: settings.timeframe,
    cycleId,
    stance: { ...stance, decidedBy: decided(regime) },
    position: held
      ? {
          side: held.qty > 0 ? 'long' : 'short',
          entryPrice: held.price,
          stopPrice: 0,
          targetPrice: null,
          openedAt: ts.toISOString(),
        }
      : null,
    rules: settings.rules,
    fallbackStrategy: deps.fallbackStrategy,
  });
  const proposalMessage = await deps.publish({
    fromAgent: 'strategist',
    toAgent: 'signers',
    topic: 'strategist.proposal',
    cycleId,
    causationId: regimeMessage.id,
    payload: outcomePayload(symbol, strategist),
  });
  const stanceJson = { ...stance, decidedBy: decided(regime) };
  if (!strategist.ok) {
    await deps.journal({
      ts,
      cycleId,
      symbol,
      agent: 'strategist',
      outcome: 'error',
      decidedBy: 'code',
      stance: stanceJson,
      notes: [`No valid proposal, so no order (fail closed): ${strategist.reason}`],
      messageId: proposalMessage.id,
    });
    return report('error', [strategist.reason]);
  }
  const proposal = toTradeProposal(strategist.value);
  if (!proposal) {
    await deps.journal({
      ts,
      cycleId,
      symbol,
      agent: 'strategist',
      outcome: 'no_trade',
      decidedBy: decided(strategist),
      proposal: { ...strategist.value },
      stance: stanceJson,
      inputs: inputsAsSeen(series, index),
      notes: fallbackNotes(regime, strategist),
      messageId: proposalMessage.id,
    });
    return report('no_trade', [strategist.value.rationale]);
  }

  const { signatures, risk, metas } = await collectSignatures(
    deps,
    cycleId,
    series,
    index,
    proposal,
    stance,
    universe,
  );
  const signatureMessage = await deps.publish({
    fromAgent: 'signature-gate',
    toAgent: 'executor',
    topic: 'signatures.collected',
    cycleId,
    causationId: proposalMessage.id,
    signatures,
    payload: {
      symbol,
      qty: risk.qty,
      riskChecks: risk.checks.map((check) => ({ ...check })),
      signers: metas,
    },
  });
  const inputs = inputsAsSeen(series, index);
  if (!allSigned(signatures, ['risk-gate', 'fact-checker', 'double-checker'])) {
    const reasons = signatures
      .filter((signature) => signature.verdict === 'veto')
      .flatMap((signature) => signature.reasons.map((reason) => `${signature.signer}: ${reason}`));
    await deps.journal({
      ts,
      cycleId,
      symbol,
      agent: 'signature-gate',
      outcome: 'vetoed',
      decidedBy: decided(strategist),
      proposal: { ...proposal },
      stance: stanceJson,
      signatures,
      inputs,
      notes: fallbackNotes(regime, strategist),
      messageId: signatureMessage.id,
    });
    return report('vetoed', reasons);
  }
  return execute(deps, {
    cycleId,
    ts,
    symbol,
    proposal,
    qty: risk.qty,
    signatures,
    stance: stanceJson,
    inputs,
    causationId: signatureMessage.id,
    notes: fallbackNotes(regime, strategist),
    decidedBy: decided(strategist),
  });
}

async function collectSignatures(
  deps: CycleDeps,
  cycleId: string,
  series: BarSeries,
  index: number,
  proposal: TradeProposal,
  stance: Stance,
  universe: ReadonlyMap<string, BarSeries>,
) {
  const { runtime, settings } = deps;
  const at = () => new Date(deps.clock.now()).toISOString();
  const riskWork = (async (): Promise<{ result: SignerResult; risk: RiskDecision }> => {
    const [portfolio, haltLevel] = await Promise.all([deps.portfolio(), deps.haltLevel().catch(() => null)]);
    // Closes of the candidate and of every open position, for the correlation check.
    const closes: Record<string, number[]> = {};
    for (const symbol of [series.symbol, ...portfolio.positions.map((position) => position.symbol)]) {
      const other = symbol === series.symbol ? series : universe.get(symbol);
      if (other) closes[symbol] = Array.from(other.close.subarray(0, other.length));
    }
    const risk = evaluateRisk(
      {
        proposal: {
          symbol: proposal.symbol,
          side: proposal.side,
          entryPrice: proposal.entryPrice,
          stopPrice: proposal.stopPrice,
          targetPrice: proposal.targetPrice,
        },
        equity: portfolio.equity,
        cash: portfolio.cash,
        dayStartEquity: portfolio.dayStartEquity,
        positions: portfolio.positions,
        symbolPnlToday: portfolio.symbolPnlToday,
        haltLevel,
        riskMultiplier: stance.riskMultiplier,
        closes,
        commissionRate: settings.commissionRate,
      },
      settings.limits,
    );
    const reasons = risk.verdict === 'sign' ? [`size ${risk.qty} within every limit`] : risk.reasons;
    return {
      result: {
        signature: { signer: 'risk-gate', verdict: risk.verdict, reasons, decidedBy: 'code', at: at() },
        meta: { skill: null, route: null, model: null, error: null },
      },
      risk,
    };
  })();
  const quote = deps.freshQuote(series.symbol);
  const factWork = agentSignature(
    'fact-checker',
    quote.then((freshQuote) =>
      runFactChecker(runtime, {
        series,
        index,
        cycleId,
        proposal,
        freshQuote,
        now: deps.clock.now(),
        maxDataAgeSeconds: settings.maxDataAgeSeconds,
      }),
    ),
    settings.signerTimeoutMs,
    at,
  );
  const doubleWork = agentSignature(
    'double-checker',
    quote.then((freshQuote) =>
      runDoubleChecker(runtime, {
        series,
        index,
        timeframe: settings.timeframe,
        cycleId,
        stance: { regime: stance.regime, bias: stance.bias, riskMultiplier: stance.riskMultiplier },
        trade: {
          side: proposal.side,
          entryType: proposal.entryType,
          entryPrice: proposal.entryPrice,
          stopPrice: proposal.stopPrice,
          targetPrice: proposal.targetPrice,
          horizonBars: proposal.horizonBars,
        },
        quote: freshQuote,
      }),
    ),
    settings.signerTimeoutMs,
    at,
  );
  // The three signers run at the same time: the cycle waits for the slowest, not for the sum.
  const [riskDone, fact, double] = await Promise.all([riskWork, factWork, doubleWork]);
  return {
    signatures: [riskDone.result.signature, fact.signature, double.signature],
    risk: riskDone.risk,
    metas: { 'risk-gate': riskDone.result.meta, 'fact-checker': fact.meta, 'double-checker': double.meta },
  };
}

interface Execution {
  cycleId: string;
  ts: Date;
  symbol: string;
  proposal: TradeProposal;
  qty: number;
  signatures: Signature[];
  stance: Record<string, unknown>;
  inputs: Record<string, unknown>;
  causationId: number;
  notes: string[];
  decidedBy: 'llm' | 'fallback';
}

async function execute(deps: CycleDeps, run: Execution): Promise<CandidateReport> {
  const { proposal, symbol, cycleId } = run;
  const clientOrderId = clientOrderIdFor(cycleId, symbol);
  const journalBase = {
    ts: run.ts,
    cycleId,
    symbol,
    agent: 'executor',
    decidedBy: run.decidedBy,
    proposal: { ...proposal },
    stance: run.stance,
    signatures: run.signatures,
    inputs: run.inputs,
    notes: run.notes,
    clientOrderId,
  };
  // Checked again right before the order leaves, not only at cycle start: a halt may have come meanwhile.
  const haltLevel = await deps.haltLevel().catch(() => null);
  if (haltLevel === null || haltLevel >= 2) {
    const reason =
      haltLevel === null ? 'halt state unreadable at submission' : `halt level ${haltLevel} at submission`;
    const message = await deps.publish({
      fromAgent: 'executor',
      toAgent: 'operator',
      topic: 'order.blocked',
      cycleId,
      causationId: run.causationId,
      payload: { symbol, clientOrderId, reason },
    });
    await deps.journal({
      ...journalBase,
      outcome: 'halted',
      broker: { status: 'not_sent', broker: deps.brokerName, clientOrderId, message: reason },
      messageId: message.id,
    });
    return { symbol, outcome: 'halted', clientOrderId, qty: 0, reasons: [reason] };
  }
  const request = {
    clientOrderId,
    symbol,
    side: proposal.side,
    type: proposal.entryType,
    qty: run.qty,
    leg: 'entry' as const,
    // A stop-loss is always attached: the signature gate only passes proposals with a stop.
    bracket: { stopLoss: proposal.stopPrice, takeProfit: proposal.targetPrice },
    referencePrice: proposal.entryPrice,
    cycleId,
    ...(proposal.entryType === 'limit' ? { limitPrice: proposal.entryPrice } : {}),
    ...(proposal.entryType === 'stop' ? { stopPrice: proposal.entryPrice } : {}),
  };
  // The intent is committed before the broker sees the order: after a crash, reconciliation finds it.
  const intent = await deps.transaction(async (tx) => {
    const message = await deps.publish(
      {
        fromAgent: 'executor',
        toAgent: 'broker',
        topic: 'order.intent',
        cycleId,
        causationId: run.causationId,
        payload: { ...request, bracket: { ...request.bracket } },
      },
      { tx },
    );
    await tx.query(pipelineSql.insertOrderIntent(), [
      clientOrderId,
      deps.brokerName,
      null,
      'entry',
      symbol,
      proposal.side,
      proposal.entryType,
      run.qty,
      request.limitPrice ?? null,
      request.stopPrice ?? null,
      cycleId,
      message.id,
    ]);
    return message;
  });
  faultPoint('before-order-submitted');
  let order: Order;
  try {
    order = await deps.broker.submit(request);
  } catch (error) {
    const reason = `broker did not take the order: ${(error as Error).message}`;
    await deps.publish({
      fromAgent: 'broker',
      toAgent: 'executor',
      topic: 'order.failed',
      cycleId,
      causationId: intent.id,
      payload: { clientOrderId, reason },
    });
    await deps.journal({
      ...journalBase,
      outcome: 'error',
      broker: { status: 'unknown', broker: deps.brokerName, clientOrderId, message: reason },
      messageId: intent.id,
    });
    return { symbol, outcome: 'error', clientOrderId, qty: run.qty, reasons: [reason] };
  }
  const submitted = await deps.transaction(async (tx) => {
    await tx.query(pipelineSql.updateOrderStatus(), [
      clientOrderId,
      order.status,
      null,
      order.reason,
      order.status === 'filled' ? order.qty : 0,
      order.fillPrice,
    ]);
    return deps.publish(
      {
        fromAgent: 'broker',
        toAgent: 'executor',
        topic: order.status === 'rejected' ? 'order.rejected' : 'order.submitted',
        cycleId,
        causationId: intent.id,
        payload: {
          clientOrderId,
          status: order.status,
          reason: order.reason,
          children: order.linkedClientOrderIds,
        },
      },
      { tx },
    );
  });
  faultPoint('after-order-submitted');
  const rejected = order.status === 'rejected';
  await deps.journal({
    ...journalBase,
    outcome: rejected ? 'rejected' : 'executed',
    broker: {
      status: order.status,
      broker: deps.brokerName,
      clientOrderId,
      message: order.reason,
      details: { qty: run.qty, children: order.linkedClientOrderIds },
    },
    messageId: submitted.id,
  });
  return {
    symbol,
    outcome: rejected ? 'rejected' : 'executed',
    clientOrderId,
    qty: run.qty,
    reasons: rejected ? [order.reason ?? 'rejected'] : [],
  };
}

/** What the agents saw, for the journal: the last bar, the indicators and the span of bars (not every bar). */
function inputsAsSeen(series: BarSeries, index: number): Record<string, unknown> {
  const first = Math.max(0, index - 59);
  return {
    market: {
      symbol: series.symbol,
      bars: `${index - first + 1} bars, ${new Date(series.time[first]!).toISOString().slice(0, 10)} → ${new Date(series.time[index]!).toISOString().slice(0, 10)}`,
      lastBar: {
        open: series.open[index]!,
        high: series.high[index]!,
        low: series.low[index]!,
        close: series.close[index]!,
      },
      indicators: { ...indicatorsAt(series, index) },
    },
  };
}

function outcomePayload<T>(symbol: string, outcome: AgentOutcome<T>): Record<string, unknown> {
  if (!outcome.ok)
    return { symbol, ok: false, code: outcome.code, reason: outcome.reason, skill: outcome.skill };
  return {
    symbol,
    ok: true,
    decidedBy: outcome.decidedBy,
    fallbackReason: outcome.fallbackReason,
    route: outcome.route,
    model: outcome.model,
    skill: outcome.skill,
    answer: outcome.value as unknown as Record<string, unknown>,
  };
}

function fallbackNotes(...outcomes: Array<AgentOutcome<Stance> | AgentOutcome<StrategistAnswer>>): string[] {
  return outcomes.flatMap((outcome) =>
    outcome.ok && outcome.decidedBy === 'fallback'
      ? [`${outcome.skill.name}: decided by the deterministic fallback (${outcome.fallbackReason})`]
      : [],
  );
}
