import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  LineSeries,
  LineStyle,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';

/**
 * Interactive charts drawn with TradingView's lightweight-charts: wheel or pinch to zoom, drag to
 * pan, a crosshair with the price and time under the pointer. Each chart's container says what
 * it shows in data attributes (the visible range, markers, price lines), which the Chromium
 * tests read.
 */
export interface PriceBar {
  /** Epoch ms. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

export interface FillMarker {
  /** Epoch ms. */
  time: number;
  price: number;
  side: 'buy' | 'sell';
  label: string;
}

export interface PositionLines {
  symbol: string;
  qty: number;
  stopPrice: number | null;
  takeProfitPrice: number | null;
}

const seconds = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

const baseOptions = {
  autoSize: true,
  layout: { background: { type: ColorType.Solid, color: '#ffffff' }, textColor: '#222' },
  crosshair: { mode: CrosshairMode.Normal },
  grid: { vertLines: { color: '#eee' }, horzLines: { color: '#eee' } },
  timeScale: { timeVisible: true, secondsVisible: false },
  handleScroll: true,
  handleScale: true,
} as const;

/** Runs `draw` once the container is in the page (lightweight-charts measures it). */
function whenConnected(container: HTMLElement, draw: () => void): void {
  let frames = 0;
  // A page left before it was shown is given up after ~10 s of frames.
  const check = () => {
    if (container.isConnected) draw();
    else if (frames++ < 600) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** Keeps the container's `data-visible` (from..to bar indexes) equal to what is on screen. */
function trackVisibleRange(chart: IChartApi, container: HTMLElement): void {
  const write = () => {
    const range = chart.timeScale().getVisibleLogicalRange();
    container.dataset.visible = range ? `${range.from.toFixed(2)}..${range.to.toFixed(2)}` : '';
  };
  chart.timeScale().subscribeVisibleLogicalRangeChange(write);
  write();
}

/** The bar a fill belongs to: the last bar that opened at or before it (markers sit on bars). */
function barTimeOf(bars: PriceBar[], time: number): number | null {
  let found: number | null = null;
  for (const bar of bars) {
    if (bar.time <= time) found = bar.time;
    else break;
  }
  return found ?? bars[0]?.time ?? null;
}

/** Candles, volume underneath, fills as entry/exit arrows, each open position's stop and target as price lines. */
export function priceChart(bars: PriceBar[], fills: FillMarker[], positions: PositionLines[]): HTMLElement {
  const container = document.createElement('div');
  container.className = 'lw-chart price-chart';
  container.dataset.testid = 'price-chart';
  whenConnected(container, () => {
    const chart = createChart(container, baseOptions);
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: '#1b8a3a',
      downColor: '#c0392b',
      borderVisible: false,
      wickUpColor: '#1b8a3a',
      wickDownColor: '#c0392b',
    });
    candles.setData(
      bars.map((bar) => ({
        time: seconds(bar.time),
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
      })),
    );
    const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: '' });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    volume.setData(
      bars.map((bar) => ({
        time: seconds(bar.time),
        value: bar.volume ?? 0,
        color: bar.close >= bar.open ? 'rgba(27,138,58,0.35)' : 'rgba(192,57,43,0.35)',
      })),
    );
    const markers: SeriesMarker<Time>[] = [];
    for (const fill of [...fills].sort((a, b) => a.time - b.time)) {
      const at = barTimeOf(bars, fill.time);
      if (at === null) continue;
      markers.push({
        time: seconds(at),
        position: fill.side === 'buy' ? 'belowBar' : 'aboveBar',
        shape: fill.side === 'buy' ? 'arrowUp' : 'arrowDown',
        color: fill.side === 'buy' ? '#1b6fd1' : '#e67e22',
        text: fill.label,
      });
    }
    markers.sort((a, b) => Number(a.time) - Number(b.time));
    createSeriesMarkers(candles, markers);
    const lines: string[] = [];
    for (const position of positions) {
      if (position.stopPrice !== null) {
        candles.createPriceLine({
          price: position.stopPrice,
          color: '#c0392b',
          lineWidth: 2,
          lineStyle: LineStyle.Dashed,
          axisLabelVisible: true,
          title: `stop ${position.symbol}`,
        });
        lines.push(`stop ${position.symbol} ${position.stopPrice}`);
      }
      if (position.takeProfitPrice !== null) {
        candles.createPriceLine({
          price: position.takeProfitPrice,
          color: '#1b8a3a',
          lineWidth: 2,
          lineStyle: LineStyle.Dashed,
          axisLabelVisible: true,
          title: `target ${position.symbol}`,
        });
        lines.push(`target ${position.symbol} ${position.takeProfitPrice}`);
      }
    }
    container.dataset.markers = String(markers.length);
    container.dataset.priceLines = lines.join('|');
    chart.timeScale().fitContent();
    trackVisibleRange(chart, container);
    container.dataset.ready = 'true';
  });
  return container;
}

