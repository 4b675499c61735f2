import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors/index.ts';
import type { Queryable } from '../store/index.ts';
import { JournalWriteError } from './errors.ts';
import { journalFolder, operatorLogName } from './paths.ts';
import { journalSql } from './sql.ts';

/**
 * One chat command as the journal keeps it: a line in the day's operator log
 * (`journal/<day>/operator.md`) and an `agent_journal` row (agent `operator`, outcome `command`)
 * pointing at that file. Reads (/status, /help, ...) and commands from chats not allowed land
 * here; an action (a halt, a forced exit) also writes its own decision entry, as from any channel.
 */
export const operatorLineSchema = z
  .object({
    ts: z.date(),
    channel: z.string().min(1).max(32),
    userId: z.number().int().nullable(),
    chatId: z.number().int(),
    /** The command word without the slash (`status`, `halt`, `button:fx`, ...). */
    command: z.string().min(1).max(64),
    args: z.string().max(500).default(''),
    /** False: the chat is not in the allowed list and the command was ignored. */
    allowed: z.boolean(),
    /** The `operator.command` bus message this line records. */
    messageId: z.number().int().positive().nullable().default(null),
  })
  .strict();
export type OperatorLineInput = z.input<typeof operatorLineSchema>;

/** One line of plain text: no newline a user typed can start a second line. */
const oneLine = (text: string, max: number): string => text.replace(/\s+/g, ' ').trim().slice(0, max);

export function renderOperatorLine(line: z.output<typeof operatorLineSchema>): string {
  const who = `${line.channel} user ${line.userId ?? 'unknown'} (chat ${line.chatId})`;
  const args = oneLine(line.args, 200);
  const what = `/${oneLine(line.command, 64)}${args ? ` ${args}` : ''}`;
  const verdict = line.allowed ? 'received' : 'IGNORED: chat not in the allowed list, not answered';
  return `- ${line.ts.toISOString().slice(11, 19)} ${who} \`${what.replaceAll('`', "'")}\` ${verdict}\n`;
}

/**
 * Appends the line (O_APPEND, one write, fsynced; the header is written once by whoever creates
 * the file) and inserts the row. Returns the row id and the log's relative path.
 */
export async function writeOperatorLine(
  input: OperatorLineInput,
  options: { db: Queryable; root: string },
): Promise<{ id: number; path: string }> {
  const parsed = operatorLineSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: `operatorLine.${issue.path.map(String).join('.') || '(root)'}`,
      message: issue.message,
    }));
    throw new ValidationError(
      `invalid operator line: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      issues,
      { fault: 'system', fix: 'correct the named field(s) where the chat command is recorded' },
    );
  }
  const line = parsed.data;
  const day = line.ts.toISOString().slice(0, 10);
  const relative = `${journalFolder}/${day}/${operatorLogName}`;
  const file = path.resolve(options.root, journalFolder, day, operatorLogName);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const created = await open(file, 'wx', 0o644).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return undefined;
      throw error;
    });
    if (created) {
      await created.writeFile(
        `# Operator commands, ${day} (UTC)\n\nOne line per chat command, allowed or ignored. Halts and forced exits also have their own entry in this day's journal.\n\n`,
      );
      await created.close();
    }
    const handle = await open(file, 'a', 0o644);
    try {
      await handle.write(renderOperatorLine(line));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new JournalWriteError(file, error);
  }
  const result = await options.db.query<{ id: string | number }>(journalSql.insert(), [
    line.ts,
    null,
    null,
    'operator',
    'command',
    'operator',
    null,
    line.messageId,
    relative,
    JSON.stringify({
      channel: line.channel,
      userId: line.userId,
      chatId: line.chatId,
      command: line.command,
      args: line.args,
      allowed: line.allowed,
      ignored: !line.allowed,
    }),
  ]);
  const row = result.rows[0];
  if (!row) throw new Error('agent_journal insert returned no row');
  return { id: Number(row.id), path: relative };
}
