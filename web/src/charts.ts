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
