import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { leadAccount, leaderAccountOf, leaderLockKey } from './leadership.ts';

let db: TestDatabase;
const logger = silentLogger();
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('the leader lock', () => {
  it('is keyed on the venue and the account: one key per account, another for another account', () => {
    const key = leaderLockKey({ venue: 'paper', accountId: 'sim' });
    expect(key).toBe(leaderLockKey({ venue: 'paper', accountId: 'sim' }));
    expect(key).not.toBe(leaderLockKey({ venue: 'alpaca', accountId: 'sim' }));
    expect(key).not.toBe(leaderLockKey({ venue: 'paper', accountId: 'other' }));
    expect(BigInt(key)).toBeLessThan(2n ** 63n);
  });

  it('one leads; a second stands by until the first releases, then leads; a stop while standing by leads nothing', async () => {
    const account = { venue: 'paper', accountId: `t-${Date.now()}` };
    const first = await leadAccount({ store: db.store, account, logger });
    expect(first).not.toBeNull();
    const standbyEvents: string[] = [];
    const second = leadAccount({
      store: db.store,
      account,
      logger,
      pollMs: 20,
      onStandby: async () => {
        standbyEvents.push('standing by');
        return async () => {
          standbyEvents.push('standby ended');
        };
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(standbyEvents).toEqual(['standing by']);
    await first!.release();
    const leading = await second;
    expect(leading).not.toBeNull();
    expect(standbyEvents).toEqual(['standing by', 'standby ended']);

    let stop: () => void = () => {};
    const stopRequested = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const third = leadAccount({ store: db.store, account, logger, pollMs: 20, stopRequested });
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop();
    expect(await third).toBeNull();
    await leading!.release();
  });

  it('a leader whose lock connection is killed stops leading, regains the lock when free, and is deposed when another brain took it', async () => {
    const account = { venue: 'paper', accountId: `k-${Date.now()}` };
    const killLockHolder = (key: string) =>
      db.store.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
            AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
        [key],
      );
    const until = async (condition: () => boolean) => {
      const deadline = Date.now() + 5_000;
      while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      return condition();
    };
    const leader = (await leadAccount({ store: db.store, account, logger, pollMs: 300 }))!;
    expect(leader.held()).toBe(true);
    await killLockHolder(leader.key);
    expect(await until(() => !leader.held())).toBe(true);
    // Nobody else wants it: the leader takes it again on a new connection and goes on.
    expect(await until(() => leader.held())).toBe(true);

    // Killed again, with a standby asking every 20 ms: the standby leads, the old leader is deposed.
    const standby = leadAccount({ store: db.store, account, logger, pollMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await killLockHolder(leader.key);
    const next = (await standby)!;
    expect(next.held()).toBe(true);
    const deposed = await Promise.race([
      leader.lost,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
    ]);
    expect(deposed).toBeInstanceOf(Error);
    expect(leader.held()).toBe(false);
    await next.release();
    await leader.release();
  });

  it('the sim trades its one paper account; a market venue is keyed on its settings', () => {
    const sim = loadConfig({ env: {}, file: '/dev/null' });
    expect(leaderAccountOf(sim)).toEqual({ venue: 'paper', accountId: 'sim' });
    const alpaca = (section: Record<string, unknown>) =>
      leaderAccountOf(
        loadConfig({
          env: {},
          file: '/dev/null',
          overrides: { broker: { kind: 'alpaca', alpaca: section }, schedule: { mode: 'market' } } as never,
        }),
      );
    expect(alpaca({ mode: 'paper' })).toEqual({ venue: 'alpaca', accountId: 'mode=paper' });
    // Another timeframe is the same account; another mode is another account.
    expect(alpaca({ mode: 'paper', timeframe: '15Min' })).toEqual(alpaca({ mode: 'paper' }));
    expect(alpaca({ mode: 'live' })).not.toEqual(alpaca({ mode: 'paper' }));
    const ibkr = (section: Record<string, unknown>) =>
      leaderAccountOf(
        loadConfig({
          env: {},
          file: '/dev/null',
          overrides: { broker: { kind: 'ibkr', ibkr: section } } as never,
        }),
      );
    // IBKR: the Gateway (host and port) is the account; another client id is the same account.
    expect(ibkr({})).toEqual({ venue: 'ibkr', accountId: 'host=127.0.0.1;port=4002' });
    expect(ibkr({ clientId: 9, watchdogClientId: 8 })).toEqual(ibkr({}));
    expect(ibkr({ port: 4001, live: true })).not.toEqual(ibkr({}));
  });
});
