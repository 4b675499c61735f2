import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccountState } from '../src/account-state/index.ts';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig, Secret } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { MarketSession, SimSession } from '../src/runtime/index.ts';
import { createMt5Broker } from '../src/venues/mt5/broker/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { alpacaFakeConfig } from './fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { scriptedAgents } from './support/agents.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { scriptedRoute } from './support/scripted-route.ts';
import { simSessionConfig } from './support/sim-config.ts';
import { SimulatedEa } from './support/simulated-ea.ts';
import { walkableTempDir } from './support/temp.ts';

const logger = silentLogger();
let db: TestDatabase;
let fake: AlpacaFake;
beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startAlpacaFake();
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

const noTrade = scriptedRoute({
  answers: {
    regime: { regime: 'ranging', bias: 'neutral', riskMultiplier: 1, rationale: 'flat' },
    strategist: { action: 'no_trade', rationale: 'nothing to do' },
    'fact-checker': { verdict: 'sign', reasons: ['ok'] },
    'double-checker': { verdict: 'sign', reasons: ['ok'] },
  },
});

const accountKeys = async () =>
  (
    await db.store.query<{ key: string }>("SELECT key FROM app_state WHERE key LIKE 'account.%' ORDER BY key")
  ).rows.map((row) => row.key);

describe('each session stores its account under its own key (venue and account id)', () => {
  it('the sim session writes account.paper.sim after each bar and retires the legacy row', async () => {
    await db.store.query(
      `INSERT INTO app_state (key, value, updated_by) VALUES ('account.paper', '{"equity": 1, "cash": 1}', 'brain')`,
    );
    const { config } = simSessionConfig('account-sim', {
      seed: 5,
      symbols: ['AAA'],
      bars: 70,
      warmupBars: 60,
    });
    const bus = new Bus({ store: db.store, logger });
    const agents = await scriptedAgents(db.store, [noTrade]);
    const { session } = await SimSession.open({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      runId: 'acct',
    });
    try {
      const status = await session.step();
      expect(await accountKeys()).toEqual(['account.paper.sim']);
      const stored = await readAccountState(db.store, 'paper');
      expect(stored?.value).toMatchObject({
        equity: status.equity,
        cash: status.cash,
        highWaterMark: config.paper.cash,
        dayStartEquity: config.paper.cash,
        positions: 0,
        bar: status.bar,
      });
    } finally {
      agents.skills.close();
      await bus.stop();
    }
  });

  it('a market session on Alpaca writes account.alpaca.<account number>, apart from the sim account', async () => {
    const symbols = ['AAA'];
    const base = alpacaFakeConfig(fake, symbols);
    const contextDir = walkableTempDir(path.join(tmpdir(), 'signet-account-market-'));
    const config: Config = { ...base, paths: { ...base.paths, contextDir } };
    const bus = new Bus({ store: db.store, logger });
    const agents = await scriptedAgents(db.store, [noTrade]);
    const { session } = await MarketSession.open({
      config,
      store: db.store,
      bus,
      logger,
      agents,
      liveConfirmed: false,
    });
    try {
      const statuses: Array<{ equity: number }> = [];
      const cycle = session.jobs((status) => statuses.push(status)).find((job) => job.name === 'cycle')!;
      await cycle.run(new Date());
      expect(statuses).toHaveLength(1);
      expect(await accountKeys()).toEqual(['account.alpaca.PA3FAKE00001', 'account.paper.sim']);
      const stored = await readAccountState(db.store, 'alpaca');
      expect(stored?.key).toBe('account.alpaca.PA3FAKE00001');
      expect(stored?.value).toMatchObject({
        equity: statuses[0]!.equity,
        highWaterMark: statuses[0]!.equity,
      });
      // The sim account is still the paper venue's: a switch of venue never mixes the two.
      expect((await readAccountState(db.store, 'paper'))?.key).toBe('account.paper.sim');
    } finally {
      await session.stop();
      agents.skills.close();
      await bus.stop();
    }
  });

  it("an MT5 account is named by the EA's login on its trade server", async () => {
    const token = 'account-snapshot-bridge-token';
    const server = await createIngressServer({
      store: db.store,
      token: new Secret(token),
      logger,
      heartbeatIntervalMs: 10_000,
      pollIntervalS: 2,
    });
    try {
      const ea = new SimulatedEa(server.url, token);
      expect((await ea.heartbeat()).status).toBe(200);
      const config = loadConfig({
        env: { SIGNET_MT5_TOKEN: token },
        file: '/dev/null',
        overrides: { broker: { kind: 'mt5' } as never },
      });
      const account = await createMt5Broker(config, db.store).account();
      expect(account.id).toBe('51234567@Broker-Demo');
    } finally {
      await server.close();
    }
  });
});
