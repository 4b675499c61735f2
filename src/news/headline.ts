import { z } from 'zod';
import { SignetError } from '../errors/index.ts';

/** One news item as every feed hands it over (Alpaca's API, a backtest's file, the fake). */
export interface Headline {
  /** The feed's own id (Alpaca's numeric id as text; a file's `id` column). */
  id: string;
  /** Publication time, epoch ms (Alpaca's `created_at`). */
  time: number;
  headline: string;
  summary: string;
  /** Who wrote it (Alpaca: "benzinga"; a file: its `source` column). */
  source: string;
  /** The article's address, null when the feed gives none. */
  url: string | null;
  symbols: string[];
}

/** What a feed is asked: headlines about `symbol` published at or before `asOf`, newest first. */
export interface NewsQuery {
  symbol: string;
  /** The bar being decided (epoch ms): nothing published after it may be returned. */
  asOf: number;
  /** How far back to look (ms). */
  lookbackMs: number;
  /** At most this many headlines. */
  limit: number;
}

/** A source of headlines: Alpaca's news API, a file for backtests, or nothing. */
export interface NewsFeed {
  readonly name: string;
  headlines(query: NewsQuery): Promise<Headline[]>;
  /** Lets go of a connection (a stream); absent for feeds that hold none. */
  close?(): void;
}

/** A feed failed or handed over something unusable: names the source, line and field when known. */
export class NewsError extends SignetError {
  constructor(
    message: string,
    options: { code?: string; source: string; line?: number; field?: string; fix: string; cause?: unknown },
  ) {
    super(message, {
      code: options.code ?? 'news_invalid',
      fault: options.line === undefined ? 'external' : 'user',
      fix: options.fix,
      cause: options.cause,
      details: { source: options.source, line: options.line, field: options.field },
    });
  }
}

/**
 * The no-look-ahead rule, applied by every caller whatever the feed did: only headlines at or
 * before `asOf` and within the lookback, about the symbol, newest first, at most `limit`.
 */
export function visibleAt(headlines: readonly Headline[], query: NewsQuery): Headline[] {
  const from = query.asOf - query.lookbackMs;
  return headlines
    .filter((item) => item.time <= query.asOf && item.time >= from && item.symbols.includes(query.symbol))
    .sort((a, b) => b.time - a.time || a.id.localeCompare(b.id))
    .slice(0, query.limit);
}

/** A headline as the agents are shown it (the Strategist and the FactChecker see the same). */
export const headlineShownSchema = z.object({
  id: z.string(),
  t: z.string(),
  headline: z.string(),
  source: z.string(),
  url: z.string().nullable(),
});
export type HeadlineShown = z.infer<typeof headlineShownSchema>;

export function headlineShown(item: Headline): HeadlineShown {
  return {
    id: item.id,
    t: new Date(item.time).toISOString(),
    headline: item.headline,
    source: item.source,
    url: item.url,
  };
}

/** One journal line per headline: time, source, headline and its address. */
export function headlineNote(item: Headline): string {
  return `news ${item.id} ${new Date(item.time).toISOString()} [${item.source}] ${item.headline} — ${item.url ?? 'no URL'}`;
}
