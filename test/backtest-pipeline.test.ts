import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

const orcl = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
let db: TestDatabase;
let folder: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  db = await createTestDatabase();
  folder = walkableTempDir(path.join(tmpdir(), 'signet-bt-full-'));
  writeFileSync(path.join(folder, 'signet.yaml'), `dataDir: ${path.join(folder, 'state')}\n`);
  env = { DATABASE_URL: db.url, SIGNET_CONFIG: path.join(folder, 'signet.yaml'), SIGNET_LOG_LEVEL: 'error' };
});
afterAll(async () => {
  await db.drop();
});

interface FullReport {
  bars: number;
  closedTrades: number;
  trades: Array<{ symbol: string; size: number; entryDate: string }>;
  openPositions: unknown[];
  pipeline: { runId: string; cycles: number; outcomes: Record<string, number> };
}

const full = (runId: string) =>
  runCli(
    [
      'backtest',
      '--pipeline',
      'full',
      '--data',
      orcl,
      '--symbols',
      'ORCL',
      '--from',
      '2012-01-01',
      '--run-id',
      runId,
      '--json',
    ],
    { env, cwd: folder, timeoutMs: 180_000 },
  );

describe('signet backtest --pipeline full: the agent cycle of `signet start` over historical bars', () => {
  it('runs every bar after the warm-up through the whole cycle, writes what live writes, and repeats exactly', async () => {
    const first = await full('btfull-a');
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as FullReport;
    // 2012–2014 of real ORCL bars; the first 60 are history only.
    expect(report.bars).toBe(754);
    expect(report.pipeline.cycles).toBe(754 - 60);
    const outcomes = report.pipeline.outcomes;
    expect(Object.values(outcomes).reduce((sum, count) => sum + count, 0)).toBe(report.pipeline.cycles);
    expect(outcomes.executed).toBeGreaterThan(0);
    expect(outcomes.error).toBe(0);

    // The bus has every cycle, the orders table every entry, under the run's own broker name.
    const cycles = await db.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_messages WHERE topic = 'cycle.completed' AND cycle_id LIKE 'btfull-a/%'`,
    );
    expect(cycles.rows[0]?.n).toBe(report.pipeline.cycles);
    // Quiet bars' messages share a statement (and a transaction), yet no message committed
    // before its cause: every effect's transaction is its cause's or a later one.
    const commits = await db.store.query<{ transactions: number; early: number }>(
      `SELECT count(DISTINCT m.tx_id)::int AS transactions,
              count(*) FILTER (WHERE cause.tx_id > m.tx_id)::int AS early
         FROM agent_messages m LEFT JOIN agent_messages cause ON cause.id = m.causation_id
        WHERE m.cycle_id LIKE 'btfull-a/%'`,
    );
    expect(commits.rows[0]?.early).toBe(0);
    expect(commits.rows[0]?.transactions).toBeLessThan(report.pipeline.cycles / 4);
    const entries = await db.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders WHERE broker = 'bt:btfull-a' AND leg = 'entry' AND status = 'filled'`,
    );
    expect(entries.rows[0]?.n).toBe(report.closedTrades + report.openPositions.length);
    // Nothing lands in the live paper account, and the journal is the run's own.
    const live = await db.store.query(`SELECT 1 FROM orders WHERE broker = 'paper'`);
    expect(live.rowCount).toBe(0);
    const journal = path.join(folder, 'state', 'backtests', 'btfull-a', 'journal');
    expect(existsSync(journal)).toBe(true);
    expect(readdirSync(journal).length).toBeGreaterThan(100);
    // Each closed round trip is journaled as an exit, as in paper trading.
    const exits = await db.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_journal WHERE outcome = 'exited'`,
    );
    expect(exits.rows[0]?.n).toBe(report.closedTrades);

    // Deterministic agents, same bars: the same trades again.
    const second = await full('btfull-b');
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout) as FullReport;
    expect(again.trades).toEqual(report.trades);
    expect(again.pipeline.outcomes).toEqual(outcomes);
  }, 300_000);

  it('ORCL 2010–2014 with the fallbacks: proposals, executed and veto reasons are counted, and no veto cites an indicator parameter', async () => {
    const reportDir = path.join(folder, 'report-2010');
    const result = await runCli(
      [
        'backtest',
        '--pipeline',
        'full',
        '--data',
        orcl,
        '--symbols',
        'ORCL',
        '--from',
        '2010-01-01',
        '--to',
        '2014-12-31',
        '--run-id',
        'btfull-2010',
        '--report',
        reportDir,
        '--json',
      ],
      { env, cwd: folder, timeoutMs: 240_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const { pipeline } = JSON.parse(result.stdout) as {
      pipeline: {
        cycles: number;
        proposals: number;
        executed: number;
        vetoed: number;
        executedPerProposal: number;
        vetoReasons: Array<{ reason: string; count: number; example: string }>;
      };
    };
    // Before issue 14 the same run made 21 proposals and executed 3: 13 were vetoed for "the
    // rationale quotes 30" or "quotes 14" (the fallback's own SMA(30) and ATR14), 5 for
    // "reward:risk 1.50 is below 1.5" (its own 4-decimal rounding).
    expect(pipeline).toMatchObject({
      cycles: 1198,
      proposals: 21,
      executed: 12,
      vetoed: 9,
      executedPerProposal: 0.5714,
    });
    expect(pipeline.vetoReasons.map(({ reason, count }) => [count, reason])).toEqual([
      [8, 'double-checker: buying below the #-bar average (close # < sma50 #)'],
      [2, 'double-checker: RSI14 # is overbought (> #)'],
      [1, 'double-checker: the trade is against the short bias of a trending_down regime'],
    ]);
    expect(pipeline.vetoReasons[0]!.example).toMatch(
      /^double-checker: buying below the 50-bar average \(close [\d.]+ < sma50 [\d.]+\)$/,
    );

    // Every reason of every veto, as signed on the bus: none is an indicator's parameter.
    const vetoes = await db.store.query<{ reason: string }>(
      `SELECT reason FROM agent_messages m, jsonb_array_elements(m.signatures) s, jsonb_array_elements_text(s->'reasons') reason
       WHERE m.topic = 'signatures.collected' AND m.cycle_id LIKE 'btfull-2010/%' AND s->>'verdict' = 'veto'`,
    );
    expect(vetoes.rows.length).toBeGreaterThan(0);
    const parameters = new Set(['10', '14', '20', '30', '50']);
    for (const { reason } of vetoes.rows) {
      expect(reason).not.toMatch(/rationale quotes/);
      const standalone = reason.match(/(?<![A-Za-z_\d.])\d+(?:\.\d+)?/g) ?? [];
      // "the 50-bar average" names the check, not a figure the proposal cited.
      const cited = standalone.filter((number) => !reason.includes(`${number}-bar`));
      expect(
        cited.filter((number) => parameters.has(number)),
        reason,
      ).toEqual([]);
    }

    // The HTML report says the same (the text summary: src/cli/commands/backtest-output.test.ts).
    const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Decisions</h2>');
    expect(html).toContain('12 (57.1 % of proposals)');
    expect(html).toContain('RSI14 # is overbought (&gt; #)');
  }, 300_000);

  it('refuses --no-db, saying why and what to do instead', async () => {
    const result = await runCli(['backtest', '--pipeline', 'full', '--data', orcl, '--no-db'], {
      env,
      cwd: folder,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/needs the database/);
    expect(result.stderr).toMatch(/--pipeline fast/);
  });

  it('ends at once when its bars cannot be read, closing the database it was opening meanwhile', async () => {
    // The database is asked for before the pipeline's modules load, so the bars can fail while it
    // opens: left open, its pool held the process for its idle timeout (30 s), and an embedded
    // server started for the run outlived it.
    const missing = path.join(folder, 'missing.csv');
    const result = await runCli(['backtest', '--pipeline', 'full', '--data', missing, '--json'], {
      env,
      cwd: folder,
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot read ${missing}`);
  });
});
