import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { generateSimSeries } from '../src/market/index.ts';
import { type OptimizerReport, runNightlyOptimizer, runOptimizer } from '../src/optimizer/index.ts';
import { clientOrderIdFor } from '../src/pipeline/index.ts';
import { shippedSkillsDir } from '../src/skills/index.ts';
import {
  filesUnder,
  folderHash,
  logger,
  recordingStore,
  runSim,
  type SimRun,
  sim,
} from './optimizer-support.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

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

interface Row {
  id: number;
  ts: Date;
  topic: string;
  cycle_id: string | null;
  payload: Record<string, unknown>;
  signatures: Array<{ signer: string; verdict: string; reasons: string[] }>;
}

async function messages(db: TestDatabase, topic: string): Promise<Row[]> {
  return (
    await db.store.query<Row & Record<string, unknown>>(
      'SELECT id, ts, topic, cycle_id, payload, signatures FROM agent_messages WHERE topic = $1 ORDER BY id',
      [topic],
    )
  ).rows;
}

/** The expected outcome of a vetoed long market setup, computed here from the regenerated bars. */
function expectedCounterfactual(symbol: string, after: number, trade: Record<string, number>) {
  const series = generateSimSeries(sim, symbol);
  let start = 0;
  while (start < series.length && series.time[start]! <= after) start += 1;
  if (start >= series.length) return { outcome: 'no_data', r: 0 };
  const entry = series.open[start]!;
  const risk = trade.entryPrice! - trade.stopPrice!;
  let end = start;
  for (let step = 1; step <= trade.horizonBars!; step += 1) {
    const at = start + step;
    if (at >= series.length) break;
    end = at;
    const [open, high, low] = [series.open[at]!, series.high[at]!, series.low[at]!];
    const stopHit = low <= trade.stopPrice!;
    const targetHit = high >= trade.targetPrice!;
    if (stopHit) return { outcome: 'stop', r: (Math.min(open, trade.stopPrice!) - entry) / risk };
    if (targetHit) return { outcome: 'target', r: (Math.max(open, trade.targetPrice!) - entry) / risk };
  }
  return { outcome: 'horizon', r: (series.close[end]! - entry) / risk };
}

async function appState(db: TestDatabase) {
  return (
    await db.store.query(
      'SELECT key, value, updated_at, updated_by, xmin::text AS xmin FROM app_state ORDER BY key',
    )
  ).rows;
}

const window = { from: '2015-01-01', to: '2015-12-31' };

