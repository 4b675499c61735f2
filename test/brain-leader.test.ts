import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { waitForLine } from './support/processes.ts';
import { exitOf, fastSimFolder, startSimBrain } from './support/sim-brain.ts';
import { openPositions, tableViolations } from './support/table-invariants.ts';

/**
 * One leading brain per account (issue 18): two real brain processes on one database and one
 * account; the second stands by (a read-only console, nothing written) until the leader's lock
 * goes, here with a kill -9, and then trades from the database as after a crash.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const operatorToken = 'leader-test-operator-token-0123456789abcdef';

function folderFor(label: string, port = 0): string {
  return fastSimFolder(label, { bars: 3000, port });
}

function startBrain(folder: string): { child: ChildProcess; output: () => string } {
  return startSimBrain(folder, db.url, { SIGNET_OPERATOR_TOKEN: operatorToken });
}

const count = async (sql: string) => Number((await db.store.query<{ n: number }>(sql)).rows[0]?.n ?? 0);

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

describe('one leading brain per account', () => {
  it('a second brain stands by read-only; kill -9 of the leader → it trades within 10 s, no duplicate order, no position without a stop', async () => {
    const folder = folderFor('leader');
    const leader = startBrain(folder);
    await waitForLine(leader.child, 'Stop with Ctrl-C', 60_000);
    const standby = startBrain(folder);
    await waitForLine(standby.child, 'Read-only console:', 60_000);
    const consoleUrl = /Read-only console: (http:\/\/\S+)/.exec(standby.output())?.[1];
    expect(consoleUrl, standby.output()).toBeDefined();

    // Standing by: its console reads, refuses every write, and the brain writes nothing.
    const health = await fetch(`${consoleUrl}health`);
    expect(health.status).toBe(200);
    const halt = await fetch(`${consoleUrl}api/v1/halt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ level: 2, reason: 'from the standby' }),
    });
    expect(halt.status).toBe(503);
    expect(await halt.json()).toMatchObject({ error: 'standby' });
    const positions = await fetch(`${consoleUrl}api/v1/positions`, {
      headers: { authorization: `Bearer ${operatorToken}` },
    });
    expect(positions.status).not.toBe(503);
    expect(await waitFor(async () => (await openPositions(db.store, 'paper')) > 0, 30_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(standby.output()).not.toContain('Stop with Ctrl-C');
    // One system.started so far: the leader's. The standby opened no session and published nothing.
    expect(await count("SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'system.started'")).toBe(
      1,
    );

    const killed = exitOf(leader.child);
    leader.child.kill('SIGKILL');
    expect(await killed).toBe('null/SIGKILL');
    const diedAt = Date.now();
    const barsAtDeath = await count(
      "SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'cycle.started'",
    );
    // The moment of death: no position without a working stop row.
    expect(
      (await tableViolations(db.store, 'paper')).filter((violation) => violation.includes(': stop ')),
    ).toEqual([]);

    // The standby takes the lock, resumes the run from the database, and trades within 10 s.
    const traded = await waitFor(
      async () =>
        standby.output().includes('Stop with Ctrl-C') &&
        (await count("SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'cycle.started'")) >
          barsAtDeath,
      10_000,
    );
    expect(traded, standby.output()).toBe(true);
    expect(Date.now() - diedAt).toBeLessThan(10_000);
    expect(standby.output()).toMatch(/resumed after bar \d+ \(\d+ paper requests replayed/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = exitOf(standby.child);
    standby.child.kill('SIGINT');
    expect(await stopped, standby.output()).toBe('0/null');

    // No duplicate order: one entry per cycle and symbol, never two open entries for one symbol.
    expect(
      (
        await db.store.query(
          `SELECT cycle_id, symbol FROM orders WHERE leg = 'entry' AND cycle_id IS NOT NULL
            GROUP BY 1, 2 HAVING count(*) > 1`,
        )
      ).rows,
    ).toEqual([]);
    expect(
      (
        await db.store.query(
          `SELECT symbol FROM orders WHERE leg = 'entry' AND status IN ('open', 'pending_submit', 'waiting')
            GROUP BY 1 HAVING count(*) > 1`,
        )
      ).rows,
    ).toEqual([]);
    expect(await tableViolations(db.store, 'paper'), standby.output()).toEqual([]);
    expect(await count("SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'system.started'")).toBe(
      2,
    );
  }, 180_000);

  it('a standby whose console port (ingress.port + 1) is taken runs without a console and says so', async () => {
    // Two neighbouring free ports: the leader's, and the standby's, held by someone else.
    const listen = (port: number) =>
      new Promise<Server>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(server));
      });
    let squatter: Server | undefined;
    let port = 0;
    for (let attempt = 0; attempt < 20 && !squatter; attempt += 1) {
      const probe = await listen(0);
      port = (probe.address() as { port: number }).port;
      await new Promise((resolve) => probe.close(resolve));
      squatter = await listen(port + 1).catch(() => undefined);
    }
    expect(squatter).toBeDefined();
    const folder = folderFor('leader-port', port);
    const leader = startBrain(folder);
    try {
      await waitForLine(leader.child, 'Stop with Ctrl-C', 60_000);
      const second = startBrain(folder);
      await waitForLine(second.child, 'Read-only console:', 60_000);
      expect(second.output()).toMatch(/Read-only console: none \(not started: .*\)/);
      const stopped = exitOf(second.child);
      second.child.kill('SIGINT');
      expect(await stopped, second.output()).toBe('0/null');
      expect(second.output()).toContain('stopped while standing by');
    } finally {
      const exited = exitOf(leader.child);
      leader.child.kill('SIGINT');
      await exited;
      await new Promise((resolve) => squatter!.close(resolve));
    }
  }, 120_000);
});
