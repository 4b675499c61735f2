import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSimSeries } from '../src/market/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli, startCli } from './support/processes.ts';
import { type EaBar, SimulatedEa } from './support/simulated-ea.ts';
import { walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

const token = 'mt5-process-bridge-token';
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const fiveMinutes = 300;

function bars(count: number, lastT: number): EaBar[] {
  const series = generateSimSeries({ seed: 11, bars: count, symbols: ['EURUSD'] }, 'EURUSD');
  const scale = 1.1 / series.close[0]!;
  return Array.from({ length: count }, (_, index) => ({
    t: lastT - (count - 1 - index) * fiveMinutes,
    o: Number((series.open[index]! * scale).toFixed(5)),
    h: Number((series.high[index]! * scale).toFixed(5)),
    l: Number((series.low[index]! * scale).toFixed(5)),
    c: Number((series.close[index]! * scale).toFixed(5)),
  }));
}

describe('signet start with broker.kind: mt5 (a real brain process, a simulated EA over HTTP)', () => {
  it('serves the EA bridge, cycles on a newly closed bar, and signet doctor checks terminal and bars', async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-mt5-process-'));
    const config = path.join(folder, 'signet.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${path.join(folder, 'state')}`,
        'broker: { kind: mt5, mt5: { newBarCheckMs: 200 } }',
        'ingress: { port: 0 }',
        'watchdog: { autostart: never }',
        `paths: { contextDir: ${path.join(folder, 'context')} }`,
        '',
      ].join('\n'),
    );
    const operator = 'mt5-process-operator-token';
    const env = {
      DATABASE_URL: db.url,
      SIGNET_CONFIG: config,
      SIGNET_LOG_LEVEL: 'warn',
      SIGNET_MT5_TOKEN: token,
      SIGNET_OPERATOR_TOKEN: operator,
    };
    const { child, output } = startCli(['start'], { cwd: folder, env });
    try {
      await waitFor(async () => /mt5\/v1\n/.test(output()), 'the start summary', 30_000).catch(() => {
        throw new Error(output());
      });
      expect(output()).toMatch(/market\s+: MT5 M5 bars from the EA \(every symbol the EA posts\)/);
      const url = /at (http:\/\/127\.0\.0\.1:\d+)\/mt5\/v1/.exec(output())![1]!;
      const ea = new SimulatedEa(url, token);
      ea.account = { balance: 100_000, equity: 100_000, margin_free: 99_000 };
      const beat = await ea.heartbeat();
      expect(beat.status, `${beat.raw}\n${output()}`).toBe(200);
      const last = Math.floor(Date.now() / 1000 / fiveMinutes) * fiveMinutes - fiveMinutes;
      expect((await ea.bars('EURUSD', bars(90, last))).status).toBe(200);

      // doctor, as an operator would run it beside the brain.
      const doctor = await runCli(['doctor', '--json'], { env, cwd: folder });
      const checks = (
        JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }
      ).checks;
      expect(checks.find((check) => check.name === 'broker')).toMatchObject({ status: 'ok' });
      expect(checks.find((check) => check.name === 'broker')?.detail).toContain('51234567@Broker-Demo');
      expect(checks.find((check) => check.name === 'feed')).toMatchObject({ status: 'ok' });
      expect(checks.find((check) => check.name === 'feed')?.detail).toContain(
        'EURUSD: full trading, filling FOK/IOC',
      );
      // An EA older than the one shipped still trades, but the doctor says so and how to update.
      ea.eaVersion = '1.1.0';
      await ea.heartbeat();
      const outdated = (
        JSON.parse((await runCli(['doctor', '--json'], { env, cwd: folder })).stdout) as {
          checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
        }
      ).checks.find((check) => check.name === 'broker');
      expect(outdated).toMatchObject({ status: 'warn' });
      expect(outdated?.fix).toContain('SignetBridge 1.1.0 is attached; 1.2.0 ships');
      ea.eaVersion = '1.2.0';
      await ea.heartbeat();
      // A symbol the broker set to close only takes no entry: the doctor says which.
      ea.tradeModes.EURUSD = 3;
      await ea.bars('EURUSD', bars(90, last).slice(-1));
      const closeOnly = (
        JSON.parse((await runCli(['doctor', '--json'], { env, cwd: folder })).stdout) as {
          checks: Array<{ name: string; status: string; detail: string }>;
        }
      ).checks.find((check) => check.name === 'feed');
      expect(closeOnly).toMatchObject({ status: 'warn' });
      expect(closeOnly?.detail).toContain('takes no entry in EURUSD; EURUSD: close only');
      ea.tradeModes.EURUSD = 4;
      await ea.bars('EURUSD', bars(90, last).slice(-1));

      // The newest bar at start is only noted; the next closed bar runs one cycle.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(output()).not.toMatch(/Z cycle\]/);
      const next = bars(91, last + fiveMinutes).at(-1)!;
      await ea.bars('EURUSD', [next]);
      await waitFor(async () => /Z cycle\] equity 100,000\.00/.test(output()), 'a cycle status line', 30_000);
      // The console charts the venue's own bars: the EA's, as of the last cycle.
      const chart = await fetch(`${url}/api/v1/bars?symbol=EURUSD&limit=500`, {
        headers: { authorization: `Bearer ${operator}` },
      });
      expect(chart.status).toBe(200);
      const charted = (await chart.json()) as {
        symbols: string[];
        bars: Array<{ close: number; time: number }>;
      };
      expect(charted.symbols).toEqual(['EURUSD']);
      expect(charted.bars).toHaveLength(91);
      expect(charted.bars.at(-1)).toMatchObject({ close: next.c, time: next.t * 1000 });
      const cycles = await db.store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'cycle.completed' AND cycle_id LIKE 'mt5-%'`,
      );
      expect(cycles.rows[0]?.n).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(output()).toContain('stopping');
  });
});
