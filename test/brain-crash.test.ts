import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { startCli, waitForLine } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function startBrain(folder: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  return startCli(['start'], {
    cwd: folder,
    env: {
      DATABASE_URL: db.url,
      SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
      SIGNET_LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

describe('brain killed with SIGKILL between "order submitted" and "journal written"', () => {
  it('restarts without a duplicate order and completes the journal and the bus by reconciliation', async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-crash-'));
    writeFileSync(
      path.join(folder, 'signet.yaml'),
      [
        `dataDir: ${path.join(folder, 'state')}`,
        'feed: { sim: { seed: 42, bars: 600, symbols: [ALPHA, BRAVO, CHARLIE, DELTA, ECHO] } }',
        'schedule: { barIntervalMs: 10 }',
        'ingress: { port: 0 }',
        `paths: { contextDir: ${path.join(folder, 'context')} }`,
        '',
      ].join('\n'),
    );
    // First life: runs until the first order reaches the broker, then dies right there.
    const first = startBrain(folder, { SIGNET_FAULT: 'after-order-submitted' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      first.child.once('exit', (_code, killed) => resolve(killed)),
    );
    expect(signal, first.output()).toBe('SIGKILL');

    const orders = await db.store.query<{
      client_order_id: string;
      status: string;
      symbol: string;
      cycle_id: string;
    }>(
      "SELECT client_order_id, status, symbol, cycle_id FROM orders WHERE leg = 'entry' AND cycle_id IS NOT NULL",
    );
    expect(orders.rows).toHaveLength(1);
    const crashed = orders.rows[0]!;
    expect(crashed.status).toBe('open');
    const journalBefore = await db.store.query('SELECT 1 FROM agent_journal WHERE client_order_id = $1', [
      crashed.client_order_id,
    ]);
    expect(journalBefore.rowCount).toBe(0);

    // Second life: resumes the run, rebuilds the paper broker, completes what the crash cut off.
    const second = startBrain(folder, {});
    await waitForLine(second.child, 'Stop with Ctrl-C', 60_000);
    expect(second.output()).toMatch(
      /resumed after bar \d+ \(\d+ paper requests replayed, \d+ table repairs, 1 interrupted orders completed\)/,
    );
    const exited = new Promise<string>((resolve) =>
      second.child.once('exit', (code, killed) => resolve(`${code}/${killed}`)),
    );
    second.child.kill('SIGINT');
    expect(await exited, second.output()).toBe('0/null');

    const journal = await db.store.query<{ path: string; agent: string; outcome: string }>(
      'SELECT path, agent, outcome FROM agent_journal WHERE client_order_id = $1',
      [crashed.client_order_id],
    );
    expect(journal.rows).toHaveLength(1);
    expect(journal.rows[0]).toMatchObject({ agent: 'reconciler', outcome: 'executed' });
    expect(existsSync(path.join(folder, 'context', journal.rows[0]!.path))).toBe(true);
    const count = async (topic: string) =>
      Number(
        (
          await db.store.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM agent_messages WHERE topic = $1 AND payload->>'clientOrderId' = $2",
            [topic, crashed.client_order_id],
          )
        ).rows[0]?.n,
      );
    expect(await count('order.intent')).toBe(1);
    expect(await count('order.submitted')).toBe(1);
    const requests = await db.store.query(
      "SELECT 1 FROM paper_requests WHERE client_order_id = $1 AND request->>'kind' = 'submit'",
      [crashed.client_order_id],
    );
    expect(requests.rowCount).toBe(1);
    // The crashed bar's cycle was not run a second time.
    const cycles = await db.store.query(
      "SELECT 1 FROM agent_messages WHERE topic = 'cycle.started' AND cycle_id = $1",
      [crashed.cycle_id],
    );
    expect(cycles.rowCount).toBe(1);
    const resumed = await db.store.query<{
      payload: { repairs: Array<{ clientOrderId: string; repair: string }> };
    }>("SELECT payload FROM agent_messages WHERE topic = 'system.resumed'");
    expect(resumed.rows[0]?.payload.repairs).toEqual([
      { clientOrderId: crashed.client_order_id, repair: 'journal_completed' },
    ]);
  });
});
