import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { publishWith, topics } from '../bus/index.ts';
import { credentialFileFor, verifyOperatorToken, writePrivateFile } from '../credential/index.ts';
import { SignetError } from '../errors/index.ts';
import type { Queryable } from '../store/index.ts';
import { haltSql } from './sql.ts';

/**
 * The halt ladder: 0 trading, 1 warn (page only), 2 no new entries, 3 reduce only,
 * 4 flattened and locked. The level lives in two places, the database and a local file, so the
 * brain still refuses to trade when the database is gone; the effective level is the higher.
 */
export const haltStateSchema = z.object({
  level: z.number().int().min(0).max(4),
  reason: z.string().default(''),
  setBy: z.string().default('system'),
  setAt: z.string().default(''),
  journalPath: z.string().nullable().default(null),
});
export type HaltState = z.infer<typeof haltStateSchema>;

export const haltLevelNames = [
  'trading',
  'warn',
  'no new entries',
  'reduce only',
  'flatten and lock',
] as const;

export interface HaltStore {
  db: Queryable & { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> };
  /** `<dataDir>/halt.json`. */
  haltFile: string;
}

export class HaltError extends SignetError {}

const clear: HaltState = { level: 0, reason: '', setBy: 'system', setAt: '', journalPath: null };

/** The file's state; a missing file is level 0, an unreadable or corrupt one throws. */
export function readHaltFile(file: string): HaltState {
  // Read before every order and by every Risk Gate, and absent nearly always: a stat that
  // answers "no such file" without an exception costs a fifth of a failed read (whose error
  // object and stack were made and thrown away each time). Only a file missing from a folder
  // that exists is level 0 (some Node versions answer a path through a file, ENOTDIR, as
  // missing too): anything else goes on to the read, which decides. A file removed between the
  // stat and the read still reads as level 0, below.
  if (statSync(file, { throwIfNoEntry: false }) === undefined && isFolder(path.dirname(file))) return clear;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return clear;
    throw error;
  }
  return haltStateSchema.parse(JSON.parse(text));
}

function isFolder(folder: string): boolean {
  return statSync(folder, { throwIfNoEntry: false })?.isDirectory() === true;
}

