import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileNewsFeed, NewsError, newsForCandidate, newsIdsProblems, parseNewsText } from './index.ts';

const csv = `id,time,symbols,headline,source,url
n1,2024-01-04T14:00:00Z,AAPL,"Apple, Inc. ships ""Vision""",benzinga,https://news.example/n1
n2,2024-01-05T00:00:00Z,AAPL;MSFT,Both at midnight,reuters,
n3,2024-01-05T00:00:00.001Z,AAPL,One millisecond after the bar,benzinga,https://news.example/n3
`;

describe('news files', () => {
  it('reads CSV rows (quoted commas, several symbols, an empty url)', () => {
    const items = parseNewsText(csv, 'news.csv');
    expect(items.map((item) => [item.id, item.symbols, item.url])).toEqual([
      ['n1', ['AAPL'], 'https://news.example/n1'],
      ['n2', ['AAPL', 'MSFT'], null],
      ['n3', ['AAPL'], 'https://news.example/n3'],
    ]);
    expect(items[0]!.headline).toBe('Apple, Inc. ships "Vision"');
  });

  it('a bad row is an error naming its line and field', () => {
    const bad = `${csv}n4,2024-01-05,AAPL,No zone on the time,benzinga,\n`;
    expect(() => parseNewsText(bad, 'news.csv')).toThrow(NewsError);
    expect(() => parseNewsText(bad, 'news.csv')).toThrow(
      /^news\.csv line 5: time must be an ISO 8601 time with a zone/,
    );
    const json = JSON.stringify([
      { id: 'j1', time: '2024-01-04T10:00:00Z', symbols: ['AAPL'], headline: 'ok', source: 'x' },
      {
        id: 'j2',
        time: '2024-01-04T10:00:00Z',
        symbols: ['AAPL'],
        headline: 'bad url',
        source: 'x',
        url: 'ftp://a',
      },
    ]);
    expect(() => parseNewsText(json, 'news.json')).toThrow(/^news\.json line 2: url must start with http/);
    expect(() => parseNewsText('id,time,headline\n', 'short.csv')).toThrow(
      /line 1: the header lacks symbols, source/,
    );
  });

  it('no look-ahead: a backtest over a news file never hands out a headline dated after its bar', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'signet-news-'));
    const file = path.join(dir, 'news.csv');
    await writeFile(file, csv);
    const feed = await FileNewsFeed.load(file);
    const bar = Date.parse('2024-01-05T00:00:00Z');
    const seen = await newsForCandidate(feed, 'AAPL', bar, { lookbackMs: 7 * 86_400_000, limit: 10 });
    expect(seen.items.map((item) => item.id)).toEqual(['n2', 'n1']);
    expect(seen.notes[1]).toBe(
      'news n1 2024-01-04T14:00:00.000Z [benzinga] Apple, Inc. ships "Vision" — https://news.example/n1',
    );
    // Walking bar by bar over a day of minutes: every headline shown is at or before its bar.
    for (let minute = 0; minute < 24 * 60; minute += 7) {
      const at = Date.parse('2024-01-04T12:00:00Z') + minute * 60_000;
      const shown = await newsForCandidate(feed, 'AAPL', at, { lookbackMs: 7 * 86_400_000, limit: 10 });
      for (const item of shown.items) expect(item.time).toBeLessThanOrEqual(at);
    }
    // Even a feed that ignores asOf cannot leak a later headline through newsForCandidate.
    const leaky = { name: 'leaky', headlines: async () => parseNewsText(csv, 'x.csv') };
    const guarded = await newsForCandidate(leaky, 'AAPL', bar, { lookbackMs: 1, limit: 10 });
    expect(guarded.items.map((item) => item.id)).not.toContain('n3');
  });

  it('news ids the rationale cites must be among those fetched', () => {
    expect(newsIdsProblems(['n1'], [{ id: 'n1' }])).toEqual([]);
    expect(newsIdsProblems(['n9'], [{ id: 'n1' }])).toEqual([
      'the rationale cites news n9, which is not among the headlines fetched for this bar (n1)',
    ]);
    expect(newsIdsProblems(['n9'], [])).toEqual([
      'the rationale cites news n9, but no headline was fetched for this bar',
    ]);
  });
});
