import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { venueFor } from '../venues/index.ts';

/**
 * One leading brain per account. The leader holds a PostgreSQL session advisory lock on its own
 * connection for as long as it lives: the server drops it the moment that connection ends, a
 * kill -9 included, so a standby never needs a lease timeout to know the leader is gone. Every
 * other brain on the same account stands by: no cycles, no orders, no reconciliation writes.
 */

/** The account a brain trades: the venue (the broker's name in our tables) and its account. */
export interface LeaderAccount {
  venue: string;
  accountId: string;
}

/**
 * The settings that name an account at a venue (Alpaca: mode and host; MT5: terminal and magic;
 * IBKR: the Gateway's host and port, which log in one account, and `account` when several are managed).
 */
const accountSettings = ['mode', 'tradingUrl', 'terminalId', 'magic', 'host', 'port', 'account'] as const;

/**
 * The account the lock is keyed on, known before any broker is asked: the sim's one paper account,
 * or for a market venue the settings that name its account (signet.yaml's `broker.<kind>`; never a
 * secret). Timeframes, symbols and timeouts are not part of it: changing them is the same account.
 */
export function leaderAccountOf(config: Config): LeaderAccount {
  const venue = venueFor(config);
  if (!venue.market) return { venue: venue.kind, accountId: 'sim' };
  const section: unknown = Object.entries(config.broker).find(([key]) => key === venue.kind)?.[1];
  const named =
    typeof section === 'object' && section !== null
      ? accountSettings.flatMap((name) => {
          const value: unknown = Object.entries(section).find(([key]) => key === name)?.[1];
          return value === undefined ? [] : [`${name}=${String(value)}`];
        })
      : [];
  return { venue: venue.kind, accountId: named.length > 0 ? named.join(';') : 'default' };
}

/** The lock's 64-bit key: a hash of `signet-brain:<venue>:<account>`, as PostgreSQL's bigint. */
export function leaderLockKey(account: LeaderAccount): string {
  const digest = createHash('sha256').update(`signet-brain:${account.venue}:${account.accountId}`).digest();
  return digest.readBigInt64BE(0).toString();
}

export interface Leadership {
  readonly key: string;
  /**
   * Whether this brain holds the lock now. False from the moment its lock connection is lost
   * until it is taken again: no cycle and no order starts meanwhile.
   */
  held(): boolean;
  /** Resolves when another brain took the lock after this one lost it: this brain must stop. */
  readonly lost: Promise<Error>;
  /** Gives the lock up (a clean stop); the standby takes over. Safe to call twice. */
  release(): Promise<void>;
}

export interface LeadOptions {
  store: Pick<Store, 'connectClient'>;
  account: LeaderAccount;
  logger: Logger;
  /** How often a standby asks for the lock again. */
  pollMs?: number;
  /** Called once when the lock is held by another brain; what it returns is undone on leading. */
  onStandby?: () => Promise<() => Promise<void>>;
  /** Resolves when the operator stops this process while it stands by. */
  stopRequested?: Promise<void>;
}

async function tryLock(client: pg.Client, key: string): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_lock($1::bigint) AS locked',
    [key],
  );
  return result.rows[0]?.locked === true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the account's lock, standing by while another brain holds it. Resolves with the
 * leadership once held, or null when the stop came first (the standby exits without leading).
 * A leader whose lock connection is lost (a database restart, a network cut) stops leading at
 * once and asks for the lock again on a new connection: regained, it goes on; found taken by
 * another brain, it is deposed (`lost`).
 */
export async function leadAccount(options: LeadOptions): Promise<Leadership | null> {
  const key = leaderLockKey(options.account);
  const pollMs = options.pollMs ?? 500;
  const where = { venue: options.account.venue, account: options.account.accountId };
  let client = await options.store.connectClient();
  // A connection error before the lock is held surfaces through the query that fails.
  client.on('error', () => {});
  let stopping = false;
  void options.stopRequested?.then(() => {
    stopping = true;
  });
  let undoStandby: (() => Promise<void>) | undefined;
  try {
    while (!(await tryLock(client, key))) {
      if (!undoStandby) {
        options.logger.warn(
          where,
          'another brain leads this account: standing by until its lock is released',
        );
        undoStandby = (await options.onStandby?.()) ?? (async () => {});
      }
      await sleep(pollMs);
      if (stopping) {
        await undoStandby();
        await client.end().catch(() => {});
        return null;
      }
    }
  } catch (error) {
    await undoStandby?.().catch(() => {});
    await client.end().catch(() => {});
    throw error;
  }
  await undoStandby?.();
  options.logger.info(where, 'leading this account');

  let held = true;
  let released = false;
  let depose: (error: Error) => void = () => {};
  const lost = new Promise<Error>((resolve) => {
    depose = resolve;
  });
  const regain = async (cause: string) => {
    if (!held || released) return;
    held = false;
    options.logger.error(
      { ...where, cause },
      'leader lock connection lost: no new cycle or order until it is regained',
    );
    while (!released) {
      await sleep(pollMs);
      let next: pg.Client | undefined;
      try {
        next = await options.store.connectClient();
        next.on('error', () => {});
        if (await tryLock(next, key)) {
          watch(next);
          client = next;
          held = true;
          options.logger.warn(where, 'leader lock regained: trading goes on');
          return;
        }
        await next.end().catch(() => {});
        depose(new Error('another brain took the lock while this one had lost it'));
        return;
      } catch {
        // The database is still out of reach: ask again.
        await next?.end().catch(() => {});
      }
    }
  };
  // The lock lives on its connection: losing the connection is losing the lock.
  const watch = (connection: pg.Client) => {
    connection.on('error', (error) => void regain(error.message));
    connection.on('end', () => void regain('the lock connection ended'));
  };
  watch(client);
  return {
    key,
    held: () => held,
    lost,
    async release() {
      if (released) return;
      released = true;
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
