import { timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { publishWith, topics } from '../bus/index.ts';
import type { Secret } from '../config/index.ts';
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return clear;
    throw error;
  }
  return haltStateSchema.parse(JSON.parse(text));
}

function writeHaltFile(file: string, state: HaltState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, file);
}

async function readDb(db: Queryable): Promise<HaltState> {
  const result = await db.query<{ value: unknown }>(haltSql.read());
  const row = result.rows[0];
  return row ? haltStateSchema.parse(row.value) : clear;
}

/**
 * The effective halt state: the higher of database and file. Throws when either cannot be read;
 * callers on the order path turn that into "no trading" (see haltLevelOrNull).
 */
export async function readHalt(store: HaltStore): Promise<HaltState> {
  const file = readHaltFile(store.haltFile);
  const db = await readDb(store.db);
  return db.level >= file.level ? db : file;
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

function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compare in constant time; lengths differing is not a secret worth hiding.
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ResumeRequest {
  token: string | undefined;
  acknowledgement: string | undefined;
  operator: string;
  /** The channel the operator resumed through (cli, api, telegram), carried on the bus message. */
  by?: string;
}

/**
 * The only way down the ladder: the operator's token and a written acknowledgement of what was
 * checked. Both copies (file and database) go back to 0 and the resume is a bus message.
 */
export async function resumeTrading(
  store: HaltStore,
  operatorToken: Secret | undefined,
  request: ResumeRequest,
): Promise<{ previous: HaltState }> {
  if (!operatorToken) {
    throw new HaltError('resume refused: no operator token is configured', {
      code: 'resume_no_token_configured',
      fault: 'user',
      fix: 'Set SIGNET_OPERATOR_TOKEN in the environment of Signet and of the operator.',
    });
  }
  if (!request.token || !tokensMatch(request.token, operatorToken.reveal())) {
    throw new HaltError('resume refused: the operator token is missing or wrong', {
      code: 'resume_bad_token',
      fault: 'user',
      fix: 'Pass the operator token (SIGNET_OPERATOR_TOKEN, or --token-file).',
    });
  }
  const acknowledgement = request.acknowledgement?.trim() ?? '';
  if (acknowledgement.length < 10) {
    throw new HaltError(
      'resume refused: write what you checked (at least 10 characters) as the acknowledgement',
      {
        code: 'resume_no_ack',
        fault: 'user',
        fix: 'signet resume --ack "checked positions at the broker, stops attached, cause fixed"',
      },
    );
  }
  const previous = await readHalt(store);
  const resumed: HaltState = {
    level: 0,
    reason: `resumed: ${acknowledgement}`,
    setBy: request.operator,
    setAt: new Date().toISOString(),
    journalPath: null,
  };
  await store.db.transaction(async (tx) => {
    await tx.query(haltSql.lock());
    await tx.query(haltSql.readForUpdate());
    await tx.query(haltSql.write(), [JSON.stringify(resumed), request.operator]);
    await publishWith(tx, {
      fromAgent: 'operator',
      toAgent: 'watchdog',
      topic: topics.haltResumed,
      payload: {
        operator: request.operator,
        acknowledgement,
        previousLevel: previous.level,
        previousReason: previous.reason,
        at: resumed.setAt,
        ...(request.by === undefined ? {} : { by: request.by }),
      },
    });
  });
  writeHaltFile(store.haltFile, resumed);
  return { previous };
}

export function haltFileFor(dataPath: string): string {
  return path.join(dataPath, 'halt.json');
}
