import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, waitForLine } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

let db: TestDatabase;
let fake: AlpacaFake;
const children: ChildProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startAlpacaFake();
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fake.close();
  await db.drop();
});

function run(folder: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/signet.js'), ...args], {
    cwd: folder,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
      SIGNET_LOG_LEVEL: 'error',
      APCA_API_KEY_ID: fake.keyId,
      APCA_API_SECRET_KEY: fake.secretKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

describe('watchdog as a process, beside a brain that dies', () => {
  it('flattens at the broker after SIGKILL of the brain, keeps the restarted brain halted, and hands over when the leader dies', {
    timeout: 120_000,
  }, async () => {
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    fake.control.setBars(
      'AAA',
      Array.from({ length: 80 }, (_, index) => ({
        t: new Date(today - (80 - index) * day).toISOString(),
        o: 50,
        h: 51,
        l: 49,
        c: 50 + (index % 3) * 0.1,
        v: 1000,
      })),
    );
    fake.control.setPrice('AAA', 50);
    fake.control.addPosition('AAA', 10, 50);
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-wdproc-'));
    writeFileSync(
      path.join(folder, 'signet.yaml'),
      [
        `dataDir: ${path.join(folder, 'state')}`,
        `paths: { contextDir: ${path.join(folder, 'context')} }`,
        'feed: { kind: alpaca }',
        `broker: { kind: alpaca, alpaca: { tradingUrl: "${fake.baseUrl}", streamUrl: "${fake.streamUrl}", dataUrl: "${fake.baseUrl}", symbols: [AAA], pollIntervalMs: 1000 } }`,
        "schedule: { mode: market, cycleCron: '* * * * * *', tradingDaysOnly: false, monitorIntervalMs: 1000 }",
        'watchdog: { autostart: never, checkIntervalMs: 200, brainHeartbeatMs: 300 }',
        'ingress: { port: 0 }',
        '',
      ].join('\n'),
    );
    const brain = run(folder, ['start']);

    await waitForLine(brain.child, 'Stop with Ctrl-C', 60_000);
    const first = run(folder, ['watchdog']);
    await waitFor(() => /Z level \d \(/.test(first.output()), 'the first watchdog to lead', 20_000);
    const second = run(folder, ['watchdog']);
    await waitFor(() => /standing by/.test(second.output()), 'the second watchdog to stand by', 20_000);
    expect(fake.control.state().positions).toHaveLength(1);

    const killedAt = Date.now();
    brain.child.kill('SIGKILL');
    await waitFor(() => fake.control.state().positions.length === 0, 'the broker to be flat', 20_000);
    const flatAfterMs = Date.now() - killedAt;
    const raised = await db.store.query<{ recorded_at: Date }>(
      "SELECT recorded_at FROM agent_messages WHERE topic = 'halt.raised' AND (payload->>'level')::int = 4",
    );
    const detectedAfterMs = raised.rows[0]!.recorded_at.getTime() - killedAt;
    // Within twice the heartbeat interval, plus one check interval and the time a check takes.
    expect(detectedAfterMs).toBeLessThan(2 * 300 + 200 + 1_500);
    expect(flatAfterMs).toBeGreaterThanOrEqual(detectedAfterMs - 50);

    // The restarted brain stays halted: its cycles are skipped until an operator resumes.
    const restarted = run(folder, ['start']);
    await waitForLine(restarted.child, 'Stop with Ctrl-C', 60_000);
    await waitFor(
      async () => {
        const skipped = await db.store.query(
          "SELECT 1 FROM agent_messages WHERE topic = 'cycle.skipped' AND (payload->>'haltLevel')::int = 4",
        );
        return (skipped.rowCount ?? 0) > 0;
      },
      'a skipped cycle after the restart',
      20_000,
    );
    const orders = await db.store.query("SELECT 1 FROM orders WHERE leg = 'entry' AND cycle_id IS NOT NULL");
    expect(orders.rowCount).toBe(0);

    // The leading watchdog dies; the one standing by takes over.
    first.child.kill('SIGKILL');
    await waitFor(
      () => /level 4 \(flatten and lock\)/.test(second.output()),
      'the second watchdog to lead',
      20_000,
    );
    restarted.child.kill('SIGINT');
    second.child.kill('SIGINT');
    await new Promise((resolve) => restarted.child.once('exit', resolve));
  });
});
