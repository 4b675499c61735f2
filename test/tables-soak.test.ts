import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteRequest } from '../src/llm/index.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fakes/openai-server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { waitForLine } from './support/processes.ts';
import { sellAtMarket, skillOf, symbolOf, unscriptedDefaults } from './support/scripted-route.ts';
import { exitOf, fastSimFolder, startSimBrain } from './support/sim-brain.ts';
import { openPositions, tableViolations } from './support/table-invariants.ts';

/**
 * The real brain process on a fast sim (issue 17): whatever the way it stops (Ctrl-C, SIGTERM,
 * kill -9), our tables never show an open position without a working stop row, and a clean
 * stop leaves nothing for the next start to repair.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function folderFor(label: string, extraYaml: string[] = []): string {
  return fastSimFolder(label, { bars: 2000, extraYaml });
}

function startBrain(folder: string): { child: ChildProcess; output: () => string } {
  return startSimBrain(folder, db.url);
}

/** Waits until the brain holds at least one position, and some more bars on top (bounded). */
async function tradeAWhile(extraMs: number, held = () => openPositions(db.store, 'paper')): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await held()) === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 25));
  await new Promise((resolve) => setTimeout(resolve, extraMs));
}

/** Positions whose stop row is missing or not working (the crash-time invariant). */
async function unprotectedPositions(): Promise<string[]> {
  return (await tableViolations(db.store, 'paper')).filter((violation) => violation.includes(': stop '));
}

/** A new sim run on empty tables (the other test's run is not resumed). */
async function freshRun(): Promise<void> {
  await db.store.query('TRUNCATE fills, orders, positions, agent_messages, paper_requests CASCADE');
  await db.store.query("DELETE FROM app_state WHERE key = 'sim.session'");
}

