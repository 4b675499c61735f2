import {
  type AgentOutcome,
  type CeoBudget,
  type CeoLimits,
  clampBudget,
  type DayTally,
  type MacroView,
  runCeo,
  type Stance,
} from '../agents/index.ts';
import { topics } from '../bus/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { Send } from './clocked.ts';
import { inFlight } from './concurrency.ts';
import { outcomePayload } from './cycle-notes.ts';
import { closedBudget, closedView, macroText } from './desk-closed.ts';
import { defaultMacroSymbols, macroSourceNote, viewOfDay } from './desk-macro.ts';
import type { MacroSource } from './desk-record.ts';

export { defaultMacroSymbols };

import { withFields } from '../platform/index.ts';
import type { CandidateReport, CycleDeps } from './cycle-types.ts';

export const defaultCeoLimits: CeoLimits = { maxRiskMultiplierCap: 1, maxNewPositions: 5 };

/** The day's budget as one cycle applies it; `reserve` and `release` count new positions. */
export interface CycleBudget {
  day: string;
  stance: string;
  riskMultiplierCap: number;
  maxNewPositions: number;
  /** The day's `ceo.directive` message, null when the CEO could not decide (budget closed). */
  directiveId: number | null;
  /** This cycle's `ceo.budget` message. */
  messageId: number;
  /** New positions signed today so far (reserved at signing, released when the order never left). */
  used(): number;
  reserve(): void;
  release(): void;
}

export interface DeskView {
  macro: (MacroView & { decidedBy: string }) | null;
  /** The Macro Officer's view as the Regime agent's `macro` input. */
  macroText: string | null;
  macroMessageId: number;
  budget: CycleBudget;
  /**
   * This cycle's `macro.view` and `ceo.budget` committed: sent, not awaited, so the first
   * candidate is decided while they commit; an order waits for it (fail closed), and so does
   * the cycle's end.
   */
  written: Promise<void>;
}

interface DayState {
  day: string;
  budget: CeoBudget;
  directiveId: number;
  /** The cycle the directive was published in (explain finds it there). */
  directiveCycleId: string;
  used: number;
}

/**
 * What the Macro Officer and the CEO keep between cycles of one session: the session's macro
 * view, the day's budget and its count of new positions, the journal's outcomes by day, and the
 * Regime agent's latest stances. A restart starts a new desk; with a `DeskRecord` (sessions) it
 * reads the day's view and budget back and counts the day's new positions from the ledger.
 */
export class AgentDesk {
  macro: {
    day: string;
    outcome: AgentOutcome<MacroView>;
    cycleId: string;
    index: string;
    synthetic: boolean;
    source: MacroSource | null;
  } | null = null;
  day: DayState | null = null;
  readonly tallies = new Map<string, DayTally>();
  readonly stances = new Map<string, Stance>();

  /** Counts a cycle's decisions for the next day's CEO, and keeps the Regime agent's stances. */
  record(day: string, candidates: readonly CandidateReport[], stances: ReadonlyMap<string, Stance>): void {
    const tally = this.tallies.get(day) ?? emptyTally(day);
    for (const candidate of candidates) {
      tally.decisions += 1;
      if (candidate.outcome === 'executed') tally.executed += 1;
      else if (candidate.outcome === 'vetoed') tally.vetoed += 1;
      else if (candidate.outcome === 'no_trade') tally.noTrade += 1;
      else if (candidate.outcome === 'error' || candidate.outcome === 'rejected') tally.errors += 1;
    }
    this.tallies.set(day, tally);
    for (const [symbol, stance] of stances) this.stances.set(symbol, stance);
  }

  /** The last day before `day` with a tally (older days are dropped). */
  yesterday(day: string): DayTally {
    const before = [...this.tallies.keys()].filter((each) => each < day).sort();
    for (const old of before.slice(0, -1)) this.tallies.delete(old);
    const last = before.at(-1);
    return last ? { ...this.tallies.get(last)! } : emptyTally(null);
  }
}

function emptyTally(day: string | null): DayTally {
  return { day, decisions: 0, executed: 0, vetoed: 0, errors: 0, noTrade: 0 };
}

const desks = new WeakMap<object, AgentDesk>();