describe('self-optimizer on a seeded sim run with scripted LLM answers', () => {
  it('reports figures that match the bus and the bars, reflects once per closed trade, and writes nothing it must not', async () => {
    const db = await database();
    const run = await runSim(db, 30);
    runs.push(run);
    const configFile = path.join(run.contextDir, 'signet.yaml');
    writeFileSync(configFile, 'feed:\n  kind: sim\n');
    const before = {
      appState: await appState(db),
      skills: folderHash(shippedSkillsDir()),
      config: readFileSync(configFile, 'utf8'),
    };
    const ledgerRows = Number(
      (await db.store.query<{ count: string }>('SELECT count(*) AS count FROM llm_cost_ledger')).rows[0]!
        .count,
    );

    const recorded = recordingStore(db.store);
    const bus = new Bus({ store: recorded.store, logger });
    const result = await runOptimizer(
      {
        store: recorded.store,
        bus,
        config: run.config,
        logger,
        agents: run.agents,
        now: () => new Date('2026-11-21T23:00:00Z'),
      },
      window,
    );
    const report = result.report;

    // Proposals and vetoes, counted here straight from the bus.
    const proposals = (await messages(db, 'strategist.proposal')).filter(
      (message) => (message.payload.answer as { decision?: string } | undefined)?.decision === 'trade',
    );
    const collected = await messages(db, 'signatures.collected');
    const vetoed = collected.filter((message) => message.signatures.some((s) => s.verdict === 'veto'));
    expect(proposals.length).toBeGreaterThan(0);
    expect(vetoed.length).toBeGreaterThan(0);
    expect(report.activity.proposals).toBe(proposals.length);
    expect(report.activity.vetoed).toBe(vetoed.length);
    expect(report.activity.signed).toBe(collected.length - vetoed.length);
    const strategy = report.strategies.find((each) => each.key === 'strategist@1.2.0 (llm)');
    expect(strategy).toBeDefined();
    const bySigner: Record<string, number> = {};
    for (const message of vetoed)
      for (const signature of message.signatures)
        if (signature.verdict === 'veto') bySigner[signature.signer] = (bySigner[signature.signer] ?? 0) + 1;
    expect(bySigner['double-checker']).toBeGreaterThan(0);
    expect(strategy!.vetoesBySigner).toEqual(bySigner);
    expect(strategy!.vetoRate).toBeCloseTo(vetoed.length / collected.length, 4);
    expect(strategy!.vetoReasons).toContainEqual({
      signer: 'double-checker',
      reason: 'BBB looks extended after a #% run',
      count: bySigner['double-checker'],
    });

    // Fills and closed trades, P&L, win rate and average R from position.closed and the proposals.
    const entryFills = (await messages(db, 'order.filled')).filter(
      (message) => message.payload.leg === 'entry',
    );
    const closed = await messages(db, 'position.closed');
    expect(closed.length).toBeGreaterThan(0);
    expect(report.activity.entryFills).toBe(entryFills.length);
    expect(strategy!.entryFills).toBe(entryFills.length);
    expect(strategy!.closedTrades).toBe(closed.length);
    const pnl = closed.reduce((sum, message) => sum + Number(message.payload.pnl), 0);
    expect(strategy!.pnl).toBeCloseTo(pnl, 2);
    expect(report.activity.pnl).toBeCloseTo(pnl, 2);
    const wins = closed.filter((message) => Number(message.payload.pnl) > 0).length;
    expect(strategy!.winRate).toBeCloseTo(wins / closed.length, 4);
    const proposalByOrder = new Map(
      proposals.map((message) => [
        clientOrderIdFor(message.cycle_id!, String(message.payload.symbol)),
        message.payload.answer as Record<string, number>,
      ]),
    );
    const rs = closed.map((message) => {
      const proposal = proposalByOrder.get(String(message.payload.entryClientOrderId))!;
      return (
        Number(message.payload.pnl) /
        ((proposal.entryPrice! - proposal.stopPrice!) * Number(message.payload.qty))
      );
    });
    expect(strategy!.averageR).toBeCloseTo(rs.reduce((sum, r) => sum + r, 0) / rs.length, 3);

    // Counterfactuals of the vetoed setups, replayed here on regenerated bars.
    expect(report.vetoedSetups).toHaveLength(vetoed.length);
    const expected = new Map<
      string,
      { vetoes: number; saved: number; cost: number; undecided: number; forgoneR: number }
    >();
    for (const message of vetoed) {
      const symbol = String(message.payload.symbol);
      const proposal = proposals.find(
        (each) => each.cycle_id === message.cycle_id && each.payload.symbol === symbol,
      )!;
      const outcome = expectedCounterfactual(
        symbol,
        new Date(proposal.ts).getTime(),
        proposal.payload.answer as Record<string, number>,
      );
      const setup = report.vetoedSetups.find(
        (each) => each.cycleId === message.cycle_id && each.symbol === symbol,
      )!;
      expect(setup.counterfactual.outcome).toBe(outcome.outcome);
      expect(setup.counterfactual.r).toBeCloseTo(outcome.r, 3);
      for (const signature of message.signatures) {
        if (signature.verdict !== 'veto') continue;
        const counts = expected.get(signature.signer) ?? {
          vetoes: 0,
          saved: 0,
          cost: 0,
          undecided: 0,
          forgoneR: 0,
        };
        counts.vetoes += 1;
        if (outcome.outcome === 'stop') counts.saved += 1;
        if (outcome.outcome === 'target') counts.cost += 1;
        if (outcome.outcome === 'horizon') counts.undecided += 1;
        counts.forgoneR += outcome.r;
        expected.set(signature.signer, counts);
      }
    }
    expect(report.signers.map((each) => each.signer).sort()).toEqual([...expected.keys()].sort());
    for (const [signer, counts] of expected) {
      const precision = report.signers.find((each) => each.signer === signer)!;
      expect(precision).toMatchObject({
        vetoes: counts.vetoes,
        saved: counts.saved,
        cost: counts.cost,
        undecided: counts.undecided,
      });
      expect(precision.forgoneR).toBeCloseTo(counts.forgoneR, 2);
    }
    expect(expected.get('double-checker')!.saved + expected.get('double-checker')!.cost).toBeGreaterThan(0);

    // LLM use: every ledger row of the run's cycles, by agent and route.
    expect(report.llm.totals.calls).toBe(ledgerRows);
    expect(report.llm.rows.map((row) => row.agent).sort()).toEqual([
      'ceo',
      'double-checker',
      'fact-checker',
      'macro-officer',
      'regime',
      'strategist',
    ]);
    expect(report.llm.topPrompts.length).toBeGreaterThan(0);
    // The Macro Officer ran in every cycle: each Regime stance has its macro view beside it.
    const stances = await messages(db, 'regime.stance');
    const views = await messages(db, 'macro.view');
    const cycles = (await messages(db, 'cycle.started')).map((cycle) => cycle.cycle_id);
    expect(cycles.length).toBeGreaterThan(0);
    expect(views.map((view) => view.cycle_id)).toEqual(cycles);
    // The CEO: one budget message per cycle, each answering its day's directive.
    const budgets = await messages(db, 'ceo.budget');
    const directives = new Set((await messages(db, 'ceo.directive')).map((directive) => directive.id));
    expect(budgets.map((budget) => budget.cycle_id)).toEqual(cycles);
    for (const budget of budgets) expect(directives.has(Number(budget.payload.directiveId))).toBe(true);
    expect(report.regimeMacro).toMatchObject({ macroWired: true, compared: stances.length });
    expect(report.regimeMacro.rows!.length).toBeGreaterThan(0);
    expect(report.regimeMacro.rows!.reduce((sum, row) => sum + row.compared, 0)).toBe(stances.length);
    expect(
      report.findings.some(
        (finding) => finding.topic === 'signer' && finding.text.includes('double-checker'),
      ),
    ).toBe(true);

    // Outputs: markdown, JSON twin, bus message; nothing applied.
    const markdown = readFileSync(
      path.join(run.contextDir, 'reports', '2015-01-01_2015-12-31-self-optimizer.md'),
      'utf8',
    );
    expect(markdown).toMatch(/^# Self-optimizer report — 2015-01-01_2015-12-31/);
    expect(markdown).toContain('## Findings');
    if (process.env.OPT_DUMP) writeFileSync(process.env.OPT_DUMP, markdown);
    const twin = JSON.parse(readFileSync(result.files.json, 'utf8')) as OptimizerReport;
    expect(twin.activity).toEqual(report.activity);
    expect(twin.experiments.every((experiment) => experiment.applied === false)).toBe(true);
    const announced = await messages(db, 'optimizer.report');
    expect(announced).toHaveLength(1);
    expect(announced[0]!.payload).toMatchObject({ label: '2015-01-01_2015-12-31', applied: false });

    // Reflections: one per closed trade, appended once even when the optimizer runs again.
    const exits = [...filesUnder(path.join(run.contextDir, 'journal')).entries()].filter(([name]) =>
      name.endsWith('-exited.md'),
    );
    expect(exits.length).toBe(closed.length);
    expect(report.reflections.filter((note) => note.status === 'appended')).toHaveLength(closed.length);
    for (const [, text] of exits) {
      expect(text.match(/## Resolution: reflection/g)).toHaveLength(1);
      expect(text).toContain('Scripted reflection');
      expect(text).toMatch(/benchmark_buy_and_hold_pct/);
    }
    const again = await runOptimizer(
      { store: recorded.store, bus, config: run.config, logger, agents: run.agents },
      window,
    );
    expect(again.report.reflections.every((note) => note.status === 'already_present')).toBe(true);
    for (const [name] of exits) {
      const text = readFileSync(path.join(run.contextDir, 'journal', name), 'utf8');
      expect(text.match(/## Resolution: reflection/g)).toHaveLength(1);
    }

    // A missing journal folder: a report with a note, not a crash.
    rmSync(path.join(run.contextDir, 'journal'), { recursive: true });
    const withoutJournal = await runNightlyOptimizer(
      { store: recorded.store, bus, config: run.config, logger },
      '2015-04-01',
    );
    expect(withoutJournal.report.notes.some((note) => /journal folder .* does not exist/.test(note))).toBe(
      true,
    );
    await bus.stop();

    // Never config, skills or app_state: same bytes, same rows, and no SQL that writes them.
    expect(await appState(db)).toEqual(before.appState);
    expect(folderHash(shippedSkillsDir())).toBe(before.skills);
    expect(readFileSync(configFile, 'utf8')).toBe(before.config);
    const writes = recorded.statements.filter((text) =>
      /\b(insert|update|delete|merge|truncate|alter|drop|create)\b/i.test(text),
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((text) => /INSERT INTO agent_messages/i.test(text))).toBe(true);
    expect(recorded.statements.some((text) => /app_state/.test(text) && !/^SELECT/.test(text.trim()))).toBe(
      false,
    );
    expect(recorded.statements.some((text) => /READ ONLY/.test(text))).toBe(true);
  });
});