export interface EquityPoint {
  /** Epoch ms. */
  time: number;
  equity: number;
}

/** Sorted, one point per second at most (the time scale needs strictly increasing times), with the running peak. */
function withDrawdown(points: EquityPoint[]): Array<{ time: UTCTimestamp; equity: number; peak: number }> {
  const unique = new Map<number, number>();
  for (const point of [...points].sort((a, b) => a.time - b.time))
    unique.set(seconds(point.time), point.equity);
  let peak = Number.NEGATIVE_INFINITY;
  return [...unique.entries()].map(([time, equity]) => {
    peak = Math.max(peak, equity);
    return { time: time as UTCTimestamp, equity, peak };
  });
}

export interface ArmSeries {
  name: string;
  colour: string;
  points: EquityPoint[];
}

/**
 * Several equity curves on one time scale (an evaluation's arms): one line per arm, and in a
 * second pane each arm's drawdown from its own peak in percent (≤ 0). `data-series` is the
 * number of equity lines the chart holds.
 */
export function armsChart(arms: ArmSeries[]): HTMLElement {
  const container = document.createElement('div');
  container.className = 'lw-chart equity-chart';
  container.dataset.testid = 'arms-chart';
  whenConnected(container, () => {
    const chart = createChart(container, baseOptions);
    const depths: Record<string, number> = {};
    for (const arm of arms) {
      const rows = withDrawdown(arm.points);
      chart
        .addSeries(LineSeries, { color: arm.colour, lineWidth: 2, title: arm.name })
        .setData(rows.map((row) => ({ time: row.time, value: row.equity })));
      const drawdown = rows.map((row) => ({
        time: row.time,
        value: row.peak > 0 ? ((row.equity - row.peak) / row.peak) * 100 : 0,
      }));
      chart
        .addSeries(LineSeries, { color: arm.colour, lineWidth: 1, title: `${arm.name} DD %` }, 1)
        .setData(drawdown);
      depths[arm.name] = Math.min(0, ...drawdown.map((row) => row.value));
    }
    chart.timeScale().fitContent();
    trackVisibleRange(chart, container);
    container.dataset.series = String(chart.panes()[0]?.getSeries().length ?? 0);
    container.dataset.arms = arms.map((arm) => arm.name).join(',');
    container.dataset.maxDrawdownPct = JSON.stringify(depths);
    container.dataset.ready = 'true';
  });
  return container;
}

/** Equity over time, and its drawdown from the running peak (in its own pane, ≤ 0). */
export function equityChart(points: EquityPoint[]): HTMLElement {
  const container = document.createElement('div');
  container.className = 'lw-chart equity-chart';
  container.dataset.testid = 'equity-chart';
  whenConnected(container, () => {
    const chart = createChart(container, baseOptions);
    const equity = chart.addSeries(LineSeries, { color: '#1b6fd1', lineWidth: 2, title: 'equity' });
    const drawdown = chart.addSeries(
      AreaSeries,
      {
        lineColor: '#c0392b',
        topColor: 'rgba(192,57,43,0.05)',
        bottomColor: 'rgba(192,57,43,0.4)',
        title: 'drawdown',
      },
      1,
    );
    const rows = withDrawdown(points).map((row) => ({ ...row, drawdown: row.equity - row.peak }));
    equity.setData(rows.map((row) => ({ time: row.time, value: row.equity })));
    drawdown.setData(rows.map((row) => ({ time: row.time, value: row.drawdown })));
    chart.timeScale().fitContent();
    trackVisibleRange(chart, container);
    container.dataset.points = String(rows.length);
    container.dataset.maxDrawdown = String(Math.min(0, ...rows.map((row) => row.drawdown)));
    container.dataset.ready = 'true';
  });
  return container;
}
