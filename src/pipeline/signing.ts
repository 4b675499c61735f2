import { runDoubleChecker, runFactChecker, type Stance, type TradeProposal } from '../agents/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { HeadlineShown } from '../news/index.ts';
import type { CycleDeps, PendingEntryRow } from './cycle-types.ts';
import type { CycleBudget } from './desk.ts';
import { evaluateRisk, type RiskDecision, type RiskPosition } from './risk-gate.ts';
import { agentSignature, type SignerResult } from './signatures.ts';
import { pipelineSql } from './sql.ts';

/**
 * The account's entry orders that may still fill (working, waiting, or sent without a known
 * answer), priced at their limit or stop, else at the symbol's last close. A read that fails
 * fails the candidate: exposure that cannot be counted is not assumed to be none.
 */
export async function pendingEntriesOf(
  deps: Pick<CycleDeps, 'query' | 'brokerName'>,
  universe: ReadonlyMap<string, BarSeries>,
): Promise<RiskPosition[]> {
  const rows = await deps.query<{ symbol: string; qty: string | number; price: string | number | null }>(
    pipelineSql.pendingEntries(),
    [deps.brokerName],
  );
  return priced(
    rows.rows.map((row) => ({
      symbol: row.symbol,
      qty: Number(row.qty),
      price: row.price === null ? null : Number(row.price),
    })),
    universe,
  );
}

function priced(rows: readonly PendingEntryRow[], universe: ReadonlyMap<string, BarSeries>): RiskPosition[] {
  return rows.map((row) => {
    const series = universe.get(row.symbol);
    const lastClose = series && series.length > 0 ? series.close[series.length - 1]! : 0;
    return { symbol: row.symbol, qty: row.qty, price: row.price ?? lastClose };
  });
}

/**
 * What the Risk Gate reads of the account besides the portfolio: the halt level (null when it
 * cannot be read: a veto) and the pending entries, in one statement where the deps offer it.
 */
async function haltAndPendingOf(
  deps: CycleDeps,
  universe: ReadonlyMap<string, BarSeries>,
): Promise<{ haltLevel: number | null; pendingEntries: RiskPosition[] }> {
  if (deps.haltAndPendingEntries) {
    const read = await deps.haltAndPendingEntries();
    return { haltLevel: read.haltLevel, pendingEntries: priced(read.entries, universe) };
  }
  const [haltLevel, pendingEntries] = await Promise.all([
    deps.haltLevel().catch(() => null),
    pendingEntriesOf(deps, universe),
  ]);
  return { haltLevel, pendingEntries };
}

/**
 * The three signatures of a proposal, asked in parallel: the Risk Gate (code: sizing, halt,
 * limits, correlation), the FactChecker and the DoubleChecker. Any veto, error or timeout is a veto.
 * The Risk Gate reads the account only once `accountTurn` resolves (the cycle's candidates ranked
 * above this one have ended, see RankedTurns); the other two answer meanwhile.
 */
export async function collectSignatures(
  deps: CycleDeps,
  cycleId: string,
  series: BarSeries,
  index: number,
  proposal: TradeProposal,
  stance: Stance,
  universe: ReadonlyMap<string, BarSeries>,
  news: HeadlineShown[] = [],
  budget: CycleBudget | null = null,
  accountTurn: () => Promise<void> = async () => {},
) {
  const { runtime, settings } = deps;
  const at = () => new Date(deps.clock.now()).toISOString();
  const quote = deps.freshQuote(series.symbol);
  const riskWork = (async (): Promise<{ result: SignerResult; risk: RiskDecision }> => {
    await accountTurn();
    const [portfolio, { haltLevel, pendingEntries }, freshQuote] = await Promise.all([
      deps.portfolio(),
      haltAndPendingOf(deps, universe),
      quote,
    ]);
    // Closes of the candidate and of every open position, for the correlation check.
    const closes: Record<string, ArrayLike<number>> = {};
    const held = [...portfolio.positions, ...pendingEntries].map((position) => position.symbol);
    for (const symbol of [series.symbol, ...held]) {
      const other = symbol === series.symbol ? series : universe.get(symbol);
      // A view of the bars shown so far: the gate reads the last few, a copy of all was garbage.
      if (other) closes[symbol] = other.close.subarray(0, other.length);
    }
    // The gate checks and sizes the candidate's order at the fresh quote on the broker's account:
    // of the model's proposal only the side, and the entry, stop and target it checks.
    const risk = evaluateRisk(
      {
        symbol: series.symbol,
        proposal: {
          symbol: proposal.symbol,
          side: proposal.side,
          entryPrice: proposal.entryPrice,
          stopPrice: proposal.stopPrice,
          targetPrice: proposal.targetPrice,
        },
        quote: {
          last: freshQuote.last,
          bid: freshQuote.bid,
          ask: freshQuote.ask,
          ageSeconds: Math.max(0, (deps.clock.now() - Date.parse(freshQuote.t)) / 1000),
        },
        maxQuoteAgeSeconds: settings.maxDataAgeSeconds,
        equity: portfolio.equity,
        cash: portfolio.cash,
        dayStartEquity: portfolio.dayStartEquity,
        positions: portfolio.positions,
        pendingEntries,
        symbolPnlToday: portfolio.symbolPnlToday,
        haltLevel,
        riskMultiplier: stance.riskMultiplier,
        minRewardToRisk: settings.rules.minRewardToRisk,
        closes,
        commissionRate: settings.commissionRate,
        allowShort: settings.rules.allowShort,
        ...(budget
          ? {
              budget: {
                riskMultiplierCap: budget.riskMultiplierCap,
                maxNewPositions: budget.maxNewPositions,
                newPositionsToday: budget.used(),
              },
            }
          : {}),
      },
      settings.limits,
    );
    // Counted in the same turn as the check (no await between): parallel candidates cannot both
    // take the day's last slot. Released by the cycle when the order never leaves.
    if (risk.verdict === 'sign') budget?.reserve();
    const reasons = risk.verdict === 'sign' ? [`size ${risk.qty} within every limit`] : risk.reasons;
    return {
      result: {
        signature: { signer: 'risk-gate', verdict: risk.verdict, reasons, decidedBy: 'code', at: at() },
        meta: { skill: null, route: null, model: null, error: null },
      },
      risk,
    };
  })();
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
        factTolerancePct: settings.factTolerancePct,
        news,
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
        minRewardToRisk: settings.rules.minRewardToRisk,
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
