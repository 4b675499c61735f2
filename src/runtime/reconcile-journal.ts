import path from 'node:path';
import type { ReconcileResult, Repair } from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import type { Queryable } from '../store/index.ts';

const maxNotes = 40;

function describeRepair(repair: Repair): string {
  const show = (value: Record<string, unknown> | null) => (value ? JSON.stringify(value) : 'nothing');
  return `${repair.kind} ${repair.key}: ${show(repair.before)} → ${show(repair.after)}`.slice(0, 3_900);
}

/**
 * A journal entry for a reconciliation that changed our tables, so the operator reads in the
 * day's journal what happened at the broker while Signet was not looking (the bus has each
 * repair as a `broker.reconciled` message too).
 */
export function journalReconciliation(
  config: Config,
  db: Queryable,
): (result: ReconcileResult) => Promise<void> {
  const root = path.resolve(config.paths.contextDir);
  return async (result) => {
    const lines = result.repairs.map(describeRepair);
    const shown = lines.slice(0, maxNotes);
    if (lines.length > shown.length)
      shown.push(`… and ${lines.length - shown.length} more (signet bus replay --topic broker.reconciled)`);
    await writeJournalEntry(
      {
        ts: new Date(),
        agent: 'reconciler',
        outcome: 'reconciled',
        decidedBy: 'code',
        notes: [
          `The ${result.broker} broker is the truth: ${result.repairs.length} difference(s) with our tables repaired.`,
          ...shown,
          ...(result.unexplained.length > 0
            ? [
                `Positions no order of ours explains: ${result.unexplained.map((each) => each.symbol).join(', ')}.`,
              ]
            : []),
        ],
        summary: { broker: result.broker, repairs: result.repairs.length },
      },
      { db, root },
    );
  };
}
