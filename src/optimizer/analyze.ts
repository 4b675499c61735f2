import { DeciderTally } from '../agents/index.ts';
import { topics } from '../bus/index.ts';
import type { BarSource } from './bar-source.ts';
import type { OptimizerInputs } from './collect.ts';
import { barsNeeded, replayProposal } from './counterfactual.ts';
import type { ClosedTrade, Decision, Records } from './records.ts';
import type {
  LlmUse,
  LlmUseRow,
  RegimeMacro,
  SignerPrecision,
  StrategyStats,
  VetoedSetup,
} from './report-types.ts';

export const round = (value: number, digits = 4) => Number(value.toFixed(digits));
const ratio = (part: number, whole: number) => (whole > 0 ? round(part / whole) : null);

export function isVetoed(decision: Decision): boolean {
  return decision.signatures.some((signature) => signature.verdict === 'veto');
}
export function isSigned(decision: Decision): boolean {
  return decision.signatures.length > 0 && !isVetoed(decision);
}

/** Veto reasons grouped: figures replaced by "#" so "entry 101.2 is 3.1% away" groups with its kin. */
export function reasonGroup(reason: string): string {
  return reason
    .replace(/-?\d+(?:\.\d+)?/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

/** Result of a closed trade in R: pnl / (|entry − stop| of its proposal × |qty|); a short's qty is negative. */
export function tradeR(trade: ClosedTrade): number | null {
  const proposal = trade.decision?.trade;
  if (!proposal) return null;
  const risk = Math.abs(proposal.entryPrice - proposal.stopPrice) * Math.abs(trade.qty);
  return risk > 0 ? trade.pnl / risk : null;
}

function emptyStats(key: string, skill: string, decidedBy: string): StrategyStats {
  return {
    key,
    skill,
    decidedBy,
    decisions: 0,
    proposals: 0,
    noTrade: 0,
    signed: 0,
    vetoed: 0,
    vetoRate: null,
    vetoesBySigner: {},
    vetoReasons: [],
    byRegime: {},
    entryFills: 0,
    closedTrades: 0,
    pnl: 0,
    wins: 0,
    winRate: null,
    averageR: null,
  };
}

export function strategyStats(records: Records): StrategyStats[] {
  const stats = new Map<string, StrategyStats>();
  const reasons = new Map<string, Map<string, { signer: string; reason: string; count: number }>>();
  const rs = new Map<string, number[]>();
  const of = (decision: Decision | undefined): StrategyStats => {
    const key = decision?.strategy ?? 'unattributed';
    let found = stats.get(key);
    if (!found) {
      found = emptyStats(key, decision?.skill ?? 'unknown', decision?.decidedBy ?? 'unknown');
      stats.set(key, found);
    }
    return found;
  };
  for (const decision of records.decisions) {
    const entry = of(decision);
    entry.decisions += 1;
    if (!decision.trade) {
      entry.noTrade += 1;
      continue;
    }
    entry.proposals += 1;
    const regime = decision.stance?.regime ?? 'unknown';
    const byRegime = entry.byRegime[regime] ?? { proposals: 0, vetoed: 0 };
    byRegime.proposals += 1;
    entry.byRegime[regime] = byRegime;
    if (isSigned(decision)) entry.signed += 1;
    if (!isVetoed(decision)) continue;
    entry.vetoed += 1;
    byRegime.vetoed += 1;
    const grouped = reasons.get(entry.key) ?? new Map();
    reasons.set(entry.key, grouped);
    for (const signature of decision.signatures) {
      if (signature.verdict !== 'veto') continue;
      entry.vetoesBySigner[signature.signer] = (entry.vetoesBySigner[signature.signer] ?? 0) + 1;
      for (const reason of signature.reasons.length > 0 ? signature.reasons : ['(no reason given)']) {
        const group = reasonGroup(reason);
        const id = `${signature.signer}\u0000${group}`;
        const counted = grouped.get(id) ?? { signer: signature.signer, reason: group, count: 0 };
        counted.count += 1;
        grouped.set(id, counted);
      }
    }
  }
  for (const fill of records.fills) if (fill.leg === 'entry') of(fill.decision).entryFills += 1;
  for (const trade of records.closed) {
    const entry = of(trade.decision);
    entry.closedTrades += 1;
    entry.pnl += trade.pnl;
    if (trade.pnl > 0) entry.wins += 1;
    const r = tradeR(trade);
    if (r !== null) rs.set(entry.key, [...(rs.get(entry.key) ?? []), r]);
  }
  for (const entry of stats.values()) {
    entry.vetoRate = ratio(entry.vetoed, entry.signed + entry.vetoed);
    entry.winRate = ratio(entry.wins, entry.closedTrades);
    entry.pnl = round(entry.pnl, 2);
    const list = rs.get(entry.key) ?? [];
    entry.averageR = list.length > 0 ? round(list.reduce((sum, r) => sum + r, 0) / list.length) : null;
    entry.vetoReasons = [...(reasons.get(entry.key)?.values() ?? [])].sort(
      (a, b) => b.count - a.count || a.signer.localeCompare(b.signer) || a.reason.localeCompare(b.reason),
    );
  }
  return [...stats.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Replays every vetoed trade proposal of the window on the bars that followed it. */
export async function vetoedSetups(records: Records, bars: BarSource): Promise<VetoedSetup[]> {
  const setups: VetoedSetup[] = [];
  for (const decision of records.decisions) {
    if (!decision.trade || !isVetoed(decision)) continue;
    const later = await bars.bars(decision.symbol, decision.at.getTime(), barsNeeded(decision.trade));
    const counterfactual = replayProposal(decision.trade, later);
    const vetoes = decision.signatures.filter((signature) => signature.verdict === 'veto');
    setups.push({
      cycleId: decision.cycleId,
      symbol: decision.symbol,
      at: decision.at.toISOString(),
      strategy: decision.strategy,
      vetoedBy: vetoes.map((signature) => signature.signer),
      reasons: vetoes.flatMap((signature) =>
        signature.reasons.map((reason) => `${signature.signer}: ${reason}`),
      ),
      qty: decision.qty,
      trade: {
        side: decision.trade.side,
        entryType: decision.trade.entryType,
        entryPrice: decision.trade.entryPrice,
        stopPrice: decision.trade.stopPrice,
        targetPrice: decision.trade.targetPrice,
        horizonBars: decision.trade.horizonBars,
      },
      counterfactual: {
        ...counterfactual,
        perShare: round(counterfactual.perShare),
        r: round(counterfactual.r),
      },
      // perShare is already in the trade's direction (a short gains when the price falls).
      pnl: round(counterfactual.perShare * Math.abs(decision.qty), 2),
    });
  }
  return setups;
}

/** Per signer: how the setups it vetoed would have ended. A setup vetoed by two signers counts for both. */
export function signerPrecision(setups: readonly VetoedSetup[]): SignerPrecision[] {
  const bySigner = new Map<string, SignerPrecision>();
  for (const setup of setups) {
    for (const signer of new Set(setup.vetoedBy)) {
      const entry = bySigner.get(signer) ?? {
        signer,
        vetoes: 0,
        saved: 0,
        cost: 0,
        undecided: 0,
        undecidedR: 0,
        notEntered: 0,
        noData: 0,
        precision: null,
        forgoneR: 0,
        forgonePnl: 0,
      };
      entry.vetoes += 1;
      const { outcome, r } = setup.counterfactual;
      if (outcome === 'stop') entry.saved += 1;
      else if (outcome === 'target') entry.cost += 1;
      else if (outcome === 'horizon') {
        entry.undecided += 1;
        entry.undecidedR += r;
      } else if (outcome === 'not_entered') entry.notEntered += 1;
      else entry.noData += 1;
      entry.forgoneR += r;
      entry.forgonePnl += setup.pnl;
      bySigner.set(signer, entry);
    }
  }
  return [...bySigner.values()]
    .map((entry) => ({
      ...entry,
      undecidedR: round(entry.undecidedR),
      forgoneR: round(entry.forgoneR),
      forgonePnl: round(entry.forgonePnl, 2),
      precision: ratio(entry.saved, entry.saved + entry.cost),
    }))
    .sort((a, b) => a.signer.localeCompare(b.signer));
}

const viewOf = (payload: unknown): { regime: string | null; bias: string | null } | null => {
  if (!payload || typeof payload !== 'object') return null;
  const record = payload as Record<string, unknown>;
  if (record.ok === false) return null;
  const answer = (record.answer ?? record) as Record<string, unknown>;
  const regime = typeof answer.regime === 'string' ? answer.regime : null;
  const bias = typeof answer.bias === 'string' ? answer.bias : null;
  return regime === null && bias === null ? null : { regime, bias };
};

const trends = new Set(['trending_up', 'trending_down']);

/**
 * A disagreement is a conflict of direction or of kind, never a mere difference of words: the
 * biases point opposite ways (long against short), or one calls the market volatile while the
 * other calls a trend. A market-wide neutral view against one symbol's trend is no disagreement.
 */
export function disagrees(
  stance: { regime: string; bias: string },
  macro: { regime: string | null; bias: string | null },
): boolean {
  const opposite =
    (stance.bias === 'long' && macro.bias === 'short') || (stance.bias === 'short' && macro.bias === 'long');
  const kind =
    (macro.regime === 'volatile' && trends.has(stance.regime)) ||
    (stance.regime === 'volatile' && macro.regime !== null && trends.has(macro.regime));
  return opposite || kind;
}

export const repeatedDisagreements = 3;

interface Pair {
  cycleId: string;
  symbol: string;
  regime: string;
  macro: string;
  disagrees: boolean;
}

/** Each stance beside the macro view of its cycle (and symbol, when the macro view names one). */
function pairsOf(records: Pick<Records, 'stances' | 'macro'>): Pair[] {
  const stancesByCycle = new Map<string, Records['stances']>();
  for (const stance of records.stances) {
    const list = stancesByCycle.get(stance.cycleId) ?? [];
    list.push(stance);
    stancesByCycle.set(stance.cycleId, list);
  }
  const pairs: Pair[] = [];
  for (const macro of records.macro) {
    const view = viewOf(macro.payload);
    if (!view || !macro.cycleId) continue;
    const symbol =
      macro.payload &&
      typeof macro.payload === 'object' &&
      typeof (macro.payload as { symbol?: unknown }).symbol === 'string'
        ? (macro.payload as { symbol: string }).symbol
        : null;
    for (const stance of stancesByCycle.get(macro.cycleId) ?? []) {
      if (symbol !== null && stance.symbol !== symbol) continue;
      pairs.push({
        cycleId: stance.cycleId,
        symbol: stance.symbol,
        regime: `${stance.regime}/${stance.bias}`,
        macro: [view.regime, view.bias].filter((part) => part !== null).join('/'),
        disagrees: disagrees(stance, view),
      });
    }
  }
  return pairs;
}

/**
 * Regime agent vs. Macro Officer, cycle by cycle: the window's comparisons per symbol, and each
 * symbol's disagreements over the week ending with the window (`week`; default the window), flagged
 * at three or more.
 */
export function regimeVersusMacro(
  records: Records,
  week: Pick<Records, 'stances' | 'macro'> = records,
): RegimeMacro {
  const result: RegimeMacro = {
    macroWired: records.macro.length > 0,
    macroMessages: records.macro.length,
    compared: 0,
    disagreements: 0,
    examples: [],
    rows: [],
  };
  const weekly = new Map<string, number>();
  for (const pair of pairsOf(week))
    if (pair.disagrees) weekly.set(pair.symbol, (weekly.get(pair.symbol) ?? 0) + 1);
  const rows = new Map<string, NonNullable<RegimeMacro['rows']>[number]>();
  for (const pair of pairsOf(records)) {
    result.compared += 1;
    const row = rows.get(pair.symbol) ?? {
      symbol: pair.symbol,
      compared: 0,
      disagreements: 0,
      weekDisagreements: weekly.get(pair.symbol) ?? 0,
      lastRegime: pair.regime,
      lastMacro: pair.macro,
      flagged: false,
    };
    row.compared += 1;
    row.lastRegime = pair.regime;
    row.lastMacro = pair.macro;
    row.flagged = row.weekDisagreements >= repeatedDisagreements;
    rows.set(pair.symbol, row);
    if (!pair.disagrees) continue;
    row.disagreements += 1;
    result.disagreements += 1;
    if (result.examples.length < 10)
      result.examples.push({
        cycleId: pair.cycleId,
        symbol: pair.symbol,
        regime: pair.regime,
        macro: pair.macro,
      });
  }
  result.rows = [...rows.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
  return result;
}

const usd = (micro: number) => round(micro / 1e6, 6);

export function llmUse(inputs: OptimizerInputs, records: Records): LlmUse {
  const rows = new Map<string, LlmUseRow & { costMicro: number; notionalMicro: number }>();
  const prompts = new Map<
    string,
    {
      requestHash: string;
      agent: string;
      skill: string;
      calls: number;
      costMicro: number;
      notionalMicro: number;
    }
  >();
  for (const row of inputs.ledger) {
    const id = `${row.agent}\u0000${row.route}`;
    const entry = rows.get(id) ?? {
      agent: row.agent,
      route: row.route,
      calls: 0,
      ok: 0,
      failed: 0,
      repairs: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      notionalUsd: 0,
      costMicro: 0,
      notionalMicro: 0,
    };
    entry.calls += 1;
    if (row.outcome === 'ok') entry.ok += 1;
    else entry.failed += 1;
    if (row.attempt > 1) entry.repairs += 1;
    entry.inputTokens += row.inputTokens;
    entry.outputTokens += row.outputTokens;
    if (row.costIsNotional) entry.notionalMicro += row.costMicroUsd;
    else entry.costMicro += row.costMicroUsd;
    rows.set(id, entry);
    if (row.requestHash) {
      const prompt = prompts.get(row.requestHash) ?? {
        requestHash: row.requestHash,
        agent: row.agent,
        skill: row.skill,
        calls: 0,
        costMicro: 0,
        notionalMicro: 0,
      };
      prompt.calls += 1;
      if (row.costIsNotional) prompt.notionalMicro += row.costMicroUsd;
      else prompt.costMicro += row.costMicroUsd;
      prompts.set(row.requestHash, prompt);
    }
  }
  const list = [...rows.values()]
    .map(({ costMicro, notionalMicro, ...rest }) => ({
      ...rest,
      costUsd: usd(costMicro),
      notionalUsd: usd(notionalMicro),
    }))
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.route.localeCompare(b.route));
  const sum = (pick: (row: LlmUseRow) => number) => list.reduce((total, row) => total + pick(row), 0);
  const failovers = new Map<string, { agent: string; answeredBy: string; count: number }>();
  const openings = new Map<string, number>();
  let budgetStops = 0;
  const rejections = new Map<string, { route: string; skill: string; message: string; count: number }>();
  for (const event of inputs.llmEvents) {
    const payload = (event.payload ?? {}) as Record<string, unknown>;
    if (event.topic === topics.llmFailover) {
      const agent = String(payload.agent ?? 'unknown');
      const answeredBy = String(payload.answeredBy ?? 'unknown');
      const id = `${agent}\u0000${answeredBy}`;
      const entry = failovers.get(id) ?? { agent, answeredBy, count: 0 };
      entry.count += 1;
      failovers.set(id, entry);
    } else if (event.topic === topics.llmBreaker && payload.to === 'open') {
      const route = String(payload.route ?? 'unknown');
      openings.set(route, (openings.get(route) ?? 0) + 1);
    } else if (event.topic === topics.llmBudget) budgetStops += 1;
    else if (event.topic === topics.llmRequestRejected) {
      const route = String(payload.route ?? 'unknown');
      const skill = String(payload.skill ?? 'unknown');
      const id = `${route}\u0000${skill}`;
      const entry = rejections.get(id) ?? {
        route,
        skill,
        message: String(payload.providerMessage ?? ''),
        count: 0,
      };
      entry.count += 1;
      rejections.set(id, entry);
    }
  }
  const tally = new DeciderTally();
  for (const decider of records.deciders)
    tally.record(
      decider.decidedBy === 'llm' || decider.decidedBy === 'fallback'
        ? { ok: true, decidedBy: decider.decidedBy, route: decider.route, model: decider.model }
        : { ok: false },
    );
  const fallbackDecisions: Record<string, number> = {};
  for (const decider of records.deciders)
    if (decider.decidedBy === 'fallback')
      fallbackDecisions[decider.agent] = (fallbackDecisions[decider.agent] ?? 0) + 1;
  return {
    rows: list,
    totals: {
      calls: sum((row) => row.calls),
      ok: sum((row) => row.ok),
      failed: sum((row) => row.failed),
      repairs: sum((row) => row.repairs),
      inputTokens: sum((row) => row.inputTokens),
      outputTokens: sum((row) => row.outputTokens),
      costUsd: round(
        sum((row) => row.costUsd),
        6,
      ),
      notionalUsd: round(
        sum((row) => row.notionalUsd),
        6,
      ),
    },
    failovers: [...failovers.values()].sort((a, b) => b.count - a.count || a.agent.localeCompare(b.agent)),
    breakerOpenings: [...openings.entries()]
      .map(([route, count]) => ({ route, count }))
      .sort((a, b) => b.count - a.count || a.route.localeCompare(b.route)),
    budgetStops,
    fallbackDecisions,
    deciders: tally.counts(),
    requestRejections: [...rejections.values()].sort(
      (a, b) => b.count - a.count || a.route.localeCompare(b.route) || a.skill.localeCompare(b.skill),
    ),
    topPrompts: [...prompts.values()]
      .sort(
        (a, b) =>
          b.costMicro + b.notionalMicro - (a.costMicro + a.notionalMicro) ||
          b.calls - a.calls ||
          a.requestHash.localeCompare(b.requestHash),
      )
      .slice(0, 5)
      .map(({ costMicro, notionalMicro, ...rest }) => ({
        ...rest,
        costUsd: usd(costMicro),
        notionalUsd: usd(notionalMicro),
      })),
  };
}
