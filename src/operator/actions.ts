import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import {
  type HaltState,
  type HaltStore,
  haltLevelNames,
  raiseHalt,
  readHalt,
  resumeTrading,
} from '../watchdog/index.ts';

/** The way an operator reached Signet; recorded on every action's journal entry and bus message. */
export const operatorChannels = ['cli', 'api', 'telegram'] as const;
export type OperatorChannel = (typeof operatorChannels)[number];

export class OperatorError extends SignetError {}

export interface ActionDeps {
  haltStore: HaltStore;
  config: Config;
  logger: Logger;
}

export interface HaltRequest {
  /** 1 warn, 2 no new entries, 3 reduce only, 4 flatten and lock. */
  level: number;
  reason: string;
  by: OperatorChannel;
  /** Who on that channel, when the channel knows (a Telegram user id: `telegram user 123`). */
  actor?: string;
}

export interface HaltOutcome {
  /** The halt now in force. */
  state: HaltState;
  raised: boolean;
  databaseWritten: boolean;
  /** The journal entry of this halt; null when the level already held and nothing was done. */
  journalPath: string | null;
}

/**
 * Raises the halt level (never lowers it). A level already in force is left alone and nothing
 * is journaled; otherwise the journal entry is written first, so the halt can name it for
 * `resume` to show, then `raiseHalt` writes the file, the row and the `halt.raised` message.
 */
export async function haltTrading(deps: ActionDeps, request: HaltRequest): Promise<HaltOutcome> {
  const { level } = request;
  const reason = request.reason.trim();
  if (!Number.isInteger(level) || level < 1 || level > 4)
    throw new OperatorError(`halt level ${level} must be 1, 2, 3 or 4`, {
      code: 'halt_bad_level',
      fault: 'user',
      fix: 'Give 1 (warn), 2 (no new entries), 3 (reduce only) or 4 (flatten and lock).',
    });
  if (reason.length < 3)
    throw new OperatorError('a halt must say why (at least 3 characters)', {
      code: 'halt_no_reason',
      fault: 'user',
      fix: 'Write the reason in words the next operator understands.',
    });
  // Unreadable counts as "not yet at this level": raising is the safe direction.
  const current = await readHalt(deps.haltStore).catch(() => null);
  if (current && current.level >= level)
    return { state: current, raised: false, databaseWritten: false, journalPath: null };
  const written = await writeJournalEntry(
    {
      ts: new Date(),
      agent: 'operator',
      outcome: 'halted',
      decidedBy: 'operator',
      notes: [
        `Operator raised the halt to level ${level} (${haltLevelNames[level]}) through the ${request.by}${request.actor ? ` (${request.actor})` : ''}: ${request.reason}`,
      ],
      summary: { by: request.by, level, actor: request.actor ?? null },
    },
    { db: deps.haltStore.db, root: deps.config.paths.contextDir },
  );
  const result = await raiseHalt(deps.haltStore, {
    level,
    reason: request.reason,
    setBy: 'operator',
    journalPath: written.path,
    by: request.by,
  });
  deps.logger.warn(
    { level, raised: result.raised, by: request.by, actor: request.actor, journal: written.path },
    'operator raised a halt',
  );
  return { ...result, journalPath: written.path };
}

export interface ResumeCommand {
  token: string | undefined;
  acknowledgement: string | undefined;
  /** The halt level the operator saw; the resume fails if it changed since. */
  fromLevel: number | undefined;
  by: OperatorChannel;
}

/**
 * Lowers the halt to 0 through `resumeTrading` (the token, the level seen and the
 * acknowledgement are checked there, and nowhere else), then journals who resumed (the
 * credential's label), through what, and what they checked.
 */
export async function resume(
  deps: ActionDeps,
  command: ResumeCommand,
): Promise<{ previous: HaltState; operator: string; journalPath: string }> {
  const { previous, operator } = await resumeTrading(deps.haltStore, {
    token: command.token,
    acknowledgement: command.acknowledgement,
    fromLevel: command.fromLevel,
    by: command.by,
  });
  const written = await writeJournalEntry(
    {
      ts: new Date(),
      agent: 'operator',
      outcome: 'resumed',
      decidedBy: 'operator',
      notes: [
        `${operator} resumed trading through the ${command.by} from level ${previous.level} (${previous.reason}).`,
        `Acknowledgement: ${command.acknowledgement?.trim()}`,
      ],
      summary: { by: command.by, operator, previousLevel: previous.level },
    },
    { db: deps.haltStore.db, root: deps.config.paths.contextDir },
  );
  deps.logger.warn({ operator, by: command.by, previousLevel: previous.level }, 'operator resumed trading');
  return { previous, operator, journalPath: written.path };
}
