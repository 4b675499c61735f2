import { z } from 'zod';
import { type AgentRuntime, runAgent } from '../agents/index.ts';
import { appendJournalResolution, JournalNotFoundError, readJournalEntry } from '../journal/index.ts';
import type { Bar } from '../market/index.ts';
import { round, tradeR } from './analyze.ts';
import type { BarSource } from './bar-source.ts';
import type { ExitRow } from './collect.ts';
import type { ClosedTrade, Records } from './records.ts';
import type { ReflectionNote } from './report-types.ts';

/** The heading the optimizer's note gets; its presence makes a second run skip the entry. */
export const reflectionLabel = 'reflection';
const marker = `## Resolution: ${reflectionLabel} (`;

export interface ReflectionDeps {
  root: string;
  bars: BarSource;
  /** With a configured LLM route, the `reflection` skill writes the text; else code does. */
  agents?: AgentRuntime | undefined;
  timeframe: string;
  now(): Date;
}

const exitReasons: Record<string, 'stop' | 'target' | 'monitor' | 'flatten' | 'manual'> = {
  stop_loss: 'stop',
  take_profit: 'target',
  exit: 'monitor',
  flatten: 'flatten',
};

interface Measured {
  direction: 1 | -1;
  side: 'long' | 'short';
  returnPct: number;
  benchmarkPct: number | null;
  resultR: number | null;
  maxFavorableR: number | null;
  maxAdverseR: number | null;
  exitReason: 'stop' | 'target' | 'monitor' | 'flatten' | 'manual';
}

/**
 * Return, the same position held over the same bars (buy-and-hold for a long, short-and-hold
 * for a short), and excursions in R. The direction is the position's: a negative qty is a short
 * (the proposal's side when the qty says nothing).
 */
export function measureTrade(trade: ClosedTrade, held: readonly Bar[]): Measured {
  const direction: 1 | -1 =
    trade.qty < 0 || (trade.qty === 0 && trade.decision?.trade?.side === 'sell') ? -1 : 1;
  const returnPct = ((trade.exitPrice - trade.entryPrice) / trade.entryPrice) * 100 * direction;
  const first = held[0];
  const last = held.at(-1);
  const benchmarkPct = first && last ? ((last.close - first.open) / first.open) * 100 * direction : null;
  const proposal = trade.decision?.trade;
  const risk = proposal ? Math.abs(proposal.entryPrice - proposal.stopPrice) : 0;
  let favorable: number | null = null;
  let adverse: number | null = null;
  if (risk > 0 && held.length > 0) {
    favorable = Math.max(
      0,
      ...held.map((bar) => ((direction === 1 ? bar.high : bar.low) - trade.entryPrice) * direction),
    );
    adverse = Math.min(
      0,
      ...held.map((bar) => ((direction === 1 ? bar.low : bar.high) - trade.entryPrice) * direction),
    );
    favorable /= risk;
    adverse /= risk;
  }
  const r = tradeR(trade);
  return {
    direction,
    side: direction === 1 ? 'long' : 'short',
    returnPct: round(returnPct),
    benchmarkPct: benchmarkPct === null ? null : round(benchmarkPct),
    resultR: r === null ? null : round(r),
    maxFavorableR: favorable === null ? null : round(favorable),
    maxAdverseR: adverse === null ? null : round(adverse),
    exitReason: exitReasons[trade.exitLeg] ?? 'manual',
  };
}

/** The note code writes when no model does: the plan, what happened, and how it compares. */
export function deterministicReflection(trade: ClosedTrade, measured: Measured): string {
  const proposal = trade.decision?.trade;
  const short = measured.side === 'short';
  const hold = short ? 'shorting and holding' : 'buying and holding';
  const plan = proposal
    ? `The plan was a ${short ? 'short sale (sell)' : proposal.side} of ${trade.symbol} near ${proposal.entryPrice} with a stop at ${proposal.stopPrice} and a target at ${proposal.targetPrice} within ${proposal.horizonBars} bars.`
    : `A ${measured.side} position in ${trade.symbol} whose proposal is not on the bus (no plan to compare with).`;
  const happened = `It closed by ${measured.exitReason} at ${round(trade.exitPrice, 4)} after ${trade.bars} bar(s): ${measured.returnPct.toFixed(2)}%${measured.resultR === null ? '' : ` (${measured.resultR.toFixed(2)} R)`}${measured.benchmarkPct === null ? '' : ` against ${measured.benchmarkPct.toFixed(2)}% for ${hold} ${trade.symbol} over the same bars`}.`;
  let lesson = 'The process was sound; the outcome was variance.';
  if (measured.benchmarkPct !== null && measured.returnPct < measured.benchmarkPct - 1)
    lesson = `${short ? 'Staying short' : 'Holding the symbol'} would have done better: the exit left the move on the table.`;
  else if (measured.exitReason === 'stop' && (measured.maxFavorableR ?? 0) >= 1)
    lesson =
      'Price went at least one R in favour before the stop: the exit plan, not the idea, decided this trade.';
  return `${plan} ${happened} ${lesson}`;
}

