import { strategistAnswerSchema, toTradeProposal } from '../agents/index.ts';
import { readPayload, topics } from '../bus/index.ts';
import type { Queryable } from '../store/index.ts';
import type { BarSource } from './bar-source.ts';
import { barsNeeded, type CounterfactualOutcome, replayProposal } from './counterfactual.ts';
import { challengerSql } from './sql.ts';

/** One challenger against its champion over the window (the nightly report's comparison table). */
export interface ChallengerComparison {
  challenger: string;
  champion: string;
  /** Shadow decisions (one per champion decision while the challenger was present). */
  decisions: number;
  /** Decisions where both had an answer. */
  compared: number;
  agreed: number;
  /** agreed / compared; null when nothing could be compared. */
  agreementRate: number | null;
  /** Decisions where both answered and differed, each replayed on the bars that followed. */
  divergent: Array<{
    cycleId: string;
    symbol: string;
    at: string;
    champion: DivergentSide;
    challenger: DivergentSide;
  }>;
  /** Sum of R of the trades each side proposed where they differed (a no_trade counts 0). */
  divergentR: { champion: number; challenger: number };
  cost: { calls: number; usd: number; notionalUsd: number };
}

export interface DivergentSide {
  decision: string;
  side: string | null;
  outcome: CounterfactualOutcome | null;
  r: number;
}

const round = (value: number, digits = 4) => Number(value.toFixed(digits));

async function sideOf(answer: unknown, symbol: string, at: number, bars: BarSource): Promise<DivergentSide> {
  const parsed = strategistAnswerSchema.safeParse(answer);
  if (!parsed.success) return { decision: 'none', side: null, outcome: null, r: 0 };
  const trade = toTradeProposal(parsed.data);
  if (!trade) return { decision: parsed.data.decision, side: null, outcome: null, r: 0 };
  // The vetoes' counterfactual machinery: the proposal replayed on the bars after the decision.
  const replay = replayProposal(trade, await bars.bars(symbol, at, barsNeeded(trade)));
  return { decision: 'trade', side: trade.side, outcome: replay.outcome, r: round(replay.r) };
}

/**
 * Each challenger compared with its champion over [from, to): how often it agreed, how its
 * divergent decisions would have ended next to the champion's, and what it cost. Reads only.
 */
export async function compareChallengers(
  db: Queryable,
  from: Date,
  to: Date,
  bars: BarSource,
): Promise<ChallengerComparison[]> {
  const rows = await db.query<{ id: string; ts: Date; cycle_id: string | null; payload: unknown }>(
    challengerSql.shadowDecisions(),
    [from, to, topics.strategistShadow],
  );
  // The champion's answer each shadow decision is compared with: the message it answers.
  const championAnswers = new Map<string, unknown>();
  const causes = await db.query<{ shadow_id: string; payload: unknown }>(challengerSql.championOf(), [
    rows.rows.map((row) => row.id),
  ]);
  for (const cause of causes.rows) {
    const payload = cause.payload as { answer?: unknown } | null;
    championAnswers.set(String(cause.shadow_id), payload?.answer);
  }
  const byChallenger = new Map<string, ChallengerComparison>();
  const cycles = new Set<string>();
  for (const row of rows.rows) {
    const payload = readPayload(topics.strategistShadow, {
      topic: topics.strategistShadow,
      payload: row.payload,
    });
    if (!payload) continue;
    if (row.cycle_id) cycles.add(row.cycle_id);
    const entry =
      byChallenger.get(payload.challenger) ??
      ({
        challenger: payload.challenger,
        champion: payload.champion,
        decisions: 0,
        compared: 0,
        agreed: 0,
        agreementRate: null,
        divergent: [],
        divergentR: { champion: 0, challenger: 0 },
        cost: { calls: 0, usd: 0, notionalUsd: 0 },
      } satisfies ChallengerComparison);
    byChallenger.set(payload.challenger, entry);
    entry.decisions += 1;
    if (payload.agreesWithChampion === null) continue;
    entry.compared += 1;
    if (payload.agreesWithChampion) {
      entry.agreed += 1;
      continue;
    }
    const at = new Date(row.ts).getTime();
    const champion = await sideOf(championAnswers.get(String(row.id)), payload.symbol, at, bars);
    const challenger = await sideOf(payload.answer, payload.symbol, at, bars);
    entry.divergent.push({
      cycleId: row.cycle_id ?? '',
      symbol: payload.symbol,
      at: new Date(at).toISOString(),
      champion,
      challenger,
    });
    entry.divergentR.champion = round(entry.divergentR.champion + champion.r);
    entry.divergentR.challenger = round(entry.divergentR.challenger + challenger.r);
  }
  const costs = await db.query<{ agent: string; calls: number; micro: string; notional_micro: string }>(
    challengerSql.shadowCost(),
    [from, to, [...cycles]],
  );
  for (const cost of costs.rows) {
    const entry = byChallenger.get(cost.agent.replace(/^shadow:/, ''));
    if (!entry) continue;
    entry.cost = {
      calls: cost.calls,
      usd: round(Number(cost.micro) / 1e6, 6),
      notionalUsd: round(Number(cost.notional_micro) / 1e6, 6),
    };
  }
  for (const entry of byChallenger.values())
    entry.agreementRate = entry.compared === 0 ? null : round(entry.agreed / entry.compared);
  return [...byChallenger.values()].sort((a, b) => a.challenger.localeCompare(b.challenger));
}

/** The report's "Challengers vs champions" section, in Markdown. */
export function renderChallengers(comparisons: readonly ChallengerComparison[]): string[] {
  const parts = ['## Challengers vs champions (shadow; nothing promotes itself)'];
  if (comparisons.length === 0) {
    parts.push('No challenger ran in shadow in this window.');
    return parts;
  }
  const header =
    '| challenger | champion | decisions | compared | agreement | divergent | R if challenger | R if champion | cost |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|---:|';
  const lines = comparisons.map(
    (each) =>
      `| ${each.challenger} | ${each.champion} | ${each.decisions} | ${each.compared} | ${
        each.agreementRate === null ? 'n/a' : `${(each.agreementRate * 100).toFixed(1)}%`
      } | ${each.divergent.length} | ${each.divergentR.challenger} | ${each.divergentR.champion} | $${each.cost.usd.toFixed(4)} (${each.cost.calls} calls${
        each.cost.notionalUsd > 0 ? `, $${each.cost.notionalUsd.toFixed(4)} notional` : ''
      }) |`,
  );
  parts.push([header, ...lines].join('\n'));
  parts.push(
    'Divergent decisions are replayed on the bars that followed, as the vetoed setups are. To adopt a challenger, run `signet skills promote <challenger>` and commit the diff it prints.',
  );
  return parts;
}
