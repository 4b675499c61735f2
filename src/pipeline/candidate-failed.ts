import { topics } from '../bus/index.ts';
import type { CandidateReport, CycleDeps } from './cycle-types.ts';

/** What a candidate whose step threw reports, after telling the operator. */
export function candidateFailed(deps: CycleDeps, cycleId: string, causationId: number) {
  return (symbol: string) =>
    async (error: unknown): Promise<CandidateReport> => {
      const reason = `cycle step failed: ${(error as Error).message}`;
      await deps
        .publish({
          fromAgent: 'pipeline',
          toAgent: 'operator',
          topic: topics.cycleError,
          cycleId,
          causationId,
          payload: { symbol, reason },
        })
        .catch(() => {});
      // A failure this far out cannot say whether a proposal was made: counted as none.
      return { symbol, outcome: 'error', proposed: false, clientOrderId: null, qty: 0, reasons: [reason] };
    };
}
