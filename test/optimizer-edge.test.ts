import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { writeJournalEntry } from '../src/journal/index.ts';
import { type OptimizerReport, runNightlyOptimizer, runOptimizer } from '../src/optimizer/index.ts';
import { baseAnswers, logger, runSim, type SimRun } from './optimizer-support.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

const databases: TestDatabase[] = [];
const runs: SimRun[] = [];
afterAll(async () => {
  for (const run of runs) run.close();
  await Promise.all(databases.map((db) => db.drop()));
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

describe('self-optimizer on thin days', () => {
  it('a day with no activity and no journal folder gives a short, sensible report (nightly: the exchange date)', async () => {
    const db = await database();
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-optimizer-empty-'));
    const base = loadConfig({ env: {}, file: '/dev/null' });
    const config: Config = { ...base, paths: { ...base.paths, contextDir } };
    const bus = new Bus({ store: db.store, logger });
    const result = await runNightlyOptimizer(
      { store: db.store, bus, config, logger },
      new Date('2026-11-21T03:30:00Z'),
    );
    await bus.stop();
    const report = result.report;
    expect(report.label).toBe('2026-11-20');
    expect(report.activity).toEqual({
      cycles: 0,
      decisions: 0,
      proposals: 0,
      vetoed: 0,
      signed: 0,
      entryFills: 0,
      closedTrades: 0,
      pnl: 0,
    });
    expect(report.strategies).toEqual([]);
    expect(report.findings[0]!.text).toMatch(/No decisions, fills or closed trades/);
    expect(report.notes.some((note) => /journal folder .* does not exist/.test(note))).toBe(true);
    expect(report.notes.some((note) => /No sim session is stored/.test(note))).toBe(true);
    const markdown = readFileSync(path.join(contextDir, 'reports', '2026-11-20-self-optimizer.md'), 'utf8');
    expect(markdown).toContain('No strategist decisions or trades in this window.');
    expect(markdown).toContain('No LLM calls in this window.');
    expect(existsSync(path.join(contextDir, 'reports', '2026-11-20-self-optimizer.json'))).toBe(true);
    expect(existsSync(path.join(contextDir, 'journal'))).toBe(false);
  });

  it('a window with only vetoes reports them and how they would have ended', async () => {
    const db = await database();
    const run = await runSim(db, 12, {
      ...baseAnswers,
      'fact-checker': { verdict: 'veto', reasons: ['figures in the rationale do not match the data'] },
    });
    runs.push(run);
    const bus = new Bus({ store: db.store, logger });
    const { report } = await runOptimizer(
      { store: db.store, bus, config: run.config, logger },
      { from: '2015-01-01', to: '2015-12-31' },
    );
    await bus.stop();
    expect(report.activity.proposals).toBeGreaterThan(0);
    expect(report.activity.vetoed).toBe(report.activity.proposals);
    expect(report.activity.signed).toBe(0);
    expect(report.activity.entryFills).toBe(0);
    expect(report.activity.closedTrades).toBe(0);
    expect(
      report.findings.some((finding) => /Every one of the \d+ trade proposals was vetoed/.test(finding.text)),
    ).toBe(true);
    const factChecker = report.signers.find((signer) => signer.signer === 'fact-checker')!;
    expect(factChecker.vetoes).toBe(report.activity.vetoed);
    expect(
      factChecker.saved +
        factChecker.cost +
        factChecker.undecided +
        factChecker.notEntered +
        factChecker.noData,
    ).toBe(factChecker.vetoes);
    expect(report.vetoedSetups.every((setup) => setup.counterfactual.outcome !== 'no_data')).toBe(true);
    const strategy = report.strategies[0]!;
    expect(strategy.vetoRate).toBe(1);
    expect(strategy.vetoReasons).toContainEqual({
      signer: 'fact-checker',
      reason: 'figures in the rationale do not match the data',
      count: report.activity.vetoed,
    });
    if (report.activity.proposals >= 5)
      expect(report.experiments.some((experiment) => experiment.applied === false)).toBe(true);
    expect(report.reflections).toEqual([]);
  });

  it('`signet optimize --date D --json` prints the report and writes the files', async () => {
    const db = await database();
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-optimizer-cli-'));
    const configFile = path.join(contextDir, 'signet.yaml');
    writeFileSync(configFile, `paths:\n  contextDir: ${contextDir}\n`);
    const result = await runCli(['--config', configFile, 'optimize', '--date', '2026-11-19', '--json'], {
      env: { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as OptimizerReport & { files: { markdown: string } };
    expect(printed.label).toBe('2026-11-19');
    expect(printed.files.markdown).toBe(path.join(contextDir, 'reports', '2026-11-19-self-optimizer.md'));
    expect(existsSync(printed.files.markdown)).toBe(true);
    const refused = await runCli(['--config', configFile, 'optimize', '--date', '2026-13-01'], {
      env: { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not a day/);
  });

  it('`signet optimize` without a day reports on the latest day the journal has (bar time in sim), and says so', async () => {
    const db = await database();
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-optimizer-latest-'));
    const configFile = path.join(contextDir, 'signet.yaml');
    writeFileSync(configFile, `paths:\n  contextDir: ${contextDir}\n`);
    const env = { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' };
    const empty = await runCli(['--config', configFile, 'optimize', '--json'], { env });
    expect(empty.code).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(empty.stderr).toContain(`day: ${today} (today, UTC): the journal has no entries yet`);
    // Two sim decisions, stamped with their bars' close (21:00 UTC), years before the wall clock.
    for (const ts of ['2015-03-03T21:00:00Z', '2015-03-04T21:00:00Z']) {
      await writeJournalEntry(
        {
          ts: new Date(ts),
          cycleId: `sim42/${ts.slice(0, 10)}`,
          symbol: 'ALPHA',
          agent: 'strategist',
          outcome: 'vetoed',
          decidedBy: 'fallback',
          notes: ['a sim decision'],
        },
        { db: db.store, root: contextDir },
      );
    }
    const latest = await runCli(['--config', configFile, 'optimize', '--json'], { env });
    expect(latest.code).toBe(0);
    expect(latest.stderr).toContain('day: 2015-03-04, the latest day with journal entries');
    const printed = JSON.parse(latest.stdout) as OptimizerReport;
    expect(printed.label).toBe('2015-03-04');
  });
});
