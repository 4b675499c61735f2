import { get, getBlob } from '../api.ts';
import { h, money, table, time } from '../dom.ts';
import { type FillMarker, type PriceBar, priceChart } from '../price-chart.ts';
import { tradeSide } from '../sides.ts';
import type { PositionView } from '../types.ts';

interface FillView {
  clientOrderId: string;
  side: 'buy' | 'sell';
  leg: string;
  qty: number;
  price: number;
  ts: string;
}

/** A short's entry or exit is marked; a long's reads as plain text. */
function sideBadge(leg: string, side: string): HTMLElement {
  const what = tradeSide(leg, side);
  return h('span', { class: what.startsWith('short') ? 'badge short' : 'badge long' }, what);
}

export async function chartsPage(params: URLSearchParams): Promise<HTMLElement> {
  const wanted = params.get('symbol');
  const data = await get<{ symbol: string; symbols: string[]; bars: PriceBar[] }>(
    `/bars?limit=150${wanted ? `&symbol=${encodeURIComponent(wanted)}` : ''}`,
  );
  const { fills } = await get<{ fills: FillView[] }>(
    `/fills?symbol=${encodeURIComponent(data.symbol)}&limit=500`,
  );
  const { positions } = await get<{ positions: PositionView[] }>('/positions');
  const held = positions.filter((position) => position.symbol === data.symbol && position.qty !== 0);
  const markers: FillMarker[] = fills.map((fill) => ({
    time: Date.parse(fill.ts),
    price: fill.price,
    side: fill.side,
    label: `${tradeSide(fill.leg, fill.side)}: ${fill.leg} ${fill.side} ${fill.qty} @ ${money(fill.price)} (${fill.clientOrderId})`,
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
      h(
        'span',
        { class: 'muted' },
        '▲ buy fill (long entry, short exit) · ▼ sell fill (short entry, long exit) · dashed lines: stop and target of the open position · wheel to zoom, drag to pan',
      ),
    ),
    priceChart(data.bars, markers, held),
    h('h2', {}, 'Fills'),
    table(
      ['Time', 'Leg', 'Side', 'Trade', 'Qty', 'Price', 'Order'],
      fills.map((fill) => [
        time(fill.ts),
        fill.leg,
        fill.side,
        sideBadge(fill.leg, fill.side),
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
