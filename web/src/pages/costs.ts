import { get } from '../api.ts';
import { barChart } from '../charts.ts';
import { h, usd } from '../dom.ts';
import type { CostRow } from '../types.ts';

function sumBy(rows: CostRow[], key: (row: CostRow) => string, value: (row: CostRow) => number) {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) ?? 0) + value(row));
  return [...totals.entries()].map(([label, total]) => ({ label, value: total }));
}

export async function costsPage(): Promise<HTMLElement> {
  const costs = await get<{
    rows: CostRow[];
    totalUsd: number;
    notionalUsd: number;
    from: string;
    to: string;
  }>('/costs?days=30');
  const spend = (row: CostRow) => row.costUsd + row.notionalUsd;
  const byValue = (rows: Array<{ label: string; value: number }>) => rows.sort((a, b) => b.value - a.value);
  const section = h(
    'section',
    { 'data-page': 'costs' },
    h('h1', {}, 'Costs'),
    h(
      'p',
      {},
      `Last 30 days: paid ${usd(costs.totalUsd)}, notional (subscription and local routes, priced as if paid) ${usd(costs.notionalUsd)}.`,
    ),
  );
  if (costs.rows.length === 0) {
    section.append(
      h(
        'p',
        { class: 'muted' },
        'No LLM call is in the ledger for this window (deterministic fallbacks cost nothing).',
      ),
    );
    return section;
  }
  const days = sumBy(costs.rows, (row) => row.day.slice(0, 10), spend).sort((a, b) =>
    a.label.localeCompare(b.label),
  );
  section.append(
    h('h2', {}, 'By day'),
    barChart(days, usd),
    h('h2', {}, 'By route'),
    barChart(byValue(sumBy(costs.rows, (row) => row.route, spend)), usd),
    h('h2', {}, 'By model'),
    barChart(byValue(sumBy(costs.rows, (row) => row.model, spend)), usd),
    h('h2', {}, 'By agent'),
    barChart(byValue(sumBy(costs.rows, (row) => row.agent, spend)), usd),
    h('h2', {}, 'Calls by agent'),
    barChart(
      byValue(
        sumBy(
          costs.rows,
          (row) => row.agent,
          (row) => row.attempts,
        ),
      ),
      (value) => String(value),
    ),
  );
  return section;
}
