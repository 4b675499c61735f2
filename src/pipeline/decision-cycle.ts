import {
  runRegime,
  runStrategist,
  type Stance,
  type StrategistRequest,
  toTradeProposal,
} from '../agents/index.ts';
import { topics } from '../bus/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';
import type { BarSeries } from '../market/index.ts';
import { newsForCandidate } from '../news/index.ts';
import { withFields } from '../platform/index.ts';
import { candidateFailed } from './candidate-failed.ts';
import { cycleWithClock, type Send } from './clocked.ts';
import { inFlight, mapLimit, RankedTurns } from './concurrency.ts';
import {
  entryNaming,
  fallbackNotes,
  inputsAsSeen,
  macroSide,
  type NamedEntry,
  outcomePayload,
  withNews,
  writtenOf,
} from './cycle-notes.ts';
import type { CandidateOutcome, CandidateReport, CycleDeps, CycleReport } from './cycle-types.ts';
import { type DeskView, deskOf, openDesk } from './desk.ts';
import { execute } from './execute.ts';
import { proposalOnTicks } from './price-grid.ts';
import { screen } from './screen.ts';
import { runShadows } from './shadow.ts';
import { allSigned } from './signatures.ts';
import { collectSignatures } from './signing.ts';

const decided = (outcome: { decidedBy: 'llm' | 'fallback' }) => outcome.decidedBy;

/** Journals a decision; the cycle awaits the write at its end. */
type CandidateJournal = (entry: JournalEntryInput | NamedEntry) => void;

/** The cycle's deps with the step's clock on every message, and a sender (ids before commits). */
type ClockedDeps = CycleDeps & { send: Send };

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
  const deps: ClockedDeps = cycleWithClock(clockless);
  const at = () => new Date(deps.clock.now()).toISOString();
  // Sent, not awaited: every later message of the cycle names it (a cause whose write fails
  // fails its answers too, see PublishBatcher), and the cycle's last message awaits its commit.
  const start = await deps.send({
    fromAgent: 'scheduler',
    toAgent: 'pipeline',
    topic: topics.cycleStarted,
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
      topic: topics.cycleSkipped,
      cycleId,
      causationId: start.id,
      payload: { reason, haltLevel },
    });
    return { cycleId, haltLevel, screened: [], candidates: [] };
  }
  // The Macro Officer's view and the CEO's budget first: every candidate is decided under them.
  const desk = deskOf(clockless);
  const view = await openDesk(deps, desk, cycleId, universe, start.id);
  const stances = new Map<string, Stance>();
  const screened = screen(universe, deps.settings.topK);
  const screenMessage = await deps.send({
    fromAgent: 'screener',
    toAgent: 'regime',
    topic: topics.screenResult,
    cycleId,
    causationId: start.id,
    payload: { candidates: screened },
  });
  const bySymbol = new Map(universe.map((series) => [series.symbol, series]));
  // Challengers run in shadow beside the signers; the cycle waits for them only at its end.
  const shadows: Array<Promise<void>> = [];
  const failed = candidateFailed(deps, cycleId, screenMessage.id);
  // Every decision is journaled while the next candidates are decided (its file's fsyncs, and
  // the commit of the message it names, were most of a candidate's time); the cycle ends only
  // with every entry written, and a candidate whose entry (or that message) could not be
  // written is reported failed, as if it had been awaited.
  // Candidates are decided side by side, but their Risk Gates read the account one at a time in
  // the screener's order: each sees the positions, the working entries and the day's budget as
  // every candidate ranked above it left them (no trade, vetoed, or its order intent committed);
  // the FactChecker and the DoubleChecker answer meanwhile. Read side by side, two correlated
  // candidates each passed the limit the other was about to break, and which one traded depended
  // on timing (100 symbols: 122 trades where one at a time made 60, and not the same ones twice).
  const turns = new RankedTurns(screened.length);
  const decided = await mapLimit(screened, deps.settings.parallelism, async (candidate, rank) => {
    const writes: Array<Promise<void>> = [];
    const journal: CandidateJournal = (entry) => {
      // A named entry fails with its message whatever the journal does with `rowAfter`.
      const write =
        'written' in entry
          ? Promise.all([
              entry.written,
              entry.entry.then((ready) => deps.journal(ready, { rowAfter: entry.written })),
            ]).then(() => undefined)
          : deps.journal(entry);
      writes.push(inFlight(write));
    };
    const report = await runCandidate(
      deps,
      cycleId,
      bySymbol.get(candidate.symbol)!,
      screenMessage.id,
      bySymbol,
      view,
      stances,
      shadows,
      journal,
      () => turns.before(rank),
    )
      .catch(failed(candidate.symbol))
      .finally(() => turns.finish(rank));
    return { report, writes };
  });
  // A cycle ends with its calls' cost rows in the table: written now, beside the journal's last
  // writes; the challengers' (they may still be answering) once they are done.
  const settleLedger = () =>
    deps.runtime.llm
      ?.settle()
      .catch((error: unknown) =>
        deps.runtime.logger.error({ err: error, cycleId }, 'LLM cost ledger rows lost in this cycle'),
      );
  const ledgerWritten = settleLedger();
  const candidates = await Promise.all(
    decided.map(({ report, writes }) => Promise.all(writes).then(() => report, failed(report.symbol))),
  );
  await Promise.all(shadows);
  await ledgerWritten;
  await settleLedger();
  await view.written;
  desk.record(view.budget.day, candidates, stances);
  // Sent like the cycle's other messages (a publish would take its id from the sequence and
  // make the next cycle draw ids again), and committed before the cycle returns.
  await writtenOf(
    deps.send({
      fromAgent: 'pipeline',
      toAgent: 'operator',
      topic: topics.cycleCompleted,
      cycleId,
      causationId: start.id,
      payload: {
        outcomes: candidates.map(({ symbol, outcome, clientOrderId }) => ({
          symbol,
          outcome,
          clientOrderId,
        })),
        macroViewId: view.macroMessageId,
        ceoBudgetId: view.budget.messageId,
        newPositionsToday: view.budget.used(),
      },
    }),
  );
  return { cycleId, haltLevel, screened, candidates };
}