// Owner-only: the file is one of the two places the halt lives, so nobody else may lower it.
function writeHaltFile(file: string, state: HaltState): void {
  writePrivateFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The halt row as read (`{ value }`, or none: level 0); a value that is not a halt state throws. */
function rowState(row: { value: unknown } | undefined): HaltState {
  return row ? haltStateSchema.parse(row.value) : clear;
}

/** The higher of the row's state and the file's (read now); throws when either cannot be read. */
function withFile(db: HaltState, haltFile: string): HaltState {
  const file = readHaltFile(haltFile);
  return db.level >= file.level ? db : file;
}

/**
 * The effective halt state: the higher of database and file. Throws when either cannot be read;
 * callers on the order path turn that into "no trading" (see haltLevelOrNull).
 */
export async function readHalt(store: HaltStore): Promise<HaltState> {
  const result = await store.db.query<{ value: unknown }>(haltSql.read(), ['halt']);
  return withFile(rowState(result.rows[0]), store.haltFile);
}

const wrappedRowSchema = z.object({ value: z.unknown() }).nullish();

/**
 * The halt read for a caller that reads the row with others in one statement: `sql` is the
 * row's read as a subquery, its value wrapped as `{ "value": … }` (so no row, SQL NULL, differs
 * from a row holding JSON null); `levelOf` judges what it gave as haltLevelOrNull does: the
 * higher of row and file, null when either cannot be read.
 */
export interface HaltRowRead {
  /** The row's read as a subquery, its value wrapped as `{ "value": … }`. */
  sql: string;
  /** The halt level from what `sql` gave and the file (read now); null when either cannot be read. */
  levelOf(wrapped: unknown): number | null;
}

export function haltRowRead(haltFile: string): HaltRowRead {
  return {
    sql: haltSql.readWrapped(),
    levelOf: (wrapped) => {
      try {
        return withFile(rowState(wrappedRowSchema.parse(wrapped) ?? undefined), haltFile).level;
      } catch {
        return null;
      }
    },
  };
}

/**
 * The halt at an order's submission, checked where the order intent is written: the file's level
 * read just before the statement, the row's inside it (`guard`, an SQL expression for
 * Bus.publishWithWrites), so a halt committed before the intent's statement is never missed,
 * and the check costs no round trip of its own.
 */
export interface SubmissionHalt {
  /** The file's level, read now; null when it cannot be read (which blocks the order). */
  fileLevel(): number | null;
  /** The row's check: true, or it raises and the intent's whole statement is undone. */
  guard: string;
  /**
   * What a failed intent statement says of the halt: the row's level when the guard refused it
   * for the level, null when the row could not be read as a halt state, undefined when the
   * failure is not the guard's.
   */
  levelOf(error: unknown): number | null | undefined;
}

/** SQLSTATEs of signet_entries_allowed (migration 0418). */
const guardUnreadable = 'SGH01';
const guardHalted = 'SGH02';

export function submissionHalt(haltFile: string): SubmissionHalt {
  return {
    fileLevel: () => {
      try {
        return readHaltFile(haltFile).level;
      } catch {
        return null;
      }
    },
    guard: haltSql.entriesAllowed(),
    levelOf: (error) => {
      const { code, detail } = (error ?? {}) as { code?: unknown; detail?: unknown };
      if (code === guardUnreadable) return null;
      if (code !== guardHalted) return undefined;
      const level = Number(detail);
      return Number.isInteger(level) ? level : null;
    },
  };
}

/** The level for the order path: null when it cannot be read, which blocks trading. */
export async function haltLevelOrNull(store: HaltStore): Promise<number | null> {
  try {
    return (await readHalt(store)).level;
  } catch {
    return null;
  }
}

/**
 * Raises the level (never lowers it): the file first, so a halt holds even when the database
 * is gone, then the database row with a `halt.raised` bus message in the same transaction.
 * Returns the state now in force and whether this call raised it.
 */
export async function raiseHalt(
  store: HaltStore,
  request: {
    level: number;
    reason: string;
    setBy: string;
    journalPath?: string | null;
    /** The channel an operator raised it through (cli, api, telegram), carried on the bus message. */
    by?: string;
  },
): Promise<{ state: HaltState; raised: boolean; databaseWritten: boolean }> {
  const state: HaltState = {
    level: request.level,
    reason: request.reason,
    setBy: request.setBy,
    setAt: new Date().toISOString(),
    journalPath: request.journalPath ?? null,
  };
  let fileState: HaltState;
  try {
    fileState = readHaltFile(store.haltFile);
  } catch {
    fileState = clear; // a corrupt file is overwritten by the higher state below
  }
  const fileRaised = state.level > fileState.level;
  if (fileRaised) writeHaltFile(store.haltFile, state);
  try {
    const raised = await store.db.transaction(async (tx) => {
      await tx.query(haltSql.lock());
      const current = await tx.query<{ value: unknown }>(haltSql.readForUpdate());
      const existing = haltStateSchema.parse(current.rows[0]?.value ?? clear);
      if (existing.level >= state.level) return false;
      await tx.query(haltSql.write(), [JSON.stringify(state), request.setBy]);
      await publishWith(tx, {
        fromAgent: request.setBy === 'operator' ? 'operator' : 'watchdog',
        toAgent: 'operator',
        topic: topics.haltRaised,
        payload: {
          ...state,
          previousLevel: existing.level,
          ...(request.by === undefined ? {} : { by: request.by }),
        },
      });
      return true;
    });
    return {
      state: raised ? state : await readHalt(store),
      raised: raised || fileRaised,
      databaseWritten: true,
    };
  } catch {
    return { state: fileRaised ? state : fileState, raised: fileRaised, databaseWritten: false };
  }
}

export interface ResumeRequest {
  token: string | undefined;
  acknowledgement: string | undefined;
  /** The level the operator saw before deciding: the resume fails if it changed since. */
  fromLevel: number | undefined;
  /** The channel the operator resumed through (cli, api, telegram), carried on the bus message. */
  by?: string;
}

/**
 * The only way down the ladder: a token that verifies against the operator credential stored at
 * set-up (never one the caller's environment supplies), a written acknowledgement of what was
 * checked, and the level the operator saw, compared and set in one transaction (an L4 raised
 * after the operator looked is not cleared). Both copies (file and database) go back to 0, the
 * resume is a bus message, and who resumed is the credential's label.
 */
export async function resumeTrading(
  store: HaltStore,
  request: ResumeRequest,
): Promise<{ previous: HaltState; operator: string }> {
  if (!request.token) throw badToken();
  const acknowledgement = request.acknowledgement?.trim() ?? '';
  if (acknowledgement.length < 10) {
    throw new HaltError(
      'resume refused: write what you checked (at least 10 characters) as the acknowledgement',
      {
        code: 'resume_no_ack',
        fault: 'user',
        fix: 'signet resume --from-level <level> --ack "checked positions at the broker, stops attached, cause fixed"',
      },
    );
  }
  const fromLevel = request.fromLevel;
  if (fromLevel === undefined || !Number.isInteger(fromLevel) || fromLevel < 0 || fromLevel > 4)
    throw new HaltError('resume refused: name the halt level you saw (0-4)', {
      code: 'resume_no_level',
      fault: 'user',
      fix: 'Read `signet status`, then pass that level: signet resume --from-level <level>.',
    });
  let verified: { label: string } | null;
  try {
    verified = await verifyOperatorToken(
      { db: store.db, file: credentialFileFor(path.dirname(store.haltFile)) },
      request.token,
    );
  } catch (error) {
    if (error instanceof SignetError)
      throw new HaltError(`resume refused: ${error.message}`, {
        code: `resume_${error.code}`,
        fault: error.fault,
        ...(error.fix === undefined ? {} : { fix: error.fix }),
      });
    throw error;
  }
  if (!verified) throw badToken();
  const operator = verified.label;
  const resumed: HaltState = {
    level: 0,
    reason: `resumed: ${acknowledgement}`,
    setBy: operator,
    setAt: new Date().toISOString(),
    journalPath: null,
  };
  const previous = await store.db.transaction(async (tx) => {
    await tx.query(haltSql.lock());
    const row = await tx.query<{ value: unknown }>(haltSql.readForUpdate());
    const database = haltStateSchema.parse(row.rows[0]?.value ?? clear);
    const file = readHaltFile(store.haltFile);
    const current = database.level >= file.level ? database : file;
    if (current.level !== fromLevel)
      throw new HaltError(
        `resume refused: the halt level is ${current.level} now, not ${fromLevel} as you saw (${current.reason || 'no reason'})`,
        {
          code: 'resume_level_changed',
          fault: 'user',
          fix: 'Read `signet status` again, check what changed, then resume from the level in force.',
        },
      );
    await tx.query(haltSql.write(), [JSON.stringify(resumed), operator]);
    await publishWith(tx, {
      fromAgent: 'operator',
      toAgent: 'watchdog',
      topic: topics.haltResumed,
      payload: {
        operator,
        acknowledgement,
        previousLevel: current.level,
        previousReason: current.reason,
        at: resumed.setAt,
        ...(request.by === undefined ? {} : { by: request.by }),
      },
    });
    return current;
  });
  // A halt raised into the file while this transaction waited is kept (raising writes the file first).
  const fileNow = (() => {
    try {
      return readHaltFile(store.haltFile);
    } catch {
      return clear;
    }
  })();
  if (fileNow.level <= previous.level) writeHaltFile(store.haltFile, resumed);
  return { previous, operator };
}

function badToken(): HaltError {
  return new HaltError('resume refused: the operator token is missing or wrong', {
    code: 'resume_bad_token',
    fault: 'user',
    fix: 'Pass the operator token set up for this installation (--token-file or --token-stdin).',
  });
}

export function haltFileFor(dataPath: string): string {
  return path.join(dataPath, 'halt.json');
}
