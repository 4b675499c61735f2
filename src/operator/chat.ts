import { type Bus, topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { writeJournalEntry, writeOperatorLine } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { type OperatorChannel, OperatorError } from './actions.ts';
import { readPositions } from './ledger.ts';

/** One command as a chat channel received it, allowed or not. */
export interface ChatCommand {
  channel: OperatorChannel;
  userId: number | null;
  chatId: number;
  /** The command word without the slash (`status`, `halt`, `forceexit:confirm`, ...). */
  command: string;
  args: string;
  /** False when the chat is not in the allowed list: the command was ignored. */
  allowed: boolean;
}

export interface ChatDeps {
  store: Store;
  bus: Bus;
  config: Config;
  logger: Logger;
}

/**
 * Every chat command is an `operator.command` message naming the user and the chat, then a line
 * in the day's operator log (`journal/<day>/operator.md`, row outcome `command`) pointing at that
 * message. A command from a chat not allowed is recorded the same way, marked ignored.
 */
export async function recordCommand(deps: ChatDeps, command: ChatCommand): Promise<{ journalPath: string }> {
  const message = await deps.bus.publish({
    fromAgent: 'operator',
    toAgent: 'operator',
    topic: topics.operatorCommand,
    payload: { ...command },
  });
  deps.logger.info(
    {
      channel: command.channel,
      userId: command.userId,
      chatId: command.chatId,
      command: command.command,
      allowed: command.allowed,
    },
    command.allowed ? 'operator command' : 'operator command from a chat not allowed: ignored',
  );
  const written = await writeOperatorLine(
    { ts: new Date(), ...command, messageId: message.id },
    { db: deps.store, root: deps.config.paths.contextDir },
  );
  return { journalPath: written.path };
}

export interface ExitRequest {
  symbol: string;
  reason: string;
  by: OperatorChannel;
  actor?: string;
}

/**
 * Asks the brain's session to close one position: journaled first (agent operator, outcome
 * exited, the broker action left to the session), then `operator.exit_requested`, which the
 * session's consumer executes with the monitor's exit order (`runtime/operator-exit.ts`).
 */
export async function requestExit(
  deps: ChatDeps,
  request: ExitRequest,
): Promise<{ journalPath: string; messageId: number; qty: number }> {
  const symbol = request.symbol.trim().toUpperCase();
  const held = (await readPositions(deps.store)).find((row) => row.symbol === symbol && (row.qty ?? 0) !== 0);
  if (!held)
    throw new OperatorError(`no open position in ${symbol}`, {
      code: 'exit_no_position',
      fault: 'user',
      fix: 'Name a symbol from /positions.',
    });
  const written = await writeJournalEntry(
    {
      ts: new Date(),
      agent: 'operator',
      symbol,
      outcome: 'exited',
      decidedBy: 'operator',
      notes: [
        `Operator asked to close ${symbol} (${held.qty}) through the ${request.by}${request.actor ? ` (${request.actor})` : ''}: ${request.reason}`,
      ],
      summary: { by: request.by, actor: request.actor ?? null, requested: true, qty: held.qty },
    },
    { db: deps.store, root: deps.config.paths.contextDir },
  );
  const message = await deps.bus.publish({
    fromAgent: 'operator',
    toAgent: 'brain',
    topic: topics.operatorExitRequested,
    payload: {
      symbol,
      qty: held.qty,
      broker: String(held.broker),
      by: request.by,
      actor: request.actor ?? null,
      reason: request.reason,
      journalPath: written.path,
    },
  });
  deps.logger.warn({ symbol, by: request.by, actor: request.actor }, 'operator asked to close a position');
  return { journalPath: written.path, messageId: message.id, qty: held.qty ?? 0 };
}
