import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentRuntime, noTradeAnswer } from '../src/agents/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { LlmRouter, type RouteRequest } from '../src/llm/index.ts';
import { type DecisionChain, explain } from '../src/pipeline/index.ts';
import { SimSession } from '../src/runtime/index.ts';
import {
  loadChallengers,
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import { renderExplain } from '../src/telegram/render.ts';
import { baseAnswers, logger, sim } from './optimizer-support.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { buyAboveSma20, scriptedRoute, symbolOf } from './support/scripted-route.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

/**
 * `signet explain` on a real sim run (real PostgreSQL, scripted model) with the shipped
 * conservative challenger: the chain lists the Macro Officer, the CEO, the Regime stance and the
 * proposal in order, each challenger's decision beside the proposal marked shadow, and no
 * order's causal chain ever passes through a shadow message.
 */
let db: TestDatabase;
let skills: SkillRegistry | undefined;
const env = () => ({ DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' });

interface ExplainedJson {
  cycleId: string;
  orderId: string | null;
  messageId: number | null;
  messages: Array<{ id: number; topic: string }>;
  chain: DecisionChain;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const base = loadConfig({ env: {}, file: '/dev/null' });
  const config: Config = {
    ...base,
    feed: { ...base.feed, sim: { ...base.feed.sim, ...sim, warmupBars: 60 } },
    pipeline: { ...base.pipeline, parallelism: 1, topK: 3 },
    paths: { ...base.paths, contextDir: walkableTempDir(path.join(tmpdir(), 'signet-explain-shadow-')) },
  };
  const bus = new Bus({ store: db.store, logger });
  // The champion buys above its SMA20; the conservative challenger only ever trades AAA.
  const route = scriptedRoute({
    answers: {
      ...baseAnswers,
      'double-checker': { verdict: 'sign', reasons: ['agrees'] },
      conservative: (request: RouteRequest) => {
        const symbol = symbolOf(request);
        return symbol === 'AAA' ? buyAboveSma20(request) : noTradeAnswer(symbol, 'too loose for me', 0.4);
      },
    },
  });
  const router = new LlmRouter({ section: config.llm, store: db.store, logger, routes: [route] });
  skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
  const { challengers } = await loadChallengers(shippedSkillsDir(), 'strategist');
  expect(challengers.map((each) => each.id)).toEqual(['strategist/conservative']);
  const agents: AgentRuntime = {
    skills,
    llm: router,
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
    challengers,
  };
  const { session } = await SimSession.open({ config, store: db.store, bus, logger, agents, runId: 'xs' });
  for (let step = 0; step < 12; step += 1) await session.step();
  await bus.stop();
}, 120_000);

afterAll(async () => {
  skills?.close();
  await db?.drop();
});

async function explainJson(id: string): Promise<ExplainedJson> {
  const result = await runCli(['explain', id, '--json'], { env: env() });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ExplainedJson;
}

const shadowIdsOf = async (): Promise<Set<number>> =>
  new Set(
    (
      await db.store.query<{ id: string }>("SELECT id FROM agent_messages WHERE topic = 'strategist.shadow'")
    ).rows.map((row) => Number(row.id)),
  );

describe('signet explain with a challenger in shadow', () => {
  it('lists the Macro Officer, the CEO, the stance and the proposal in order, each shadow beside its proposal', async () => {
    const intents = await db.store.query<{ cycle_id: string; client_order_id: string }>(
      "SELECT cycle_id, client_order_id FROM orders WHERE leg = 'entry' AND cycle_id IS NOT NULL ORDER BY id",
    );
    expect(intents.rows.length).toBeGreaterThan(0);
    const cycleId = intents.rows[0]!.cycle_id;
    const found = await explainJson(cycleId);
    const { chain } = found;
    expect(chain.desk.map((step) => step.topic)).toEqual(['macro.view', 'ceo.directive', 'ceo.budget']);
    expect(chain.desk[0]).toMatchObject({ agent: 'macro-officer', shadow: false, decidedBy: 'llm' });
    expect(chain.desk[1]).toMatchObject({ agent: 'ceo', route: 'scripted', model: 'scripted-model' });
    expect(chain.candidates.length).toBeGreaterThan(0);
    const byTopic = new Map(found.messages.map((message) => [message.id, message.topic]));
    for (const candidate of chain.candidates) {
      const topics = candidate.steps.map((step) => step.topic);
      expect(topics.slice(0, 2)).toEqual(['regime.stance', 'strategist.proposal']);
      expect(topics).not.toContain('strategist.shadow');
      expect(candidate.steps.every((step) => step.shadow === false)).toBe(true);
      const proposal = candidate.steps[1]!;
      // One shadow decision per champion proposal, tied to it by its message id, marked shadow.
      expect(candidate.shadows).toHaveLength(1);
      const shadow = candidate.shadows[0]!;
      expect(shadow).toMatchObject({
        shadow: true,
        topic: 'strategist.shadow',
        challenger: 'strategist/conservative',
        champion: 'strategist',
        proposalMessageId: proposal.messageId,
        ok: true,
        decidedBy: 'llm',
        route: 'scripted',
        model: 'scripted-model',
      });
      expect(byTopic.get(shadow.messageId)).toBe('strategist.shadow');
      expect(shadow.decision).toMatch(
        candidate.symbol === 'AAA' ? /^(trade buy AAA|no_trade)/ : /^no_trade /,
      );
      if (candidate.symbol !== 'AAA')
        expect(shadow.agreesWithChampion).toBe(proposal.decision.startsWith('no_trade'));
    }
    // The cycle's order goes through a candidate's steps, not through its shadow.
    const executed = chain.candidates.find((candidate) =>
      candidate.steps.some((step) => step.topic === 'order.intent'),
    );
    expect(executed?.steps.map((step) => step.topic)).toEqual(
      expect.arrayContaining(['signatures.collected', 'order.intent']),
    );
  });

  it('no order of the run has a causal chain through a shadow message', async () => {
    const shadowIds = await shadowIdsOf();
    expect(shadowIds.size).toBeGreaterThan(0);
    const orders = await db.store.query<{ client_order_id: string; leg: string }>(
      'SELECT client_order_id, leg FROM orders WHERE cycle_id IS NOT NULL OR parent_client_order_id IS NOT NULL',
    );
    expect(orders.rows.some((row) => row.leg === 'stop_loss')).toBe(true);
    const bus = new Bus({ store: db.store, logger });
    for (const row of orders.rows) {
      const found = await explain(db.store, bus, row.client_order_id);
      const causation = found?.chain.orderCausation;
      expect(causation, row.client_order_id).toBeTruthy();
      const topics = causation!.map((id) => found!.messages.find((message) => message.id === id)?.topic);
      expect(topics).toEqual([
        'cycle.started',
        'screen.result',
        'regime.stance',
        'strategist.proposal',
        'signatures.collected',
        'order.intent',
      ]);
      for (const id of causation!) expect(shadowIds.has(id)).toBe(false);
      // The shadow decisions are beside the chain: none of the order's messages answers one.
      for (const message of found!.messages)
        if (message.topic.startsWith('order.'))
          expect(shadowIds.has(message.causationId ?? -1), `#${message.id}`).toBe(false);
      // Telegram's /explain: the chain's arrows skip the shadows, listed beside it as [shadow].
      const text = renderExplain(found!);
      const chainLine = text.split('\n').find((line) => line.startsWith('Chain: '))!;
      expect(chainLine).toContain('strategist.proposal → ');
      expect(chainLine).not.toContain('strategist.shadow');
      expect(text).toMatch(/\n\[shadow\] strategist\/conservative on [A-Z]+: (no_trade|trade) .*\(by llm\)/);
    }
    await bus.stop();
  });

  it('prints the chain as text, each shadow under its proposal marked [shadow]; a message id explains its cycle', async () => {
    const shadowIds = [...(await shadowIdsOf())];
    const shadowId = shadowIds[0]!;
    const byMessage = await explainJson(`#${shadowId}`);
    expect(byMessage.messageId).toBe(shadowId);
    const shadow = byMessage.chain.candidates
      .flatMap((candidate) => candidate.shadows)
      .find((each) => each.messageId === shadowId);
    expect(shadow).toMatchObject({ shadow: true, challenger: 'strategist/conservative' });

    const result = await runCli(['explain', byMessage.cycleId], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const macro = at(/^ {2}#\d+ macro\.view \(macro-officer\): .* by llm \(scripted\/scripted-model\)/);
    const directive = at(/^ {2}#\d+ ceo\.directive \(ceo\): day /);
    const budget = at(/^ {2}#\d+ ceo\.budget \(ceo\): /);
    const proposalLine = at(
      new RegExp(`^ {4}#${shadow!.proposalMessageId} strategist\\.proposal \\(strategist\\)`),
    );
    const shadowLine = at(
      new RegExp(
        `^ {6}\\[shadow\\] #${shadowId} strategist/conservative beside #${shadow!.proposalMessageId}: .*by llm \\(scripted/scripted-model\\).*not on the order path`,
      ),
    );
    const stance = lines
      .slice(0, proposalLine)
      .findLastIndex((line) => / regime\.stance \(regime\): /.test(line));
    expect(
      [macro, directive, budget, stance, proposalLine, shadowLine].every((index) => index >= 0),
      result.stdout,
    ).toBe(true);
    expect(macro).toBeLessThan(directive);
    expect(directive).toBeLessThan(budget);
    expect(budget).toBeLessThan(stance);
    expect(stance).toBeLessThan(proposalLine);
    expect(shadowLine).toBe(proposalLine + 1);
    // And in the full message list, the shadow message carries the marker too.
    expect(result.stdout).toMatch(new RegExp(`\\n {2}\\[shadow\\] #${shadowId} \\S+ strategist\\.shadow `));
  });
});