/** The desk of a session: the deps' own, else one kept per deps object. */
export function deskOf(deps: CycleDeps): AgentDesk {
  if (deps.desk) return deps.desk;
  let desk = desks.get(deps);
  if (!desk) {
    desk = new AgentDesk();
    desks.set(deps, desk);
  }
  return desk;
}

/** The trading day of a time: its UTC date (the NYSE session and the sim's 21:00 UTC bars fall inside one). */
export const tradingDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/**
 * The Macro Officer (once per session day) and the CEO (once per day), then each cycle's record of
 * both: a `macro.view` and a `ceo.budget` message in every cycle, the day's `ceo.directive` and
 * its journal entry in the day's first. A failed Macro Officer or CEO is not kept (the next cycle
 * asks again) and closes this cycle's budget: no new position, multiplier cap 0. With a
 * `DeskRecord` (the sessions; never the backtest, which never restarts), a new desk reads the
 * day's view and directive back instead of asking again, and every cycle counts the day's new
 * positions from the ledger; a day state that cannot be read closes the budget (fail closed).
 */
export async function openDesk(
  deps: CycleDeps & { send: Send },
  desk: AgentDesk,
  cycleId: string,
  universe: readonly BarSeries[],
  causationId: number,
): Promise<DeskView> {
  const { runtime, settings } = deps;
  const record = deps.deskRecord;
  const limits = settings.ceo ?? defaultCeoLimits;
  const now = deps.clock.now();
  const day = tradingDay(now);
  const deskField = record ? { desk: record.key } : {};

  const fresh = await viewOfDay(deps, desk, cycleId, universe, day);
  const macroState = desk.macro!;
  const macroOutcome = macroState.outcome;
  const macroMessage = await deps.send({
    fromAgent: 'macro-officer',
    toAgent: 'regime',
    topic: topics.macroView,
    cycleId,
    causationId,
    payload: withFields(outcomePayload(macroState.index, macroOutcome), {
      // The view is the market's, not one symbol's: the optimizer compares it with every stance.
      symbol: null,
      index: macroState.index,
      synthetic: macroState.synthetic,
      source: macroState.source,
      day,
      fresh,
      computedInCycle: macroState.cycleId,
      ...deskField,
    }),
  });
  const macro = macroOutcome.ok
    ? withFields(macroOutcome.value, { decidedBy: macroOutcome.decidedBy })
    : null;
  const closed = (directiveId: number | null, reason: string) =>
    closedView(deps, cycleId, day, directiveId, macro, macroMessage, reason);
  // The day state unreadable: no new positions, and the journal says why (its write is best effort).
  const failClosed = async (directiveId: number | null, reason: string) => {
    const view = await closed(directiveId, reason);
    await deps
      .journal({
        ts: new Date(now),
        cycleId,
        agent: 'ceo',
        outcome: 'error',
        decidedBy: 'code',
        notes: [`No new positions in this cycle (fail closed): ${reason}`],
        messageId: view.budget.messageId,
        summary: { day },
      })
      .catch((error: unknown) =>
        runtime.logger.error(
          { err: (error as Error).message, cycleId, reason },
          'desk fail-closed entry not journaled',
        ),
      );
    return view;
  };

  if (desk.day?.day !== day && record) {
    // After a restart: the day's kept directive stands; the CEO is not asked a second time.
    const found = await record.directive(day).then(
      (directive) => ({ directive }),
      (error: unknown) => ({ error: (error as Error).message }),
    );
    if ('error' in found)
      return failClosed(
        null,
        `the day's CEO budget could not be read back (${found.error}): no new positions`,
      );
    if (found.directive)
      desk.day = {
        day,
        budget: found.directive.budget,
        directiveId: found.directive.messageId,
        directiveCycleId: found.directive.cycleId,
        used: 0,
      };
  }
  if (desk.day?.day !== day && macro) {
    const request = {
      day,
      cycleId,
      macro,
      regimes: [...desk.stances].map(([symbol, stance]) => ({
        symbol,
        regime: stance.regime,
        bias: stance.bias,
        riskMultiplier: stance.riskMultiplier,
      })),
      yesterday: await yesterdayOf(deps, desk, day),
      limits,
    };
    const outcome = await runCeo(runtime, request);
    const clamped = outcome.ok ? clampBudget(outcome.value, limits) : null;
    const directive = await deps.publish({
      fromAgent: 'ceo',
      toAgent: 'pipeline',
      topic: topics.ceoDirective,
      cycleId,
      causationId: macroMessage.id,
      payload: withFields(outcomePayload('*', outcome), {
        symbol: null,
        day,
        applied: clamped?.budget ?? closedBudget(outcome.ok ? '' : outcome.reason),
        clamped: clamped?.clamped ?? [],
        yesterday: { ...request.yesterday },
        ...deskField,
      }),
    });
    await deps.journal({
      ts: new Date(now),
      cycleId,
      agent: 'ceo',
      outcome: outcome.ok ? 'signed' : 'error',
      decidedBy: outcome.ok ? outcome.decidedBy : 'code',
      stance: clamped ? withFields(clamped.budget, { day, macro: { ...macro } }) : null,
      inputs: {
        ceo: { yesterday: { ...request.yesterday }, regimes: request.regimes, limits: { ...limits } },
        'macro-officer': {
          index: macroState.index,
          synthetic: macroState.synthetic,
          source: macroState.source,
        },
      },
      notes: [
        ...(outcome.ok
          ? [
              `The day's budget: stance ${clamped!.budget.stance}, Regime multiplier capped at ${clamped!.budget.riskMultiplierCap}, at most ${clamped!.budget.maxNewPositions} new position(s).`,
              ...clamped!.clamped,
              ...(outcome.decidedBy === 'fallback'
                ? [`ceo: decided by the deterministic fallback (${outcome.fallbackReason})`]
                : []),
            ]
          : [`CEO failed, no new positions in this cycle (fail closed): ${outcome.reason}`]),
        macroSourceNote(macroState),
      ],
      messageId: directive.id,
      summary: { day },
    });
    if (clamped)
      desk.day = {
        day,
        budget: clamped.budget,
        directiveId: directive.id,
        directiveCycleId: cycleId,
        used: 0,
      };
    else return closed(directive.id, `CEO failed: ${outcome.ok ? '' : outcome.reason}`);
  }
  if (desk.day?.day !== day) return closed(null, 'the Macro Officer gave no view, so the CEO set no budget');
  const state = desk.day!;
  if (record) {
    // The day's slots are what the ledger holds, read each cycle (an order refused since frees one).
    const counted = await record.newPositions(day).then(
      (used) => ({ used }),
      (error: unknown) => ({ error: (error as Error).message }),
    );
    if ('error' in counted)
      return failClosed(
        state.directiveId,
        `the day's new positions could not be counted (${counted.error}): no new positions`,
      );
    state.used = counted.used;
  }
  const budgetMessage = await deps.send({
    fromAgent: 'ceo',
    toAgent: 'risk-gate',
    topic: topics.ceoBudget,
    cycleId,
    causationId: state.directiveId,
    payload: {
      day,
      directiveId: state.directiveId,
      directiveCycleId: state.directiveCycleId,
      stance: state.budget.stance,
      riskMultiplierCap: state.budget.riskMultiplierCap,
      maxNewPositions: state.budget.maxNewPositions,
      newPositionsToday: state.used,
      ...deskField,
    },
  });
  return {
    macro,
    macroText: macroText(macro),
    macroMessageId: macroMessage.id,
    written: inFlight(Promise.all([macroMessage.written, budgetMessage.written]).then(() => undefined)),
    budget: {
      day,
      stance: state.budget.stance,
      riskMultiplierCap: state.budget.riskMultiplierCap,
      maxNewPositions: state.budget.maxNewPositions,
      directiveId: state.directiveId,
      messageId: budgetMessage.id,
      used: () => state.used,
      reserve: () => {
        state.used += 1;
      },
      release: () => {
        state.used = Math.max(0, state.used - 1);
      },
    },
  };
}

/** Yesterday's outcomes for the CEO: the desk's own count, else (a new desk) the record's. */
async function yesterdayOf(deps: CycleDeps, desk: AgentDesk, day: string): Promise<DayTally> {
  const kept = desk.yesterday(day);
  if (kept.day !== null || !deps.deskRecord) return kept;
  return deps.deskRecord.yesterday(day).catch((error: unknown) => {
    deps.runtime.logger.warn({ err: (error as Error).message, day }, "yesterday's outcomes not read back");
    return kept;
  });
}
