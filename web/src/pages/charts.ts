import { get, getBlob } from '../api.ts';
import { type Candle, candleChart, type Marker } from '../charts.ts';
import { h, money, table, time } from '../dom.ts';

interface FillView {
  clientOrderId: string;
  side: 'buy' | 'sell';
  leg: string;
  qty: number;
  price: number;
  ts: string;
}

export async function chartsPage(params: URLSearchParams): Promise<HTMLElement> {
  const wanted = params.get('symbol');
  const data = await get<{ symbol: string; symbols: string[]; bars: Candle[] }>(
    `/bars?limit=150${wanted ? `&symbol=${encodeURIComponent(wanted)}` : ''}`,
  );
  const { fills } = await get<{ fills: FillView[] }>(
    `/fills?symbol=${encodeURIComponent(data.symbol)}&limit=500`,
  );
  const markers: Marker[] = fills.map((fill) => ({
    time: Date.parse(fill.ts),
    price: fill.price,
    side: fill.side,
    label: `${fill.leg} ${fill.side} ${fill.qty} @ ${money(fill.price)} (${fill.clientOrderId})`,
  }));
  const select = h(
    'select',
    {
      name: 'symbol',
      onchange: (event: Event) =>
        (location.hash = `#/charts?symbol=${(event.target as HTMLSelectElement).value}`),
    },
    ...data.symbols.map((symbol) => h('option', { value: symbol, selected: symbol === data.symbol }, symbol)),
  );
  return h(
    'section',
    { 'data-page': 'charts' },
    h('h1', {}, `Chart · ${data.symbol}`),
    h(
      'div',
      { class: 'toolbar' },
      select,
      h('span', { class: 'muted' }, '▲ entry (buy fill) · ▼ exit (sell fill); hover a marker for its order'),
    ),
    candleChart(data.bars, markers),
    h('h2', {}, 'Fills'),
    table(
      ['Time', 'Leg', 'Side', 'Qty', 'Price', 'Order'],
      fills.map((fill) => [
        time(fill.ts),
        fill.leg,
        fill.side,
        fill.qty,
        money(fill.price),
        fill.clientOrderId,
      ]),
      `no fills on ${data.symbol} yet`,
    ),
    await terminalCapture(data.symbol),
  );
}

interface CaptureView {
  captureId: string;
  terminalId: string;
  timeframe: string;
  receivedAt: string;
}

/** The newest chart picture the MT5 EA posted for the symbol, as the terminal itself draws it. */
async function terminalCapture(symbol: string): Promise<HTMLElement | null> {
  const { captures } = await get<{ captures: CaptureView[] }>(
    `/captures?symbol=${encodeURIComponent(symbol)}&limit=1`,
  );
  const newest = captures[0];
  if (!newest) return null;
  const image = URL.createObjectURL(await getBlob(`/captures/${newest.captureId}`));
  return h(
    'figure',
    { class: 'capture' },
    h('h2', {}, 'In the terminal'),
    h('img', {
      src: image,
      alt: `${symbol} ${newest.timeframe} chart from ${newest.terminalId}`,
      'data-testid': 'capture',
    }),
    h(
      'figcaption',
      { class: 'muted' },
      `${newest.terminalId} · ${newest.timeframe} · received `,
      time(newest.receivedAt),
    ),
  );
}
