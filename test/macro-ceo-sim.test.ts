import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentRuntime } from '../src/agents/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { runOptimizer } from '../src/optimizer/index.ts';
import { SimSession } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import { logger, sim } from './optimizer-support.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

let db: TestDatabase | undefined;
let skills: SkillRegistry | undefined;
afterAll(async () => {
  skills?.close();
  await db?.drop();
});

type Row = {
  id: number;
  cycle_id: string | null;
  causation_id: number | null;
  payload: Record<string, unknown>;
};

describe('Macro Officer and CEO in a sim run with the fallbacks', () => {
  it('every cycle has both; explain lists them; the optimizer compares the Regime agent with the Macro Officer', async () => {
    db = await createTestDatabase();
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-macro-ceo-'));
    const base = loadConfig({ env: {}, file: '/dev/null' });
    const config: Config = {
      ...base,
      feed: { ...base.feed, sim: { ...base.feed.sim, ...sim, warmupBars: 60 } },
      pipeline: { ...base.pipeline, parallelism: 1, topK: 3 },
      paths: { ...base.paths, contextDir },
      ceo: { maxRiskMultiplierCap: 0.8, maxNewPositions: 1 },
    };
    const bus = new Bus({ store: db.store, logger });
    skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
    // No LLM: every agent, the Macro Officer and the CEO included, decides by its fallback.
    const agents: AgentRuntime = {
      skills,
      llm: undefined,
      philosophy: await loadPhilosophy(shippedPhilosophyFile()),
      logger,
    };
    const { session } = await SimSession.open({ config, store: db.store, bus, logger, agents, runId: 'mc' });
    for (let step = 0; step < 25; step += 1) await session.step();
    await bus.stop();

    const rows = async (topic: string) =>
      (
        await db!.store.query<Row>(
          'SELECT id, cycle_id, causation_id, payload FROM agent_messages WHERE topic = $1 ORDER BY id',
          [topic],
        )
      ).rows;
    const cycles = (await rows('cycle.started')).map((row) => row.cycle_id);
    expect(cycles.length).toBe(25);
    const views = await rows('macro.view');
    const budgets = await rows('ceo.budget');
    const directives = await rows('ceo.directive');
    expect(views.map((row) => row.cycle_id)).toEqual(cycles);
    expect(budgets.map((row) => row.cycle_id)).toEqual(cycles);
    for (const view of views)
      expect(view.payload).toMatchObject({ ok: true, decidedBy: 'fallback', fresh: true });
    // One directive per trading day (a sim bar is a day), each journaled as the CEO's own entry.
    expect(directives.length).toBe(25);
    const directiveIds = new Set(directives.map((row) => row.id));
    for (const budget of budgets) {
      expect(directiveIds.has(budget.causation_id!)).toBe(true);
      expect(budget.payload).toMatchObject({ directiveId: budget.causation_id });
      // Clamped within the configured bounds whatever the fallback proposed.
      expect(Number(budget.payload.riskMultiplierCap)).toBeLessThanOrEqual(0.8);
      expect(Number(budget.payload.maxNewPositions)).toBeLessThanOrEqual(1);
    }
    const ceoJournal = await db.store.query<{ cycle_id: string; decided_by: string; message_id: number }>(
      "SELECT cycle_id, decided_by, message_id FROM agent_journal WHERE agent = 'ceo' ORDER BY id",
    );
    expect(ceoJournal.rows.map((row) => Number(row.message_id))).toEqual(directives.map((row) => row.id));
    expect(ceoJournal.rows.every((row) => row.decided_by === 'fallback')).toBe(true);
    // The Regime agent's stance carries the macro view beside it.
    const stances = await rows('regime.stance');
    expect(stances.length).toBeGreaterThan(0);
    for (const stance of stances) expect(stance.payload.macro).toMatchObject({ decidedBy: 'fallback' });
    // The CEO's budget holds: at most one new position a day.
    const intents = await db.store.query<{ cycle_id: string }>(
      "SELECT cycle_id FROM orders WHERE leg = 'entry' AND cycle_id IS NOT NULL",
    );
    const perCycle = new Map<string, number>();
    for (const row of intents.rows) perCycle.set(row.cycle_id, (perCycle.get(row.cycle_id) ?? 0) + 1);
    for (const count of perCycle.values()) expect(count).toBeLessThanOrEqual(1);

    const cycleWithStance = stances[0]!.cycle_id!;
    const explained = await runCli(['explain', cycleWithStance, '--json'], {
      env: { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' },
    });
    expect(explained.code, explained.stderr).toBe(0);
    const chain = JSON.parse(explained.stdout) as {
      messages: Array<{ topic: string; fromAgent: string }>;
      agents: {
        macroOfficer: Record<string, unknown> | null;
        ceo: Record<string, unknown> | null;
        ceoDirective: { topic: string } | null;
      };
    };
    const topicsOf = chain.messages.map((message) => message.topic);
    expect(topicsOf).toEqual(
      expect.arrayContaining(['macro.view', 'ceo.directive', 'ceo.budget', 'regime.stance']),
    );
    expect(chain.agents.macroOfficer).toMatchObject({ decidedBy: 'fallback' });
    expect(chain.agents.macroOfficer!.stance).toMatch(/^(risk_on|neutral|risk_off)$/);
    expect(chain.agents.ceo).toMatchObject({ decidedBy: 'fallback' });
    expect(chain.agents.ceoDirective?.topic).toBe('ceo.directive');

    const optimizerBus = new Bus({ store: db.store, logger });
    const result = await runOptimizer(
      { store: db.store, bus: optimizerBus, config, logger, now: () => new Date('2026-11-21T23:00:00Z') },
      { from: '2015-01-01', to: '2015-12-31' },
    );
    await optimizerBus.stop();
    const { regimeMacro } = result.report;
    expect(regimeMacro.macroWired).toBe(true);
    expect(regimeMacro.compared).toBe(stances.length);
    expect(regimeMacro.rows!.length).toBeGreaterThan(0);
    expect(result.markdown).toMatch(/## Regime agent vs\. Macro Officer[\s\S]*\| symbol \| compared \|/);
  });
});
