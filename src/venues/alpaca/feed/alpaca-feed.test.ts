import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { BrokerRejectedError } from '../broker/index.ts';
import { AlpacaFeed } from './alpaca-feed.ts';

let fake: AlpacaFake;
beforeAll(async () => {
  fake = await startAlpacaFake();
  const days = (base: number, count: number) =>
    Array.from({ length: count }, (_, day) => ({
      t: new Date(Date.UTC(2024, 0, 2 + day, 5)).toISOString(),
      o: base + day,
      h: base + day + 2,
      l: base + day - 1,
      c: base + day + 1,
      v: 1000 + day,
    }));
  fake.control.setBars('AAPL', days(180, 25));
  fake.control.setBars('TSLA', days(240, 7));
});
afterAll(() => fake.close());

const feed = (timeframe = '1Day', pageSize = 10) =>
  new AlpacaFeed({
    http: {
      baseUrl: fake.baseUrl,
      credentials: { keyId: new Secret(fake.keyId), secretKey: new Secret(fake.secretKey) },
      logger: silentLogger(),
    },
    symbols: ['AAPL', 'TSLA'],
    timeframe,
    pageSize,
    adjustment: 'all',
  });

describe('AlpacaFeed', () => {
  it('loads several symbols across pages (next_page_token) with the adjustment asked for', async () => {
    const result = await feed().load({ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) });
    expect(result.series.map((series) => [series.symbol, series.length])).toEqual([
      ['AAPL', 25],
      ['TSLA', 7],
    ]);
    const pages = fake.control.requests.filter((request) => request.path === '/v2/stocks/bars');
    expect(pages.length).toBe(4);
    expect(pages[0]!.query).toContain('adjustment=all');
    const aapl = result.series[0]!;
    expect(aapl.time[0]).toBe(Date.UTC(2024, 0, 2, 5));
    expect(aapl.close[24]).toBe(205);
  });

  it('gives the latest bar of each symbol for a live cycle', async () => {
    const latest = await feed().latest();
    expect(latest.map((bar) => [bar.symbol, bar.close])).toEqual([
      ['AAPL', 205],
      ['TSLA', 247],
    ]);
  });

  it('rejects an invalid timeframe with the broker message', async () => {
    await expect(feed('30Sec').load()).rejects.toBeInstanceOf(BrokerRejectedError);
  });
});
