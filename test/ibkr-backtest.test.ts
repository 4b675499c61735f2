import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTws, startFakeTws } from './fakes/ibkr/index.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

/** `signet backtest --feed ibkr` over IB's historical bars: the same report as the same bars from CSV. */
const file = path.resolve(repoRoot, 'data', 'orcl-1995-2014.txt');
let fake: FakeTws;
let folder: string;

/** Real daily bars (Date,Open,High,Low,Close,Adj Close,Volume) as the TWS serves daily bars (yyyymmdd). */
function realBars() {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [date, open, high, low, close, , volume] = line.split(',');
      return {
        time: date!.replaceAll('-', ''),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        volume: Number(volume),
      };
    });
}

beforeAll(async () => {
  fake = await startFakeTws({
    accounts: ['DU1234567'],
    contracts: [{ symbol: 'ORCL', minTick: 0.01, conId: 272800 }],
    bars: { ORCL: realBars() },
  });
  folder = walkableTempDir(path.join(tmpdir(), 'signet-bt-ibkr-'));
});
afterAll(() => fake.close());

describe('signet backtest --feed ibkr', () => {
  it('loads the range from the Gateway on the data client id and matches the CSV run', async () => {
    const config = path.join(folder, 'ibkr.yaml');
    writeFileSync(config, `broker: { kind: ibkr, ibkr: { port: ${fake.port}, symbols: [ORCL] } }\n`);
    const env = { SIGNET_CONFIG: config, SIGNET_LOG_LEVEL: 'error' };
    const fromIb = await runCli(['backtest', '--feed', 'ibkr', '--from', '1995-01-01', '--no-db', '--json'], {
      env,
      cwd: folder,
      timeoutMs: 120_000,
    });
    expect(fromIb.code, fromIb.stderr).toBe(0);
    const fromCsv = await runCli(['backtest', '--data', file, '--symbols', 'ORCL', '--no-db', '--json'], {
      env: { SIGNET_LOG_LEVEL: 'error' },
      cwd: folder,
      timeoutMs: 120_000,
    });
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    const report = JSON.parse(fromIb.stdout) as { bars: number; trades: unknown[] };
    expect(report.bars).toBe(realBars().length);
    expect(report.trades).toEqual((JSON.parse(fromCsv.stdout) as { trades: unknown[] }).trades);
    expect(
      fake
        .requests()
        .filter((each) => each.name === 'REQ_HISTORICAL_DATA')
        .map((each) => each.clientId),
    ).toEqual([3]);
  });
});