const startupLine =
  /resumed after bar \d+ \(\d+ paper requests replayed, (\d+) table repairs, (\d+) interrupted/;

describe('the brain process stopped every way leaves true tables', () => {
  it('four clean stops (SIGINT, SIGTERM) and starts while trading: 0 repairs at each start', async () => {
    await freshRun();
    const folder = folderFor('clean-stops');
    let held = 0;
    for (let life = 0; life < 5; life += 1) {
      const brain = startBrain(folder);
      await waitForLine(brain.child, 'Stop with Ctrl-C', 60_000);
      if (life > 0) {
        const started = startupLine.exec(brain.output());
        expect(started, brain.output()).not.toBeNull();
        expect([started![1], started![2]], `start ${life + 1}: ${brain.output()}`).toEqual(['0', '0']);
      }
      if (life === 4) {
        brain.child.kill('SIGINT');
        expect(await exitOf(brain.child)).toBe('0/null');
        break;
      }
      await tradeAWhile(150 + life * 100);
      const exited = exitOf(brain.child);
      brain.child.kill(life % 2 === 0 ? 'SIGINT' : 'SIGTERM');
      expect(await exited, brain.output()).toBe('0/null');
      held += await openPositions(db.store, 'paper');
      expect(await tableViolations(db.store, 'paper'), brain.output()).toEqual([]);
    }
    // Stopped with positions open, not only between trades.
    expect(held).toBeGreaterThan(0);
    const reconciled = await db.store.query("SELECT 1 FROM agent_messages WHERE topic = 'broker.reconciled'");
    expect(reconciled.rowCount).toBe(0);
  }, 240_000);

  it('a kill -9 soak (20 random kills with positions open): no moment shows a position without a working stop row', async () => {
    await freshRun();
    const folder = folderFor('kill-soak');
    let killedWithPositions = 0;
    let lives = 0;
    // Deterministic "random" kill moments: the soak is the same on every run.
    let seed = 17;
    const nextDelay = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return 20 + (seed % 400);
    };
    while (killedWithPositions < 20 && lives < 40) {
      lives += 1;
      const brain = startBrain(folder);
      await waitForLine(brain.child, 'Stop with Ctrl-C', 60_000);
      expect(await unprotectedPositions(), `after the start of life ${lives}`).toEqual([]);
      await tradeAWhile(nextDelay());
      const exited = exitOf(brain.child);
      brain.child.kill('SIGKILL');
      expect(await exited).toBe('null/SIGKILL');
      if ((await openPositions(db.store, 'paper')) > 0) killedWithPositions += 1;
      // The moment of death, as anything reading the tables sees it until the next start.
      expect(await unprotectedPositions(), `killed in life ${lives}: ${brain.output()}`).toEqual([]);
    }
    expect(killedWithPositions).toBe(20);
    // A last, clean life: it repairs what the kills cut off, then stops with nothing left to repair.
    const last = startBrain(folder);
    await waitForLine(last.child, 'Stop with Ctrl-C', 60_000);
    const exited = exitOf(last.child);
    last.child.kill('SIGINT');
    expect(await exited, last.output()).toBe('0/null');
    expect(await tableViolations(db.store, 'paper'), last.output()).toEqual([]);
    const after = startBrain(folder);
    await waitForLine(after.child, 'Stop with Ctrl-C', 60_000);
    const started = startupLine.exec(after.output());
    expect([started?.[1], started?.[2]], after.output()).toEqual(['0', '0']);
    const stopped = exitOf(after.child);
    after.child.kill('SIGINT');
    expect(await stopped).toBe('0/null');
  }, 300_000);

  it('a kill -9 soak with short positions (issue 21): after every restart each short has a working buy stop above it, never a sell stop', async () => {
    await freshRun();
    // The brain's Strategist is an LLM over HTTP (the production openai-compatible route against
    // the protocol fake) that sells short every candidate, its stop 4 % above the last close.
    const llm: FakeOpenAi = await startFakeOpenAi({ dialect: 'compatible' });
    llm.setResponder((request) => {
      const body = request.body as { messages: Array<{ role: string; content: string }> };
      const system = body.messages.find((message) => message.role === 'system')?.content ?? '';
      const user = body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
      const asked = { system, messages: [{ role: 'user', content: user }] } as RouteRequest;
      const skill = skillOf(asked);
      const last = Number(/"last": ([\d.]+)/.exec(user)?.[1]);
      // The market-wide agents' prompts name no symbol: the strategist's answer is built only for it.
      if (skill in unscriptedDefaults)
        return { kind: 'success', text: JSON.stringify(unscriptedDefaults[skill]) };
      // Built only for the skill asked: a reflection's prompt names no "Symbol:" line.
      const answers: Record<string, () => unknown> = {
        regime: () => ({
          regime: 'trending_down',
          bias: 'short',
          riskMultiplier: 1,
          rationale: 'scripted down',
        }),
        strategist: () => sellAtMarket(symbolOf(asked), last, { stop: 1.04, target: 0.92, horizonBars: 40 }),
        'fact-checker': () => ({ verdict: 'sign', reasons: ['ok'] }),
        'double-checker': () => ({ verdict: 'sign', reasons: ['ok'] }),
      };
      return { kind: 'success', text: JSON.stringify(answers[skill]?.() ?? null) };
    });
    const shorts = async () =>
      Number(
        (
          await db.store.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM positions WHERE broker = 'paper' AND qty < 0",
          )
        ).rows[0]?.n ?? 0,
      );
    /** Each short's stop as the tables (reconciled with the broker at start) hold it. */
    const shortStops = async () =>
      (
        await db.store.query<{
          symbol: string;
          side: string;
          stop_price: string;
          avg_price: string;
          status: string;
        }>(
          `SELECT p.symbol, s.side, s.stop_price::text, p.avg_price::text, s.status
             FROM positions p JOIN orders s ON s.client_order_id = p.stop_client_order_id
            WHERE p.broker = 'paper' AND p.qty < 0 ORDER BY p.symbol`,
        )
      ).rows;
    /** Working sell stops on a symbol held short: a stop that would double the short. */
    const sellStopsOnShorts = async () =>
      (
        await db.store.query<{ client_order_id: string }>(
          `SELECT o.client_order_id FROM orders o JOIN positions p ON p.symbol = o.symbol AND p.broker = o.broker
            WHERE o.broker = 'paper' AND p.qty < 0 AND o.type = 'stop' AND o.side = 'sell'
              AND o.status IN ('open', 'waiting')`,
        )
      ).rows.map((row) => row.client_order_id);
    try {
      const folder = folderFor('short-soak', [
        'strategist: { allowShort: true }',
        `llm: { routes: [ { name: local, kind: openai-compatible, model: fake-model, baseUrl: "${llm.baseUrl}/v1" } ] }`,
      ]);
      let killedWithShorts = 0;
      let shortsSeenAtStart = 0;
      let lives = 0;
      let seed = 21;
      const nextDelay = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return 20 + (seed % 300);
      };
      while (killedWithShorts < 8 && lives < 20) {
        lives += 1;
        const brain = startBrain(folder);
        await waitForLine(brain.child, 'Stop with Ctrl-C', 60_000);
        // After every restart: every short has a working buy stop above its price, none a sell stop.
        expect(await unprotectedPositions(), `after the start of life ${lives}`).toEqual([]);
        const stops = await shortStops();
        shortsSeenAtStart += stops.length;
        for (const stop of stops) {
          expect([stop.symbol, stop.side, stop.status], brain.output()).toEqual([stop.symbol, 'buy', 'open']);
          expect(Number(stop.stop_price), `${stop.symbol} stop vs average`).toBeGreaterThan(
            Number(stop.avg_price),
          );
        }
        expect(await sellStopsOnShorts()).toEqual([]);
        await tradeAWhile(nextDelay(), shorts);
        const exited = exitOf(brain.child);
        brain.child.kill('SIGKILL');
        expect(await exited).toBe('null/SIGKILL');
        if ((await shorts()) > 0) killedWithShorts += 1;
        expect(await unprotectedPositions(), `killed in life ${lives}: ${brain.output()}`).toEqual([]);
        expect(await sellStopsOnShorts()).toEqual([]);
      }
      expect(killedWithShorts).toBe(8);
      expect(shortsSeenAtStart).toBeGreaterThan(0);
      // Only shorts were proposed: no long was ever opened.
      const longs = await db.store.query("SELECT 1 FROM orders WHERE leg = 'entry' AND side = 'buy'");
      expect(longs.rowCount).toBe(0);
      const last = startBrain(folder);
      await waitForLine(last.child, 'Stop with Ctrl-C', 60_000);
      const stopped = exitOf(last.child);
      last.child.kill('SIGINT');
      expect(await stopped, last.output()).toBe('0/null');
      expect(await tableViolations(db.store, 'paper'), last.output()).toEqual([]);
    } finally {
      await llm.close();
    }
  }, 300_000);
});
