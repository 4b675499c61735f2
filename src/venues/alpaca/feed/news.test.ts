import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, type FakeNewsItem, startAlpacaFake } from '../../../../test/fakes/alpaca/server.ts';
import { Secret } from '../../../config/index.ts';
import { silentLogger } from '../../../logging/index.ts';
import { AlpacaHttp } from '../broker/index.ts';
import { AlpacaNewsFeed } from './news.ts';
import { AlpacaNewsStream } from './news-stream.ts';

let fake: AlpacaFake;
beforeAll(async () => {
  fake = await startAlpacaFake();
});
afterAll(() => fake.close());

const asOf = Date.parse('2024-01-05T15:00:00Z');
const items: FakeNewsItem[] = Array.from({ length: 60 }, (_, index) => ({
  id: 1000 + index,
  headline: `AAPL item ${index}`,
  // One an hour before asOf going back, and item 0 an hour AFTER asOf (never to be seen).
  created_at: new Date(asOf + 3_600_000 - index * 3_600_000).toISOString(),
  url: `https://www.benzinga.com/news/${1000 + index}`,
  symbols: index % 2 === 0 ? ['AAPL'] : ['AAPL', 'MSFT'],
  source: 'benzinga',
}));

function http(keyId = fake.keyId) {
  return new AlpacaHttp({
    baseUrl: fake.baseUrl,
    credentials: { keyId: new Secret(keyId), secretKey: new Secret(fake.secretKey) },
    logger: silentLogger(),
    maxRetries: 2,
    sleep: async () => {},
  });
}
const get = (query: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.baseUrl}/v1beta1/news?${query}`, {
    headers: { 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': fake.secretKey, ...headers },
  });

describe('the Alpaca news fake refuses what Alpaca refuses', () => {
  beforeAll(() => fake.control.setNews(items));

  it('401 without the key headers; 400 for a limit over 50, a bad sort or a bad time; 422 for start after end', async () => {
    expect((await fetch(`${fake.baseUrl}/v1beta1/news?symbols=AAPL`)).status).toBe(401);
    expect((await get('symbols=AAPL&limit=51')).status).toBe(400);
    expect((await get('symbols=AAPL&limit=0')).status).toBe(400);
    expect((await get('symbols=AAPL&sort=newest')).status).toBe(400);
    expect((await get('symbols=AAPL&start=yesterday')).status).toBe(400);
    expect((await get('symbols=AAPL&page_token=!!')).status).toBe(400);
    expect((await get('symbols=AAPL&start=2024-01-05&end=2024-01-04')).status).toBe(422);
    const ok = await get('symbols=MSFT&limit=50');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { news: Array<{ symbols: string[] }>; next_page_token: string | null };
    expect(body.news).toHaveLength(30);
    expect(body.next_page_token).toBeNull();
  });

  it('pages with page_token; 10 by default, newest first', async () => {
    const first = (await (await get('symbols=AAPL')).json()) as {
      news: Array<{ id: number }>;
      next_page_token: string;
    };
    expect(first.news.map((item) => item.id)).toEqual(items.slice(0, 10).map((item) => item.id));
    const second = (await (await get(`symbols=AAPL&page_token=${first.next_page_token}`)).json()) as {
      news: Array<{ id: number }>;
    };
    expect(second.news[0]!.id).toBe(1010);
  });
});

describe('AlpacaNewsFeed against the fake', () => {
  beforeAll(() => fake.control.setNews(items));

  it('reads headlines up to asOf over several pages of at most 50, never one after asOf', async () => {
    const feed = new AlpacaNewsFeed(http());
    const before = fake.control.countRequests('GET', '/v1beta1/news');
    const headlines = await feed.headlines({ symbol: 'AAPL', asOf, lookbackMs: 100 * 3_600_000, limit: 55 });
    expect(headlines).toHaveLength(55);
    expect(headlines.every((item) => item.time <= asOf)).toBe(true);
    expect(headlines[0]).toMatchObject({
      id: '1001',
      source: 'benzinga',
      url: 'https://www.benzinga.com/news/1001',
      time: asOf,
    });
    expect(fake.control.countRequests('GET', '/v1beta1/news') - before).toBe(2);
    const queries = fake.control.requests.filter((request) => request.path === '/v1beta1/news').slice(-2);
    expect(queries[0]!.query).toContain('limit=50');
    expect(queries[1]!.query).toContain('limit=5');
    expect(queries[1]!.query).toContain('page_token=');
  });

  it('a 429 is waited out and retried; bad keys fail loudly', async () => {
    fake.control.fault({ path: '/v1beta1/news', fault: { kind: 'rate_limit', resetInS: 0 } });
    const feed = new AlpacaNewsFeed(http());
    expect(await feed.headlines({ symbol: 'AAPL', asOf, lookbackMs: 3_600_000, limit: 3 })).toHaveLength(2);
    await expect(
      new AlpacaNewsFeed(http('PKWRONG')).headlines({
        symbol: 'AAPL',
        asOf,
        lookbackMs: 3_600_000,
        limit: 3,
      }),
    ).rejects.toThrow();
  });
});

describe('the real-time news stream', () => {
  const streamUrl = () => `${fake.baseUrl.replace(/^http/, 'ws')}/v1beta1/news`;

  it('authenticates, subscribes, and serves what arrived, never later than asOf', async () => {
    fake.control.setNews([]);
    const stream = new AlpacaNewsStream({
      url: streamUrl(),
      keyId: new Secret(fake.keyId),
      secretKey: new Secret(fake.secretKey),
      symbols: ['AAPL'],
      logger: silentLogger(),
    });
    await stream.start();
    fake.control.pushNews(items[1]!);
    fake.control.pushNews(items[0]!); // an hour after asOf
    fake.control.pushNews({ ...items[2]!, id: 7, symbols: ['TSLA'] }); // not subscribed
    const query = { symbol: 'AAPL', asOf, lookbackMs: 86_400_000, limit: 10 };
    let seen: Awaited<ReturnType<typeof stream.headlines>> = [];
    for (let attempt = 0; attempt < 100 && seen.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = await stream.headlines(query);
    }
    stream.close();
    expect(seen.map((item) => item.id)).toEqual(['1001']);
    expect(seen[0]).toMatchObject({ url: 'https://www.benzinga.com/news/1001', source: 'benzinga' });
  });

  it("wrong keys are refused with the stream's auth error", async () => {
    const stream = new AlpacaNewsStream({
      url: streamUrl(),
      keyId: new Secret('PKWRONG'),
      secretKey: new Secret(fake.secretKey),
      symbols: ['AAPL'],
      logger: silentLogger(),
    });
    await expect(stream.start()).rejects.toThrow('Alpaca news stream: auth failed (402)');
    stream.close();
  });
});

describe("the stream as the agents' news buffer (pipeline.news.stream), the historical API standing in", () => {
  const streamUrl = () => `${fake.baseUrl.replace(/^http/, 'ws')}/v1beta1/news`;
  const apiCalls = () => fake.control.countRequests('GET', '/v1beta1/news');
  const hour = 3_600_000;

  it('reads a symbol not yet buffered from the API once, then serves later bars from the buffer, never a headline after the bar', async () => {
    fake.control.setNews(items);
    const stream = new AlpacaNewsStream({
      url: streamUrl(),
      keyId: new Secret(fake.keyId),
      secretKey: new Secret(fake.secretKey),
      symbols: ['AAPL', 'MSFT'],
      logger: silentLogger(),
      backfill: new AlpacaNewsFeed(http()),
      reconnectMs: 10,
      // Connected half an hour before the first bar asked about.
      now: () => asOf - hour / 2,
    });
    await stream.start();
    try {
      const query = { symbol: 'AAPL', asOf, lookbackMs: 24 * hour, limit: 5 };
      let before = apiCalls();
      const first = await stream.headlines(query);
      expect(apiCalls() - before).toBe(1);
      expect(first.map((item) => item.id)).toEqual(['1001', '1002', '1003', '1004', '1005']);
      expect(stream.buffered(query)).toBe(true);

      // Two articles arrive on the stream: one before the next bar, one after it.
      fake.control.pushNews(items[0]!); // asOf + 1 h
      fake.control.pushNews({ ...items[1]!, id: 9001, created_at: new Date(asOf + 3 * hour).toISOString() });
      const later = { ...query, asOf: asOf + 2 * hour };
      let seen: Awaited<ReturnType<typeof stream.headlines>> = [];
      before = apiCalls();
      for (let attempt = 0; attempt < 100 && seen[0]?.id !== '1000'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await stream.headlines(later);
      }
      // From the buffer alone: no API call, the newer article (3 h after asOf) not shown.
      expect(apiCalls() - before).toBe(0);
      expect(seen.map((item) => item.id)).toEqual(['1000', '1001', '1002', '1003', '1004']);
      expect(seen.every((item) => item.time <= later.asOf)).toBe(true);

      // Another symbol is not buffered yet: the API answers it.
      before = apiCalls();
      await stream.headlines({ ...query, symbol: 'MSFT' });
      expect(apiCalls() - before).toBe(1);
      // A bar before the connection (the stream cannot know it): the API answers, nothing kept.
      before = apiCalls();
      const early = { ...query, symbol: 'TSLA', asOf: asOf - 2 * hour };
      await stream.headlines(early);
      expect(apiCalls() - before).toBe(1);
      expect(stream.buffered(early)).toBe(false);

      // The stream drops: nothing is served from the buffer until it is back and re-read.
      fake.control.dropStreams();
      for (let attempt = 0; attempt < 100 && stream.buffered(later); attempt += 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(stream.buffered(later)).toBe(false);
      before = apiCalls();
      await stream.headlines(later);
      expect(apiCalls() - before).toBe(1);
    } finally {
      stream.close();
    }
  });
});