const reflectionAnswer = z.object({ reflection: z.string().min(1) });

async function reflectionText(
  deps: ReflectionDeps,
  trade: ClosedTrade,
  measured: Measured,
): Promise<{ text: string; decidedBy: 'llm' | 'fallback' | 'code'; note: string | null }> {
  const fallbackText = deterministicReflection(trade, measured);
  const decision = trade.decision;
  const proposal = decision?.trade;
  if (
    !deps.agents?.llm?.configured ||
    !decision ||
    !proposal ||
    !decision.stance ||
    measured.resultR === null
  )
    return { text: fallbackText, decidedBy: 'code', note: null };
  const outcome = await runAgent(deps.agents, {
    agent: 'reflection',
    skill: 'reflection',
    cycleId: decision.cycleId,
    inputs: {
      symbol: trade.symbol,
      timeframe: deps.timeframe,
      trade: { ...proposal },
      stance: {
        regime: decision.stance.regime,
        bias: decision.stance.bias,
        riskMultiplier: decision.stance.riskMultiplier,
      },
      signatures: decision.signatures.map(({ signer, verdict, reasons }) => ({ signer, verdict, reasons })),
      result: {
        exitReason: measured.exitReason,
        entryFill: trade.entryPrice,
        exitFill: trade.exitPrice,
        barsHeld: trade.bars,
        resultR: measured.resultR,
        maxFavorableR: measured.maxFavorableR ?? 0,
        maxAdverseR: measured.maxAdverseR ?? 0,
      },
    },
    narrow: reflectionAnswer,
    fallback: () => ({ reflection: fallbackText }),
  });
  if (outcome.ok) return { text: outcome.value.reflection, decidedBy: outcome.decidedBy, note: null };
  return {
    text: fallbackText,
    decidedBy: 'code',
    note: `reflection skill gave no valid answer (${outcome.reason}); code wrote this note`,
  };
}

/**
 * Appends a short reflection to each closed trade's journal entry of the window: realised return
 * against holding the same position (buy-and-hold, or short-and-hold for a short) over the same bars, and a 2–4 sentence note. An entry
 * that already has the optimizer's reflection is left alone, so running twice appends once.
 */
export async function reflectOnClosedTrades(
  deps: ReflectionDeps,
  exits: readonly ExitRow[],
  records: Records,
): Promise<ReflectionNote[]> {
  const notes: ReflectionNote[] = [];
  for (const exit of exits) {
    const trade = records.closed.find(
      (each) => each.symbol === exit.symbol && each.exitTime === exit.ts.getTime(),
    );
    const base = { path: exit.path, symbol: exit.symbol ?? '—' };
    let text: string;
    try {
      text = (await readJournalEntry({ root: deps.root, path: exit.path })).text;
    } catch (error) {
      if (!(error instanceof JournalNotFoundError)) throw error;
      notes.push({ ...base, status: 'missing_file', decidedBy: null, returnPct: null, benchmarkPct: null });
      continue;
    }
    if (!trade) continue; // an exit whose bus message is outside the window: its own night covers it
    const held = await deps.bars.bars(trade.symbol, trade.entryTime - 1, trade.bars + 1);
    const measured = measureTrade(trade, held);
    if (text.includes(marker)) {
      notes.push({
        ...base,
        status: 'already_present',
        decidedBy: null,
        returnPct: measured.returnPct,
        benchmarkPct: measured.benchmarkPct,
        side: measured.side,
      });
      continue;
    }
    const written = await reflectionText(deps, trade, measured);
    await appendJournalResolution(
      exit.path,
      {
        at: deps.now(),
        label: reflectionLabel,
        decidedBy: written.decidedBy,
        fields: {
          return_pct: measured.returnPct,
          // A short is compared with staying short over the same bars (and says so).
          ...(measured.side === 'short'
            ? { side: 'short', benchmark_short_and_hold_pct: measured.benchmarkPct }
            : { benchmark_buy_and_hold_pct: measured.benchmarkPct }),
          excess_pct:
            measured.benchmarkPct === null ? null : round(measured.returnPct - measured.benchmarkPct),
          result_r: measured.resultR,
          max_favorable_r: measured.maxFavorableR,
          max_adverse_r: measured.maxAdverseR,
          exit_reason: measured.exitReason,
          ...(written.note ? { note: written.note } : {}),
        },
        text: written.text,
      },
      { root: deps.root },
    );
    notes.push({
      ...base,
      status: 'appended',
      decidedBy: written.decidedBy,
      returnPct: measured.returnPct,
      benchmarkPct: measured.benchmarkPct,
      side: measured.side,
    });
  }
  return notes;
}
