import { h } from './dom.ts';
import { type EquityPoint, equityChart } from './price-chart.ts';
import type { MessageView } from './types.ts';

interface ClosedTrade {
  exitTime: number;
  pnl: number;
}

function closedTrade(message: MessageView): ClosedTrade | null {
  const payload = message.payload as { exitTime?: unknown; pnl?: unknown } | null;
  if (!payload || typeof payload.exitTime !== 'number' || typeof payload.pnl !== 'number') return null;
  return { exitTime: payload.exitTime, pnl: payload.pnl };
}

/**
 * The equity curve from the round trips (`position.closed`): it steps by each trade's P&L at its
 * exit and ends at the account's equity now, so the last step holds what is still open. The
 * drawdown is measured from the running peak of that curve.
 */
export function equityCurve(
  messages: MessageView[],
  equityNow: number | undefined,
  at: string | undefined,
): EquityPoint[] {
  const trades = messages.map(closedTrade).filter((trade): trade is ClosedTrade => trade !== null);
  trades.sort((a, b) => a.exitTime - b.exitTime);
  if (equityNow === undefined) return [];
  const realised = trades.reduce((sum, trade) => sum + trade.pnl, 0);
  const last = trades.at(-1)?.exitTime ?? 0;
  const now = Math.max(at ? Date.parse(at) : Date.now(), last + 1_000);
  // What the account held before the first of these trades, open positions aside.
  let equity = equityNow - realised;
  const points: EquityPoint[] = [{ time: (trades[0]?.exitTime ?? now) - 1_000, equity }];
  for (const trade of trades) {
    equity += trade.pnl;
    points.push({ time: trade.exitTime, equity });
  }
  points.push({ time: now, equity: equityNow });
  return points;
}

export function equityPanel(
  messages: MessageView[],
  equityNow: number | undefined,
  at: string | undefined,
): HTMLElement[] {
  const points = equityCurve(messages, equityNow, at);
  return [
    h('h2', {}, 'Equity and drawdown'),
    points.length > 1
      ? equityChart(points)
      : h('p', { class: 'muted' }, 'No account snapshot yet: the curve starts with the first bar.'),
    h(
      'p',
      { class: 'muted' },
      'Steps at each closed round trip; the last point is the equity now (open positions marked).',
    ),
  ];
}
