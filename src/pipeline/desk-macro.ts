import {
  type AgentOutcome,
  type MacroSymbols,
  type MacroView,
  macroSnapshot,
  runMacroOfficer,
} from '../agents/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { CycleDeps } from './cycle-types.ts';
import type { AgentDesk } from './desk.ts';

export const defaultMacroSymbols: MacroSymbols = { index: 'SPY', sectors: [], volatilePct: 2 };

/** The journal's line on what the Macro Officer read: the real index (and from where) or the synthetic one. */
export function macroSourceNote(state: NonNullable<AgentDesk['macro']>): string {
  if (state.synthetic || state.source === 'synthetic')
    return `macro-officer: read the synthetic index ${state.index} (an equal-weight index of the traded symbols: the configured index had no bars)`;
  return state.source === 'venue-feed'
    ? `macro-officer: read ${state.index} from the venue's feed`
    : `macro-officer: read ${state.index} from the traded symbols' bars`;
}

/**
 * The Macro Officer's view of the day into `desk.macro`: kept from an earlier cycle, read back
 * from the record (after a restart), or asked now. True when asked in this cycle.
 */
export async function viewOfDay(
  deps: CycleDeps,
  desk: AgentDesk,
  cycleId: string,
  universe: readonly BarSeries[],
  day: string,
): Promise<boolean> {
  if (desk.macro?.day === day && desk.macro.outcome.ok) return false;
  if (desk.macro?.day !== day && deps.deskRecord) {
    // A view that cannot be read back is asked again: it is an input, the budget is what fails closed.
    const restored = await deps.deskRecord.macroView(day).catch((error: unknown) => {
      deps.runtime.logger.warn(
        { err: (error as Error).message, day },
        'macro view not read back: asked again',
      );
      return null;
    });
    if (restored) {
      desk.macro = { day, ...restored };
      return false;
    }
  }
  const macroSymbols = deps.settings.macro ?? defaultMacroSymbols;
  const loaded = deps.macroBars
    ? await deps.macroBars().catch((error: unknown) => {
        deps.runtime.logger.warn(
          { err: (error as Error).message },
          "the macro symbols' bars did not load: the traded symbols stand in",
        );
        return null;
      })
    : null;
  const fromFeed =
    loaded?.some((series) => series.symbol === macroSymbols.index && series.length > 0) ?? false;
  // The feed's index and sectors, with the traded bars beside them (a sector may be traded too).
  const bars = loaded ? [...loaded, ...universe] : universe;
  const snapshot = macroSnapshot(bars, universe, macroSymbols);
  const outcome: AgentOutcome<MacroView> = snapshot
    ? await runMacroOfficer(deps.runtime, {
        snapshot,
        timeframe: deps.settings.timeframe,
        cycleId,
        volatilePct: macroSymbols.volatilePct,
      })
    : { ok: false, code: 'macro_no_bars', reason: 'no index or symbol bars to read', skill: null };
  const synthetic = snapshot?.index.synthetic ?? false;
  desk.macro = {
    day,
    outcome,
    cycleId,
    index: snapshot?.index.symbol ?? macroSymbols.index,
    synthetic,
    source: !snapshot ? null : synthetic ? 'synthetic' : fromFeed ? 'venue-feed' : 'universe',
  };
  return true;
}
