/** Market Data v2 bars for the fake: multi-symbol pages across all symbols, opaque page tokens. */
export interface FakeBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n?: number;
  vw?: number;
}

const timeframes =
  /^([1-9]|[1-5][0-9])(Min|T)$|^([1-9]|1[0-9]|2[0-3])(Hour|H)$|^1(Day|D|Week|W)$|^(1|2|3|4|6|12)(Month|M)$/;

/** `GET /v2/stocks/bars`: ordered by symbol then time; `limit` counts bars across all symbols. */
export function barsPage(url: URL, bars: Map<string, FakeBar[]>): { status: number; body: unknown } {
  const timeframe = url.searchParams.get('timeframe') ?? '';
  if (!timeframes.test(timeframe))
    return { status: 400, body: { message: `invalid timeframe: ${timeframe}` } };
  const symbols = (url.searchParams.get('symbols') ?? '').split(',').filter(Boolean).sort();
  const start = url.searchParams.get('start');
  const end = url.searchParams.get('end');
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000) || 1000, 10_000);
  const offset =
    Number(Buffer.from(url.searchParams.get('page_token') ?? 'MA==', 'base64').toString('utf8')) || 0;
  const all: Array<[string, FakeBar]> = [];
  for (const symbol of symbols) {
    for (const bar of bars.get(symbol) ?? []) {
      const t = Date.parse(bar.t);
      if (start && t < Date.parse(start)) continue;
      if (end && t > Date.parse(end)) continue;
      all.push([symbol, bar]);
    }
  }
  const page = all.slice(offset, offset + limit);
  const grouped: Record<string, FakeBar[]> = {};
  for (const [symbol, bar] of page) {
    grouped[symbol] ??= [];
    grouped[symbol].push({ n: 1, vw: bar.c, ...bar });
  }
  const next = offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64') : null;
  return { status: 200, body: { bars: grouped, next_page_token: next, currency: 'USD' } };
}
