import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { ibkrSectionSchema } from '../src/venues/ibkr/config-section.ts';
import { ibkrDoctorChecks } from '../src/venues/ibkr/doctor.ts';
import { IbkrFeed } from '../src/venues/ibkr/feed/ibkr-feed.ts';
import { HistoricalPacer } from '../src/venues/ibkr/feed/pacing.ts';
import { venueFor } from '../src/venues/index.ts';
import { type FakeTws, startFakeTws } from './fakes/ibkr/index.ts';
import { waitFor } from './support/wait.ts';

/**
 * The ibkr feed on the strict fake TWS: bars for a backtest (`--feed ibkr` reads this feed),
 * the latest bars for a cycle, IB's pacing honoured (the fake answers 162 to a violation) and a
 * violation backed off, never hammered; and `signet doctor`'s two checks.
 */
const logger = silentLogger();
let fake: FakeTws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const days = (symbol: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.UTC(2024, 0, from + i)).toISOString().slice(0, 10).replaceAll('-', '');
    const close = (symbol === 'AAPL' ? 100 : 300) + i;
    return { time: day, open: close - 1, high: close + 1, low: close - 2, close, volume: 1000 + i };
  });

/** One virtual clock for the fake and the pacer: waits pass instantly, and both agree on them. */
function virtualClock(start: number) {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

async function fakeWithBars(now?: () => number) {
  fake = await startFakeTws({
    accounts: ['DU1234567'],
    contracts: [
      { symbol: 'AAPL', minTick: 0.01, conId: 265598 },
      { symbol: 'MSFT', minTick: 0.01, conId: 272093 },
    ],
    bars: { AAPL: days('AAPL', 1, 20), MSFT: days('MSFT', 1, 20) },
    ...(now ? { now } : {}),
  });
  return fake;
}

const section = (port: number) =>
  ibkrSectionSchema.parse({ port, symbols: ['AAPL', 'MSFT'], requestTimeoutMs: 3_000 });
const historical = () => (fake?.requests() ?? []).filter((each) => each.name === 'REQ_HISTORICAL_DATA');

describe('the ibkr feed', () => {
  it('loads a backtest range through the registry’s feed, each symbol once, on its own client id', async () => {
    const tws = await fakeWithBars();
    const config = loadConfig({
      env: {},
      file: '/dev/null',
      overrides: { broker: { kind: 'ibkr', ibkr: { port: tws.port, symbols: ['AAPL', 'MSFT'] } } } as never,
    });
    const feed = venueFor(config).openFeed(config, {
      logger,
      store: async () => {
        throw new Error('no database needed');
      },
    });
    const result = await feed.load({ from: Date.UTC(2024, 0, 5), to: Date.UTC(2024, 0, 10) });
    expect(result.series.map((each) => [each.symbol, each.length])).toEqual([
      ['AAPL', 6],
      ['MSFT', 6],
    ]);
    expect([result.series[0]?.time[0], result.series[0]?.close[0]]).toEqual([Date.UTC(2024, 0, 5), 104]);
    expect(historical().map((each) => each.clientId)).toEqual([3, 3]);
    await waitFor(() => tws.clients().length === 0, 'the data connection closed after the load');
  });

  it('waits out an identical request (15 s) instead of drawing a pacing violation', async () => {
    const clock = virtualClock(Date.UTC(2024, 0, 21));
    const tws = await fakeWithBars(clock.now);
    const pacer = new HistoricalPacer(section(tws.port).pacing, clock);
    const feed = new IbkrFeed({ section: section(tws.port), logger, symbols: ['AAPL'], pacer });
    const first = await feed.latest();
    const second = await feed.latest();
    expect(first).toEqual(second);
    expect(first[0]).toMatchObject({ symbol: 'AAPL', time: Date.UTC(2024, 0, 20), close: 119 });
    expect(clock.waits).toEqual([15_000]);
    expect(historical()).toHaveLength(2);
  });

  it('a 162 pacing violation backs off and retries once, not in a loop', async () => {
    const clock = virtualClock(Date.UTC(2024, 0, 21));
    const tws = await fakeWithBars(clock.now);
    // A pacer that ignores the identical-request rule, so the fake refuses the second request.
    const lax = { ...section(tws.port).pacing, identicalGapMs: 0 };
    const pacer = new HistoricalPacer(lax, clock);
    const feed = new IbkrFeed({ section: section(tws.port), logger, symbols: ['AAPL'], pacer });
    await feed.latest();
    const again = await feed.latest();
    expect(again[0]).toMatchObject({ symbol: 'AAPL', close: 119 });
    // First request, the refused identical one, then one retry after the 15 s backoff.
    expect(historical()).toHaveLength(3);
    expect(clock.waits).toEqual([15_000]);
  });
});

describe('signet doctor on ibkr', () => {
  it('reports the Gateway, the paper account, the clock and the market data', async () => {
    const today = new Date();
    const recent = Array.from({ length: 3 }, (_, i) => {
      const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 3 + i));
      return {
        time: day.toISOString().slice(0, 10).replaceAll('-', ''),
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: 10,
      };
    });
    fake = await startFakeTws({
      accounts: ['DU1234567'],
      contracts: [{ symbol: 'AAPL', minTick: 0.01, conId: 265598 }],
      bars: { AAPL: recent },
    });
    const tws = fake;
    const config = loadConfig({
      env: {},
      file: '/dev/null',
      overrides: { broker: { kind: 'ibkr', ibkr: { port: tws.port, symbols: ['AAPL'] } } } as never,
    });
    const context = {
      config,
      logger,
      store: async () => {
        throw new Error('unused');
      },
    };
    const [broker, feedCheck] = ibkrDoctorChecks;
    const brokerResult = await broker!.run(context);
    expect(brokerResult.status).toBe('ok');
    expect(brokerResult.detail).toMatch(/server version \d+.*account DU1234567 \(paper.*clock [+-]\d+ ms/);
    const feedResult = await feedCheck!.run(context);
    expect(feedResult.status, feedResult.detail).toBe('ok');
    expect(feedResult.detail).toMatch(/bars of AAPL/);
  });

  it('warns when the Gateway’s clock is off by more than clockSkewWarnMs', async () => {
    fake = await startFakeTws({ accounts: ['DU1234567'], now: () => Date.now() + 60_000 });
    const config = loadConfig({
      env: {},
      file: '/dev/null',
      overrides: { broker: { kind: 'ibkr', ibkr: { port: fake.port } } } as never,
    });
    const result = await ibkrDoctorChecks[0]!.run({
      config,
      logger,
      store: async () => {
        throw new Error('unused');
      },
    });
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/clock \+(59|60|61)\d{3} ms/);
    expect(result.fix).toMatch(/NTP/);
  });

  it('fails naming the fix when no Gateway listens, and when the account is not managed', async () => {
    const tws = await fakeWithBars();
    const port = tws.port;
    const wrongAccount = loadConfig({
      env: {},
      file: '/dev/null',
      overrides: { broker: { kind: 'ibkr', ibkr: { port, account: 'DU999' } } } as never,
    });
    const context = {
      config: wrongAccount,
      logger,
      store: async () => {
        throw new Error('unused');
      },
    };
    const refused = await ibkrDoctorChecks[0]!.run(context);
    expect(refused).toMatchObject({ status: 'fail' });
    expect(refused.detail).toMatch(/DU999 is not managed/);
    await tws.close();
    fake = undefined;
    const down = await ibkrDoctorChecks[0]!.run({
      ...context,
      config: loadConfig({
        env: {},
        file: '/dev/null',
        overrides: { broker: { kind: 'ibkr', ibkr: { port, connectTimeoutMs: 1_000 } } } as never,
      }),
    });
    expect(down.status).toBe('fail');
    expect(down.fix).toMatch(/IB Gateway/);
  });
});
