/**
 * What the full pipeline decided over a backtest: how many proposals, how many became orders,
 * and why the others were vetoed, counted by reason. A reason's figures differ from cycle to
 * cycle, so reasons are grouped with their numbers masked ("close # < sma50 #"), each group
 * keeping its first reason as it was written.
 */
export interface VetoReasonCount {
  /** The reason with its numbers masked as "#": the grouping key. */
  reason: string;
  count: number;
  /** The first reason of the group, as the signer wrote it. */
  example: string;
}

export interface DecisionTally {
  cycles: number;
  /** Candidates the Strategist proposed a trade for. */
  proposals: number;
  executed: number;
  vetoed: number;
  rejected: number;
  halted: number;
  errors: number;
  noTrade: number;
  /** executed / proposals, rounded to 4 decimals; null without a proposal. */
  executedPerProposal: number | null;
  /** Most frequent first; a proposal vetoed for two reasons counts in both. */
  vetoReasons: VetoReasonCount[];
}

export interface TalliedCandidate {
  outcome: 'no_trade' | 'vetoed' | 'executed' | 'rejected' | 'error' | 'halted';
  proposed: boolean;
  /** For a veto: "<signer>: <reason>" per reason of each signer that vetoed. */
  reasons: readonly string[];
}

/** A number standing alone (not the 14 of "RSI14" or the 50 of "sma50"). */
const standaloneNumber = /(?<![A-Za-z_\d.])-?\d+(?:\.\d+)?(?:e-?\d+)?/g;

export function maskNumbers(reason: string): string {
  return reason.replace(standaloneNumber, '#');
}

/** Signers append "(fallback: why)" to their reasons: a note on who decided, not a reason. */
const fallbackNote = /^[a-z-]+: \(fallback: .*\)$/;

export class DecisionTallyCounter {
  #cycles = 0;
  #counts = { proposals: 0, executed: 0, vetoed: 0, rejected: 0, halted: 0, errors: 0, noTrade: 0 };
  readonly #reasons = new Map<string, VetoReasonCount>();

  addCycle(candidates: readonly TalliedCandidate[]): void {
    this.#cycles += 1;
    for (const candidate of candidates) {
      if (candidate.proposed) this.#counts.proposals += 1;
      switch (candidate.outcome) {
        case 'executed':
          this.#counts.executed += 1;
          break;
        case 'vetoed':
          this.#counts.vetoed += 1;
          for (const reason of candidate.reasons) {
            if (fallbackNote.test(reason)) continue;
            const key = maskNumbers(reason);
            const group = this.#reasons.get(key);
            if (group) group.count += 1;
            else this.#reasons.set(key, { reason: key, count: 1, example: reason });
          }
          break;
        case 'rejected':
          this.#counts.rejected += 1;
          break;
        case 'halted':
          this.#counts.halted += 1;
          break;
        case 'error':
          this.#counts.errors += 1;
          break;
        case 'no_trade':
          this.#counts.noTrade += 1;
          break;
      }
    }
  }

  tally(): DecisionTally {
    const { proposals, executed } = this.#counts;
    return {
      cycles: this.#cycles,
      ...this.#counts,
      executedPerProposal: proposals > 0 ? Number((executed / proposals).toFixed(4)) : null,
      vetoReasons: [...this.#reasons.values()].sort(
        (a, b) => b.count - a.count || a.reason.localeCompare(b.reason),
      ),
    };
  }
}

/** The tally as lines for the text summary. */
export function tallyLines(tally: DecisionTally): string[] {
  const share =
    tally.executedPerProposal === null ? 'n/a' : `${(tally.executedPerProposal * 100).toFixed(1)} %`;
  const lines = [
    `decisions     ${tally.cycles} cycles: ${tally.proposals} proposals, ${tally.executed} executed (${share} of proposals), ${tally.vetoed} vetoed, ${tally.rejected} rejected, ${tally.errors} errors`,
  ];
  tally.vetoReasons.forEach((group, at) => {
    lines.push(`${at === 0 ? 'vetoes        ' : '              '}${group.count}× ${group.reason}`);
  });
  return lines;
}