async function runCandidate(
  deps: ClockedDeps,
  cycleId: string,
  series: BarSeries,
  causationId: number,
  universe: ReadonlyMap<string, BarSeries>,
  view: DeskView,
  stances: Map<string, Stance>,
  shadows: Array<Promise<void>>,
  journal: CandidateJournal,
  /** Resolves when this candidate's Risk Gate may read the account: every candidate ranked above it is done. */
  accountTurn: () => Promise<void>,
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
  ): CandidateReport => ({ symbol, outcome, proposed: outcome === 'vetoed', clientOrderId, qty, reasons });

  const regime = await runRegime(runtime, {
    series,
    index,
    timeframe: settings.timeframe,
    cycleId,
    macro: view.macroText,
  });
  // The stance's message commits while the strategist works: the proposal's message needs only
  // its id (drawn ahead), and nothing leaves (no order, no journal entry) before it is written.
  const regimeSent = inFlight(
    deps.send({
      fromAgent: 'regime',
      toAgent: 'strategist',
      topic: topics.regimeStance,
      cycleId,
      causationId,
      // Side by side: the symbol's stance and the market's view the same cycle had.
      payload: withFields(outcomePayload(symbol, regime), { macro: macroSide(view) }),
    }),
  );
  if (!regime.ok) {
    journal(
      entryNaming(regimeSent, {
        ts,
        cycleId,
        symbol,
        agent: 'regime',
        outcome: 'error',
        decidedBy: 'code',
        notes: [`Regime failed, no trade: ${regime.reason}`],
      }),
    );
    return report('error', [regime.reason]);
  }
  const stance: Stance = regime.value;
  stances.set(symbol, stance);

  const held = (await deps.portfolio()).positions.find(
    (position) => position.symbol === symbol && position.qty !== 0,
  );
  // Headlines no later than the bar being decided: the Strategist and the FactChecker see the same.
  const newsSource = deps.news ?? runtime.news;
  const news = await newsForCandidate(newsSource?.feed, symbol, series.time[index]!, {
    lookbackMs: newsSource?.lookbackMs ?? 0,
    limit: newsSource?.limit ?? 0,
  });
  const strategistRequest: StrategistRequest = {
    series,
    index,
    timeframe: settings.timeframe,
    cycleId,
    stance: withFields(stance, { decidedBy: decided(regime) }),
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
    news: news.shown,
  };
  const strategist = await runStrategist(runtime, strategistRequest);
  const regimeMessage = await regimeSent;
  // Likewise the proposal's message commits while the signers judge it.
  const proposalSent = inFlight(
    deps.send({
      fromAgent: 'strategist',
      toAgent: 'signers',
      topic: topics.strategistProposal,
      cycleId,
      causationId: regimeMessage.id,
      payload: outcomePayload(symbol, strategist),
    }),
  );
  shadows.push(runShadows(deps, strategistRequest, strategist, inFlight(writtenOf(proposalSent))));
  const stanceJson = withFields(stance, {
    decidedBy: decided(regime),
    macro: macroSide(view),
    ceo: {
      day: view.budget.day,
      stance: view.budget.stance,
      riskMultiplierCap: view.budget.riskMultiplierCap,
      maxNewPositions: view.budget.maxNewPositions,
      directiveId: view.budget.directiveId,
    },
  });
  // The Strategist's own decision (an error, no trade) is journaled under its proposal's message.
  const strategistEntry = { ts, cycleId, symbol, agent: 'strategist', stance: stanceJson };
  if (!strategist.ok) {
    journal(
      entryNaming(
        proposalSent,
        withFields(strategistEntry, {
          outcome: 'error',
          decidedBy: 'code',
          notes: [`No valid proposal, so no order (fail closed): ${strategist.reason}`],
        }),
      ),
    );
    return report('error', [strategist.reason]);
  }
  const answered = toTradeProposal(strategist.value);
  if (!answered) {
    journal(
      entryNaming(
        proposalSent,
        withFields(strategistEntry, {
          outcome: 'no_trade',
          decidedBy: decided(strategist),
          proposal: { ...strategist.value },
          inputs: withNews(inputsAsSeen(series, index), news.shown),
          notes: [...fallbackNotes(regime, strategist), ...news.notes],
        }),
      ),
    );
    return report('no_trade', [strategist.value.rationale]);
  }
  // Signers judge the prices that will be sent: the proposal on the venue's tick.
  const { proposal, moved } = proposalOnTicks(answered, settings.rules.priceTick);
  const notes = [
    ...fallbackNotes(regime, strategist),
    ...(moved.length > 0 ? [`prices put on the venue's tick: ${moved.join(', ')}`] : []),
    ...news.notes,
  ];

  const { signatures, risk, metas } = await collectSignatures(
    deps,
    cycleId,
    series,
    index,
    proposal,
    stance,
    universe,
    news.shown,
    view.budget,
    accountTurn,
  );
  // A slot of the day's budget taken at signing is given back when no order will leave.
  const signed = allSigned(signatures, ['risk-gate', 'fact-checker', 'double-checker']);
  if (risk.verdict === 'sign' && !signed) view.budget.release();
  const proposalMessage = await proposalSent;
  // Sent now, so the bus keeps the cycle's order (its id comes before the next candidate's
  // messages, run after run: a replay repeats the log); committed behind a veto (the journal
  // entry names it once written) and awaited before an order.
  const signatureSent = inFlight(
    deps.send({
      fromAgent: 'signature-gate',
      toAgent: 'executor',
      topic: topics.signaturesCollected,
      cycleId,
      causationId: proposalMessage.id,
      signatures,
      payload: {
        symbol,
        qty: risk.qty,
        riskChecks: risk.checks.map((check) => ({ ...check })),
        signers: metas,
        ...(moved.length > 0 ? { pricesOnTick: moved } : {}),
      },
    }),
  );
  const inputs = withNews(inputsAsSeen(series, index), news.shown);
  if (!signed) {
    const reasons = signatures
      .filter((signature) => signature.verdict === 'veto')
      .flatMap((signature) => signature.reasons.map((reason) => `${signature.signer}: ${reason}`));
    journal(
      entryNaming(signatureSent, {
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
        notes,
      }),
    );
    return report('vetoed', reasons);
  }
  // Fail closed: no order before the stance, the proposal and the signatures are all committed,
  // and the cycle's macro view and budget they were decided under.
  const [signatureMessage] = await Promise.all([
    writtenOf(signatureSent),
    regimeMessage.written,
    proposalMessage.written,
    view.written,
  ]);
  // The executor's entry is written like every other decision's: while the next candidates are
  // decided, the cycle ending only once it is (a failed write reports the candidate failed).
  const journalInFlight: CycleDeps['journal'] = async (entry) => journal(entry);
  const executed = await execute(withFields(deps, { journal: journalInFlight }), {
    cycleId,
    ts,
    symbol,
    proposal,
    qty: risk.qty,
    signatures,
    stance: stanceJson,
    inputs,
    causationId: signatureMessage.id,
    notes,
    decidedBy: decided(strategist),
  });
  // Refused by the broker, or stopped by a halt read again: no position was opened. An error
  // (submission unknown) keeps its slot: it may have opened one.
  if (executed.outcome === 'rejected' || executed.outcome === 'halted') view.budget.release();
  return executed;
}
