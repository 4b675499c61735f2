import { type Headline, type HeadlineShown, headlineNote, headlineShown, type NewsFeed } from './headline.ts';

/** The news one candidate's agents are shown, and the journal's lines about it. */
export interface CandidateNews {
  items: Headline[];
  shown: HeadlineShown[];
  notes: string[];
}

export const noNews: CandidateNews = { items: [], shown: [], notes: [] };

/**
 * The headlines about `symbol` published no later than the bar being decided (`barTime`), newest
 * first. Any later headline the feed hands over is dropped here too (the no-look-ahead rule
 * holds whatever the feed does).
 */
export async function newsForCandidate(
  feed: NewsFeed | undefined,
  symbol: string,
  barTime: number,
  options: { lookbackMs: number; limit: number },
): Promise<CandidateNews> {
  if (!feed) return noNews;
  const fetched = await feed.headlines({ symbol, asOf: barTime, ...options });
  const items = fetched.filter((item) => item.time <= barTime).slice(0, options.limit);
  return { items, shown: items.map(headlineShown), notes: items.map(headlineNote) };
}

/**
 * The FactChecker's rule in code: a proposal may cite only news it was shown. Each id not in
 * the fetched set is one problem (a veto).
 */
export function newsIdsProblems(newsIds: readonly string[], shown: readonly { id: string }[]): string[] {
  const known = new Set(shown.map((item) => item.id));
  return newsIds
    .filter((id) => !known.has(id))
    .map((id) =>
      known.size === 0
        ? `the rationale cites news ${id}, but no headline was fetched for this bar`
        : `the rationale cites news ${id}, which is not among the headlines fetched for this bar (${[...known].join(', ')})`,
    );
}
