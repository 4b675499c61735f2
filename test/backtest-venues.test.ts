import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { createIngressServer } from '../src/venues/mt5/mt5-routes.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { SimulatedEa } from './support/simulated-ea.ts';
import { walkableTempDir } from './support/temp.ts';

const data = path.resolve(repoRoot, 'data');
const files = { ORCL: 'orcl-1995-2014.txt', YHOO: 'yhoo-1996-2014.txt', NVDA: 'nvda-1999-2014.txt' };
let fake: AlpacaFake;
let db: TestDatabase;
let folder: string;

beforeAll(async () => {
  fake = await startAlpacaFake();
  db = await createTestDatabase();
  folder = walkableTempDir(path.join(tmpdir(), 'signet-bt-venues-'));
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

/** Real daily bars (Date,Open,High,Low,Close,Adj Close,Volume), raw prices, as Alpaca serves them. */
function realBars(file: string) {
  return readFileSync(path.join(data, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [date, open, high, low, close, , volume] = line.split(',');
      return {
        t: `${date}T00:00:00Z`,
        o: Number(open),
        h: Number(high),
        l: Number(low),
        c: Number(close),
        v: Number(volume),
      };
    });
}

describe('backtests on the venues’ own bars', () => {
  it('--feed alpaca pages the history API and gives the same report as the same bars from CSV', async () => {
    for (const [symbol, file] of Object.entries(files)) fake.control.setBars(symbol, realBars(file));
    const config = path.join(folder, 'alpaca.yaml');
    writeFileSync(
      config,
      `broker: { kind: alpaca, alpaca: { tradingUrl: "${fake.baseUrl}", dataUrl: "${fake.baseUrl}", symbols: [ORCL] } }\n`,
    );
    const env = {
      SIGNET_CONFIG: config,
      SIGNET_LOG_LEVEL: 'error',
      APCA_API_KEY_ID: fake.keyId,
      APCA_API_SECRET_KEY: fake.secretKey,
    };
    const symbols = Object.keys(files).join(',');
    // 13,7xx bars across three symbols: more than one page of 10,000.
    const fromAlpaca = await runCli(
      ['backtest', '--feed', 'alpaca', '--symbols', symbols, '--from', '1995-01-01', '--no-db', '--json'],
      { env, cwd: folder, timeoutMs: 120_000 },
    );
    expect(fromAlpaca.code, fromAlpaca.stderr).toBe(0);
    const fromCsv = await runCli(
      [
        'backtest',
        '--data',
        ...Object.values(files).map((file) => path.join(data, file)),
        '--symbols',
        symbols,
        '--no-db',
        '--json',
      ],
      { env, cwd: folder, timeoutMs: 120_000 },
    );
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    const alpaca = JSON.parse(fromAlpaca.stdout) as { bars: number; trades: unknown[] };
    expect(alpaca.bars).toBe(5036 + 4713 + 4012);
    expect(alpaca.trades.length).toBeGreaterThan(100);
    expect(alpaca).toEqual(JSON.parse(fromCsv.stdout));
  });

  it('--feed alpaca without symbols says which option to give', async () => {
    const config = path.join(folder, 'alpaca-empty.yaml');
    writeFileSync(config, `broker: { kind: alpaca, alpaca: { dataUrl: "${fake.baseUrl}" } }\n`);
    const result = await runCli(['backtest', '--feed', 'alpaca', '--no-db'], {
      env: { SIGNET_CONFIG: config, APCA_API_KEY_ID: fake.keyId, APCA_API_SECRET_KEY: fake.secretKey },
      cwd: folder,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--symbols/);
  });

  it('--feed mt5 runs over the bars the EA posted', async () => {
    const token = 'bt-venues-bridge-token-0123';
    const server = await createIngressServer({
      store: db.store,
      token: new Secret(token),
      logger: silentLogger(),
      heartbeatIntervalMs: 10_000,
      pollIntervalS: 2,
    });
    try {
      const ea = new SimulatedEa(server.url, token);
      await ea.heartbeat();
      // ORCL's real daily closes stand in for a symbol's bars, posted 1,000 at a time as the EA does.
      const bars = realBars(files.ORCL).map((bar) => ({
        t: Date.parse(bar.t) / 1000,
        o: bar.o,
        h: bar.h,
        l: bar.l,
        c: bar.c,
      }));
      for (let start = 0; start < bars.length; start += 1000)
        expect((await ea.bars('ORCL', bars.slice(start, start + 1000), undefined, 'D1')).status).toBe(200);
      const config = path.join(folder, 'mt5.yaml');
      writeFileSync(config, 'broker: { kind: mt5, mt5: { timeframe: D1 } }\n');
      const result = await runCli(['backtest', '--feed', 'mt5', '--no-db', '--json'], {
        env: { SIGNET_CONFIG: config, SIGNET_LOG_LEVEL: 'error', DATABASE_URL: db.url },
        cwd: folder,
        timeoutMs: 120_000,
      });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { bars: number; symbols: string[]; trades: unknown[] };
      expect(report.symbols).toEqual(['ORCL']);
      expect(report.bars).toBe(bars.length);
      // Same bars as the CSV file: the same trades as the CSV run of ORCL alone.
      const fromCsv = await runCli(
        ['backtest', '--data', path.join(data, files.ORCL), '--symbols', 'ORCL', '--no-db', '--json'],
        { env: { SIGNET_LOG_LEVEL: 'error' }, cwd: folder, timeoutMs: 120_000 },
      );
      expect(report.trades).toEqual((JSON.parse(fromCsv.stdout) as { trades: unknown[] }).trades);
    } finally {
      await server.close();
    }
  });
});
