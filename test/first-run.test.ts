import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveStopOf } from '../src/broker/index.ts';
import { Bus, type Signature } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { type LoadedAgents, loadAgents, SimSession } from '../src/runtime/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

/**
 * What a new user sees in the first minute of a default `npm start`: the default config (no
 * signet.yaml, no LLM), the default sim market and bar interval, the deterministic fallbacks.
 * Bars are counted, not timed: the first bar runs at once, then one every barIntervalMs, so
 * the first minute holds floor(60 s / interval) bars (the 31st would start at 60 s).
 */
const logger = silentLogger();
let database: TestDatabase;
let bus: Bus;
let loaded: LoadedAgents;
let config: Config;
let session: SimSession;

beforeAll(async () => {
  database = await createTestDatabase();
  const base = loadConfig({ env: {}, file: '/dev/null' });
  const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-first-run-'));
  config = { ...base, paths: { ...base.paths, contextDir } };
  bus = new Bus({ store: database.store, logger, settings: config.bus });
  loaded = await loadAgents(config, { store: database.store, bus, logger, watch: false, llm: true });
  ({ session } = await SimSession.open({
    config,
    store: database.store,
    bus,
    logger,
    agents: loaded.agents,
  }));
});

afterAll(async () => {
  loaded?.skills.close();
  await bus?.stop();
  await database?.drop();
});

const barsIn = (ms: number) => Math.floor(ms / config.schedule.barIntervalMs);

type OrderRow = {
  client_order_id: string;
  parent_client_order_id: string | null;
  leg: string;
  status: string;
  cycle_id: string | null;
};

describe('the first minute of a default npm start', () => {
  it('shows one whole chain: proposal, three signatures, order, fill, stop attached; then an exit', async () => {
    expect(loaded.router.configured).toBe(false);
    // Every open position is protected at the broker from the bar its entry fills.
    const unprotected: string[] = [];
    let positionsSeen = 0;
    for (let bar = 0; bar < barsIn(60_000); bar += 1) {
      await session.step();
      for (const position of session.broker.positions()) {
        positionsSeen += 1;
        const stop = await liveStopOf(session.broker, position);
        if (!stop?.clientOrderId?.endsWith('.sl')) unprotected.push(`${position.symbol} on bar ${bar + 1}`);
      }
    }
    expect(positionsSeen).toBeGreaterThan(0);
    expect(unprotected).toEqual([]);

    const orders = await database.store.query<OrderRow>(
      'SELECT client_order_id, parent_client_order_id, leg, status, cycle_id FROM orders ORDER BY id',
    );
    const entry = orders.rows.find((row) => row.leg === 'entry' && row.status === 'filled');
    expect(entry, 'a filled entry order within the first minute').toBeDefined();
    const id = entry!.client_order_id;
    const fills = await database.store.query('SELECT qty, price FROM fills WHERE client_order_id = $1', [id]);
    expect(fills.rows.length).toBeGreaterThan(0);
    const stop = orders.rows.find((row) => row.parent_client_order_id === id && row.leg === 'stop_loss');
    expect(stop, 'the stop leg recorded with the entry').toBeDefined();
    // Proposal → three signatures → order intent, in one cycle on the bus.
    const messages = await database.store.query<{ topic: string; signatures: Signature[]; payload: unknown }>(
      'SELECT topic, signatures, payload FROM agent_messages WHERE cycle_id = $1 ORDER BY id',
      [entry!.cycle_id],
    );
    const topics = messages.rows.map((row) => row.topic);
    expect(topics).toEqual(
      expect.arrayContaining(['strategist.proposal', 'signatures.collected', 'order.intent']),
    );
    const signed = messages.rows
      .filter((row) => row.topic === 'signatures.collected')
      .find((row) => row.signatures.every((signature) => signature.verdict === 'sign'));
    expect(signed?.signatures.map((signature) => signature.signer).sort()).toEqual([
      'double-checker',
      'fact-checker',
      'risk-gate',
    ]);

    // The journal file a human reads, where the row says it is.
    const journal = await database.store.query<{ path: string }>(
      "SELECT path FROM agent_journal WHERE client_order_id = $1 AND outcome = 'executed'",
      [id],
    );
    expect(journal.rows).toHaveLength(1);
    expect(existsSync(path.join(config.paths.contextDir, journal.rows[0]!.path))).toBe(true);

    // Soon after: the position leaves by its stop, target or horizon, within the next minute.
    for (let bar = 0; bar < barsIn(60_000); bar += 1) await session.step();
    const exits = await database.store.query<{ path: string }>(
      "SELECT path FROM agent_journal WHERE outcome = 'exited'",
    );
    expect(exits.rows.length, 'an exit within the second minute').toBeGreaterThan(0);
  });
});
