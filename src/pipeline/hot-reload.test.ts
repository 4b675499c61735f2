import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { scriptedRoute } from '../../test/support/scripted-route.ts';
import { walkableTempDir } from '../../test/support/temp.ts';
import { waitFor } from '../../test/support/wait.ts';
import { type AgentRuntime, defaultStrategistRules, noTradeAnswer } from '../agents/index.ts';
import { PaperBroker } from '../broker/index.ts';
import { Bus } from '../bus/index.ts';
import { llmSectionSchema } from '../config/index.ts';
import { LlmRouter } from '../llm/index.ts';
import { silentLogger } from '../logging/index.ts';
import { generateSimSeries } from '../market/index.ts';
import {
  loadPhilosophy,
  type SkillEvent,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../skills/index.ts';
import { createStrategy } from '../strategies/index.ts';
import type { CycleDeps } from './cycle-types.ts';
import { runDecisionCycle } from './decision-cycle.ts';
import { defaultRiskLimits } from './risk-gate.ts';

const logger = silentLogger();
let db: TestDatabase;
let skills: SkillRegistry;
let skillsDir: string;
const events: SkillEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  skillsDir = path.join(walkableTempDir(path.join(tmpdir(), 'signet-skills-')), 'skills');
  cpSync(shippedSkillsDir(), skillsDir, { recursive: true });
  skills = await SkillRegistry.load({
    dir: skillsDir,
    logger,
    watch: true,
    debounceMs: 50,
    onEvent: (event) => events.push(event),
  });
});
afterAll(async () => {
  skills.close();
  await db.drop();
});

describe('skills hot reload during a run', () => {
  it('a valid edit changes the next cycle’s prompt; a broken edit keeps the last good version', async () => {
    const series = generateSimSeries({ seed: 5, bars: 90, symbols: ['HOT'] }, 'HOT');
    const route = scriptedRoute({
      answers: {
        regime: { regime: 'ranging', bias: 'neutral', riskMultiplier: 0.5, rationale: 'flat' },
        strategist: noTradeAnswer('HOT', 'nothing to do', 0.1),
      },
    });
    const clock = { now: () => series.time[series.length - 1]! };
    const broker = new PaperBroker({ cash: 10_000, clock });
    const bus = new Bus({ store: db.store, logger });
    const runtime: AgentRuntime = {
      skills,
      llm: new LlmRouter({ section: llmSectionSchema.parse({}), store: db.store, logger, routes: [route] }),
      philosophy: await loadPhilosophy(shippedPhilosophyFile()),
      logger,
    };
    const deps: CycleDeps = {
      runtime,
      publish: (input, options) => bus.publish(input, options),
      publishWithWrites: (input, writes) => bus.publishWithWrites(input, writes),
      query: (text, values) => db.store.query(text, values),
      broker,
      brokerName: 'paper',
      portfolio: async () => ({
        equity: 10_000,
        cash: 10_000,
        dayStartEquity: 10_000,
        positions: [],
        symbolPnlToday: {},
      }),
      haltLevel: async () => 0,
      freshQuote: async () => ({
        t: new Date(clock.now()).toISOString(),
        last: series.close[series.length - 1]!,
        bid: null,
        ask: null,
      }),
      journal: async () => {},
      clock,
      settings: {
        limits: defaultRiskLimits,
        rules: defaultStrategistRules,
        timeframe: '1d',
        topK: 1,
        parallelism: 1,
        signerTimeoutMs: 5_000,
        maxDataAgeSeconds: 86_400 * 7,
        factTolerancePct: 0.1,
        commissionRate: 0,
      },
      fallbackStrategy: createStrategy('sma-cross', { fast: 10, slow: 30 }),
    };
    const lastStrategistSystem = () =>
      route.calls.filter((call) => call.skill === 'strategist').at(-1)!.request.system;

    await runDecisionCycle(deps, 'hot-1', [series]);
    expect(lastStrategistSystem()).not.toContain('MARKER-7731');

    const file = path.join(skillsDir, 'strategist', 'SKILL.md');
    const original = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      original.replace('## Persona\n', '## Persona\n\nMARKER-7731: prefer pullbacks to breakouts.\n'),
    );
    await waitFor(
      () => events.some((event) => event.kind === 'reloaded' && event.name === 'strategist'),
      'the strategist skill to reload',
    );
    await runDecisionCycle(deps, 'hot-2', [series]);
    expect(lastStrategistSystem()).toContain('MARKER-7731');

    writeFileSync(file, original.replace('## Persona\n', '## Persona, broken\n'));
    await waitFor(
      () => events.some((event) => event.kind === 'invalid' && event.name === 'strategist'),
      'the broken edit to be reported',
    );
    const report = await runDecisionCycle(deps, 'hot-3', [series]);
    expect(report.candidates[0]?.outcome).toBe('no_trade');
    expect(lastStrategistSystem()).toContain('MARKER-7731');
    await bus.stop();
  });
});
