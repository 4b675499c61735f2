import { get } from '../api.ts';
import { age, h, money, table, time, usd } from '../dom.ts';
import { equityPanel } from '../equity-panel.ts';
import { haltControl } from '../halt-control.ts';
import { positionDirection } from '../sides.ts';
import type { CostRow, InvariantsView, MessageView, PositionView, RoutesView, StateView } from '../types.ts';

/** Loud, never silent: a route refusing our request stays on the panel until it answers that skill. */
function rejectedRequests(routes: RoutesView): HTMLElement[] {
  if (routes.rejections.length === 0) return [];
  return [
    h(
      'div',
      { class: 'bad', 'data-testid': 'llm-rejections' },
      h('strong', {}, 'Requests refused by a route (our configuration’s fault):'),
      h(
        'ul',
        {},
        ...routes.rejections.map((rejection) =>
          h(
            'li',
            {},
            `${rejection.headline} (since ${time(rejection.at)})`,
            rejection.fix ? h('div', { class: 'muted' }, `fix: ${rejection.fix}`) : '',
          ),
        ),
      ),
    ),
  ];
}

/** Who actually decided since the brain started: never what is configured. */
function decidedBy(routes: RoutesView): HTMLElement {
  const decisions = routes.decisions;
  if (!decisions || decisions.total === 0)
    return h(
      'p',
      { class: 'muted', 'data-testid': 'llm-deciders' },
      'No agent decision since the brain started.',
    );
  const parts = [
    ...Object.entries(decisions.routes)
      .sort((a, b) => b[1] - a[1])
      .map(([key, count]) => `${key} ${count}`),
    `fallback ${decisions.fallback}`,
    `failure ${decisions.failure}`,
  ];
  return h(
    'p',
    { 'data-testid': 'llm-deciders', class: decisions.fallback + decisions.failure > 0 ? 'bad' : 'ok' },
    `Decided by (since the brain started, ${decisions.total} decisions): ${parts.join(', ')}`,
  );
}

export async function overviewPage(): Promise<HTMLElement> {
  const [state, { positions }, routes, costs, invariants, closed] = await Promise.all([
    get<StateView>('/state'),
    get<{ positions: PositionView[] }>('/positions'),
    get<RoutesView>('/routes'),
    get<{ rows: CostRow[]; totalUsd: number; notionalUsd: number }>('/costs?days=1'),
    get<InvariantsView>('/invariants'),
    get<{ messages: MessageView[] }>('/messages?topic=position.closed&limit=5000'),
  ]);
  const account = state.account;
  return h(
    'section',
    { 'data-page': 'overview' },
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'muted' }, 'Equity'),
        h('div', { class: 'big', 'data-testid': 'equity' }, money(account?.equity)),
      ),
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'muted' }, 'Cash'),
        h('div', { class: 'big' }, money(account?.cash)),
      ),
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'muted' }, 'Halt'),
        h('div', { class: 'big' }, `${state.halt.level ?? '?'} · ${state.halt.name}`),
      ),
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'muted' }, 'LLM spend today'),
        h('div', { class: 'big' }, usd(routes.budget.spentTodayUsd)),
        h(
          'div',
          { class: 'muted' },
          `budget ${routes.budget.dailyUsd > 0 ? usd(routes.budget.dailyUsd) : 'none'} · notional ${usd(costs.notionalUsd)}`,
        ),
      ),
    ),
    h('p', { class: 'muted' }, `account snapshot at ${time(account?.at ?? account?.updatedAt)} (bar time)`),
    haltControl(),
    ...equityPanel(closed.messages, account?.equity, account?.at ?? account?.updatedAt),
    h('h2', {}, 'Open positions'),
    table(
      ['Symbol', 'Side', 'Qty', 'Avg price', 'Stop', 'Stop order', 'Take profit', 'Opened'],
      positions.map((position) => [
        position.symbol,
        h('span', { class: `badge ${positionDirection(position.qty)}` }, positionDirection(position.qty)),
        position.qty,
        money(position.avgPrice),
        position.stopPrice === null ? h('strong', { class: 'bad' }, 'NO STOP') : money(position.stopPrice),
        position.stopStatus ?? '—',
        money(position.takeProfitPrice),
        time(position.openedAt),
      ]),
      'no open positions',
    ),
    h('h2', {}, 'LLM routes'),
    table(
      ['Route', 'Kind', 'Model', 'Breaker', 'Failures', 'Last error'],
      routes.routes.map((route) => [
        route.name,
        route.kind,
        route.model,
        h(
          'span',
          { class: route.state === 'closed' ? 'ok' : 'bad' },
          route.enabled ? route.state : 'disabled',
        ),
        route.consecutiveFailures,
        route.lastError ?? '',
      ]),
      'no LLM route configured: every agent uses its deterministic fallback',
    ),
    ...rejectedRequests(routes),
    decidedBy(routes),
    h('h2', {}, 'Invariants'),
    h('p', { class: 'muted' }, 'Measured from the brain’s tables; the watchdog also checks at the broker.'),
    table(
      ['Invariant', 'Status', 'Value', 'Threshold', 'Halt level if failing', 'Detail'],
      invariants.results.map((result) => [
        result.name,
        h('span', { class: result.ok ? 'ok' : 'bad' }, result.ok ? 'ok' : 'FAILING'),
        result.value === null ? '—' : String(result.value),
        String(result.threshold),
        result.level,
        result.detail,
      ]),
    ),
    h('h2', {}, 'Heartbeats'),
    table(
      ['Name', 'Kind', 'Age', 'Expected every', 'Status'],
      state.heartbeats.map((beat) => [
        beat.name,
        beat.kind,
        age(beat.ageMs),
        age(beat.expectedIntervalMs),
        h('span', { class: beat.stale ? 'bad' : 'ok' }, beat.stale ? 'STALE' : 'ok'),
      ]),
      'no heartbeats recorded',
    ),
  );
}
