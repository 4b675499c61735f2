import { svg, svgText } from './dom.ts';

/** Horizontal bars with labels and values: one chart per grouping on the Costs page. */
export function barChart(
  rows: Array<{ label: string; value: number }>,
  format: (value: number) => string,
): SVGElement {
  const width = 560;
  const rowHeight = 22;
  const labelWidth = 170;
  const height = Math.max(1, rows.length) * rowHeight + 8;
  const max = Math.max(1e-9, ...rows.map((row) => row.value));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'chart' });
  rows.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const barWidth = ((width - labelWidth - 90) * row.value) / max;
    chart.appendChild(svgText(0, y + 15, row.label.slice(0, 26), { class: 'label' }));
    chart.appendChild(
      svg('rect', {
        x: labelWidth,
        y: y + 3,
        width: Math.max(1, barWidth),
        height: rowHeight - 6,
        class: 'bar',
      }),
    );
    chart.appendChild(svgText(labelWidth + barWidth + 6, y + 15, format(row.value), { class: 'value' }));
  });
  return chart;
}

export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface Marker {
  time: number;
  price: number;
  side: 'buy' | 'sell';
  label: string;
}

/** Candles with entry (▲ buy) and exit (▼ sell) markers at their fill prices. */
export function candleChart(candles: Candle[], markers: Marker[]): SVGElement {
  const width = 900;
  const height = 380;
  const pad = { left: 8, right: 64, top: 12, bottom: 28 };
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    role: 'img',
    class: 'chart candles',
  });
  if (candles.length === 0) return chart;
  const lows = candles.map((candle) => candle.low).concat(markers.map((marker) => marker.price));
  const highs = candles.map((candle) => candle.high).concat(markers.map((marker) => marker.price));
  const low = Math.min(...lows);
  const high = Math.max(...highs);
  const span = high - low || 1;
  const step = (width - pad.left - pad.right) / candles.length;
  const y = (price: number) => pad.top + ((high - price) / span) * (height - pad.top - pad.bottom);
  const x = (index: number) => pad.left + step * index + step / 2;
  for (let tick = 0; tick <= 4; tick++) {
    const price = low + (span * tick) / 4;
    chart.appendChild(
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y(price), y2: y(price), class: 'grid' }),
    );
    chart.appendChild(svgText(width - pad.right + 4, y(price) + 4, price.toFixed(2), { class: 'axis' }));
  }
  candles.forEach((candle, index) => {
    const up = candle.close >= candle.open;
    const body = Math.max(1, Math.abs(y(candle.open) - y(candle.close)));
    chart.appendChild(
      svg('line', {
        x1: x(index),
        x2: x(index),
        y1: y(candle.high),
        y2: y(candle.low),
        class: up ? 'wick up' : 'wick down',
      }),
    );
    chart.appendChild(
      svg('rect', {
        x: x(index) - Math.max(1, step * 0.35),
        y: Math.min(y(candle.open), y(candle.close)),
        width: Math.max(2, step * 0.7),
        height: body,
        class: up ? 'candle up' : 'candle down',
      }),
    );
  });
  const first = candles[0]?.time ?? 0;
  const last = candles.at(-1)?.time ?? 0;
  chart.appendChild(
    svgText(pad.left, height - 8, new Date(first).toISOString().slice(0, 10), { class: 'axis' }),
  );
  chart.appendChild(
    svgText(width - pad.right, height - 8, new Date(last).toISOString().slice(0, 10), {
      class: 'axis',
      'text-anchor': 'end',
    }),
  );
  for (const marker of markers) {
    if (marker.time < first || marker.time > last + 86_400_000) continue;
    let index = candles.findIndex((candle) => candle.time >= marker.time);
    if (index < 0) index = candles.length - 1;
    const cx = x(index);
    const cy = y(marker.price);
    const path = marker.side === 'buy' ? `M ${cx} ${cy} l -6 10 l 12 0 z` : `M ${cx} ${cy} l -6 -10 l 12 0 z`;
    const shape = svg('path', { d: path, class: `marker ${marker.side}` });
    const title = svg('title');
    title.textContent = marker.label;
    shape.appendChild(title);
    chart.appendChild(shape);
  }
  return chart;
}
