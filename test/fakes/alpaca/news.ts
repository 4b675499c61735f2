/**
 * `GET /v1beta1/news` for the fake, as Alpaca's reference describes it
 * (https://docs.alpaca.markets/us/reference/news-3.md): `symbols` comma-separated, `start`/`end`
 * RFC-3339 or YYYY-MM-DD (inclusive), `limit` 1..50 (default 10), `sort` asc|desc (default
 * desc), `page_token` from the previous page's `next_page_token`, `include_content` and
 * `exclude_contentless` booleans. Items are the article objects of the real-time news stream's
 * documentation (https://alpaca.markets/docs/api-references/market-data-api/news-data/realtime/):
 * numeric `id`, `created_at`/`updated_at` RFC 3339, `url`, `symbols`, `source`, `content` only
 * when asked for.
 */
export interface FakeNewsItem {
  id: number;
  headline: string;
  summary?: string;
  author?: string;
  created_at: string;
  updated_at?: string;
  url: string;
  symbols: string[];
  source: string;
  content?: string;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))?$/;
const bool = /^(true|false)$/;

/** A 400 the way the data API words a bad parameter (same body shape as the bars route). */
const bad = (message: string) => ({ status: 400, body: { message } });

export function newsPage(url: URL, news: readonly FakeNewsItem[]): { status: number; body: unknown } {
  const params = url.searchParams;
  const known = new Set([
    'symbols',
    'start',
    'end',
    'limit',
    'sort',
    'page_token',
    'include_content',
    'exclude_contentless',
  ]);
  for (const key of params.keys()) if (!known.has(key)) return bad(`unexpected parameter: ${key}`);
  const start = params.get('start');
  const end = params.get('end');
  for (const [name, value] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (value !== null && !rfc3339.test(value)) return bad(`invalid ${name}: ${value}`);
  }
  // An interval whose start is after its end is refused as unprocessable.
  if (start && end && Date.parse(start) > Date.parse(end))
    return { status: 422, body: { message: 'end should not be before start' } };
  const limitText = params.get('limit');
  const limit = limitText === null ? 10 : Number(limitText);
  // limit: "Limit of news items to be returned for a result page" — between 1 and 50.
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) return bad(`invalid limit: ${limitText}`);
  const sort = params.get('sort') ?? 'desc';
  if (sort !== 'asc' && sort !== 'desc') return bad(`invalid sort: ${sort}`);
  for (const name of ['include_content', 'exclude_contentless']) {
    const value = params.get(name);
    if (value !== null && !bool.test(value)) return bad(`invalid ${name}: ${value}`);
  }
  const token = params.get('page_token');
  let offset = 0;
  if (token !== null) {
    // Only tokens this fake handed out (base64 of a page offset) are accepted.
    const decoded = /^[A-Za-z0-9+/]+=*$/.test(token) ? Buffer.from(token, 'base64').toString('utf8') : '';
    if (!/^\d+$/.test(decoded)) return bad('invalid page_token');
    offset = Number(decoded);
  }
  const symbols = (params.get('symbols') ?? '').split(',').filter(Boolean);
  const includeContent = params.get('include_content') === 'true';
  const excludeContentless = params.get('exclude_contentless') === 'true';
  const inclusiveEnd = (text: string) =>
    text.length === 10 ? Date.parse(text) + 86_399_999 : Date.parse(text);
  const matching = news
    .filter((item) => symbols.length === 0 || item.symbols.some((symbol) => symbols.includes(symbol)))
    .filter((item) => !start || Date.parse(item.created_at) >= Date.parse(start))
    .filter((item) => !end || Date.parse(item.created_at) <= inclusiveEnd(end))
    .filter((item) => !excludeContentless || (item.content ?? '') !== '')
    .sort((a, b) => {
      const order = Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;
      return sort === 'asc' ? order : -order;
    });
  const page = matching.slice(offset, offset + limit).map((item) => {
    const { content, ...rest } = item;
    return {
      author: '',
      summary: '',
      updated_at: item.created_at,
      images: [],
      ...rest,
      content: includeContent ? (content ?? '') : '',
    };
  });
  const next =
    offset + limit < matching.length ? Buffer.from(String(offset + limit)).toString('base64') : null;
  return { status: 200, body: { news: page, next_page_token: next } };
}
