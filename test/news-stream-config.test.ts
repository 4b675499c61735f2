import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { newsForCandidate } from '../src/news/index.ts';
import { loadAgents } from '../src/runtime/index.ts';
import { alpacaFakeConfig } from './fakes/alpaca/config.ts';
import { type AlpacaFake, startAlpacaFake } from './fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

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

const hour = 3_600_000;

describe("pipeline.news.stream: Alpaca's real-time news chosen in config", () => {
  it('is refused without a venue source, naming the key', () => {
    const load = (news: Record<string, unknown>) =>
      loadConfig({ env: {}, file: '/dev/null', overrides: { pipeline: { news } } as never });
    expect(() => load({ source: 'none', stream: true })).toThrow(/pipeline\.news\.stream/);
    expect(() => load({ source: 'file', file: 'news.csv', stream: true })).toThrow(
      /pipeline\.news\.stream: true needs pipeline\.news\.source/,
    );
    expect(() => load({ source: 'alpaca', stream: 'yes' })).toThrow(/pipeline\.news\.stream/);
    expect(load({ source: 'alpaca', stream: true }).pipeline.news.stream).toBe(true);
  });

  it("the agents read the stream's buffer of the traded symbols; a bar after the connection sees a pushed headline, never a later one", async () => {
    const base = alpacaFakeConfig(fake, ['AAPL']);
    const config: Config = {
      ...base,
      broker: {
        ...base.broker,
        alpaca: {
          ...base.broker.alpaca,
          newsStreamUrl: `${fake.baseUrl.replace(/^http/, 'ws')}/v1beta1/news`,
        },
      },
      pipeline: { ...base.pipeline, news: { source: 'alpaca', stream: true, lookbackHours: 24, limit: 5 } },
    };
    fake.control.setNews([]);
    const bus = new Bus({ store: db.store, logger });
    const loaded = await loadAgents(config, { store: db.store, bus, logger, watch: false, llm: false });
    try {
      const news = loaded.agents.news!;
      expect(news.feed.name).toBe('alpaca-stream');
      const now = Date.now();
      const published = (id: number, at: number) => ({
        id,
        headline: `AAPL headline ${id}`,
        created_at: new Date(at).toISOString(),
        url: `https://www.benzinga.com/news/${id}`,
        symbols: ['AAPL'],
        source: 'benzinga',
      });
      // The first bar after the connection: not buffered yet, the historical API answers (empty).
      const apiCalls = () => fake.control.countRequests('GET', '/v1beta1/news');
      const before = apiCalls();
      const bar = now + hour;
      expect(await newsForCandidate(news.feed, 'AAPL', bar, news)).toMatchObject({ items: [] });
      expect(apiCalls() - before).toBe(1);
      fake.control.pushNews(published(501, now + hour / 2));
      fake.control.pushNews(published(502, now + 2 * hour)); // after the next bar
      let shown: string[] = [];
      for (let attempt = 0; attempt < 100 && shown.length === 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        shown = (await newsForCandidate(news.feed, 'AAPL', bar + hour / 4, news)).notes;
      }
      expect(shown).toEqual([
        `news 501 ${new Date(now + hour / 2).toISOString()} [benzinga] AAPL headline 501 — https://www.benzinga.com/news/501`,
      ]);
      expect(apiCalls() - before).toBe(1);
    } finally {
      await loaded.close();
      await bus.stop();
    }
  });
});
