import type { BusMessage } from '../bus/index.ts';
import { readPayload, topics } from '../bus/index.ts';
import type { LlmStatus } from '../llm/index.ts';
import type { JournalLine, OperatorStatus, PositionView } from '../operator/index.ts';
import type { Explanation } from '../pipeline/index.ts';
import { haltLevelNames } from '../watchdog/index.ts';

/** Plain text only (no parse_mode): nothing a symbol or a reason holds can break the message. */
const fmt = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? '?'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const age = (ms: number): string =>
  ms < 120_000
    ? `${Math.round(ms / 1000)}s`
    : ms < 7_200_000
      ? `${Math.round(ms / 60_000)}m`
      : `${Math.round(ms / 3_600_000)}h`;

export function renderStatus(status: OperatorStatus, positions: PositionView[], llm: LlmStatus): string {
  const halt = status.halt
    ? `Halt level ${status.halt.level} (${haltLevelNames[status.halt.level] ?? '?'})${status.halt.level > 0 ? `: ${status.halt.reason}` : ''}`
    : `Halt UNREADABLE (no trading): ${status.haltError ?? 'unknown'}`;
  const fields = status.accountFields;
  const lines = [
    halt,
    `Equity ${fmt(fields?.equity)} · cash ${fmt(fields?.cash)}`,
    `Open positions ${positions.length}${positions.length ? `: ${positions.map((row) => `${String(row.symbol)} ${row.qty}`).join(', ')}` : ''}`,
    `Heartbeats: ${status.heartbeats.map((beat) => `${beat.name} ${age(beat.ageMs)}${beat.stale ? ' STALE' : ''}`).join(', ') || 'none'}`,
    `LLM: ${llm.configured ? llm.routes.map((route) => `${route.name} ${route.state}`).join(', ') : 'no route (fallbacks decide)'}`,
  ];
  return lines.join('\n');
}

export function renderPositions(positions: PositionView[]): string {
  if (positions.length === 0) return 'No open positions.';
  return positions
    .map(
      (row) =>
        `${String(row.symbol)} ${row.qty} @ ${fmt(row.avgPrice)} · stop ${fmt(row.stopPrice)} (${String(row.stopStatus ?? 'none')}) · target ${fmt(row.takeProfitPrice)}`,
    )
    .join('\n');
}

export interface Trade {
  symbol: string;
  exitTime: number;
  pnl: number;
}

export function tradesOf(messages: BusMessage[]): Trade[] {
  const trades: Trade[] = [];
  for (const message of messages) {
    const trade = readPayload(topics.positionClosed, message);
    if (trade) trades.push({ symbol: trade.symbol, exitTime: trade.exitTime, pnl: trade.pnl });
  }
  return trades.sort((a, b) => a.exitTime - b.exitTime);
}

/** Realised from the round trips, unrealised from equity − cash − cost of what is held. */
export function renderProfit(trades: Trade[], status: OperatorStatus, positions: PositionView[]): string {
  const realised = trades.reduce((sum, trade) => sum + trade.pnl, 0);
  const wins = trades.filter((trade) => trade.pnl > 0);
  const gains = wins.reduce((sum, trade) => sum + trade.pnl, 0);
  const losses = -trades.filter((trade) => trade.pnl < 0).reduce((sum, trade) => sum + trade.pnl, 0);
  let peak = 0;
  let curve = 0;
  let maxDrawdown = 0;
  for (const trade of trades) {
    curve += trade.pnl;
    peak = Math.max(peak, curve);
    maxDrawdown = Math.max(maxDrawdown, peak - curve);
  }
  const fields = status.accountFields;
  const held = positions.reduce((sum, row) => sum + (row.qty ?? 0) * (row.avgPrice ?? 0), 0);
  const unrealised =
    fields?.equity !== undefined && fields.cash !== undefined ? fields.equity - fields.cash - held : null;
  return [
    `Realised ${fmt(realised)} over ${trades.length} trades · unrealised ${fmt(unrealised)}`,
    `Win rate ${trades.length ? fmt((100 * wins.length) / trades.length, 1) : '?'}% · profit factor ${losses > 0 ? fmt(gains / losses) : gains > 0 ? '∞' : '?'}`,
    `Max drawdown (realised) ${fmt(maxDrawdown)}`,
  ].join('\n');
}

export function renderDaily(trades: Trade[], days: number, now = Date.now()): string {
  const lines: string[] = [];
  for (let back = days - 1; back >= 0; back--) {
    const day = new Date(now - back * 86_400_000).toISOString().slice(0, 10);
    const ofDay = trades.filter((trade) => new Date(trade.exitTime).toISOString().slice(0, 10) === day);
    lines.push(`${day}  ${fmt(ofDay.reduce((sum, trade) => sum + trade.pnl, 0))}  (${ofDay.length} trades)`);
  }
  return lines.join('\n');
}

export function renderJournal(lines: JournalLine[]): string {
  if (lines.length === 0) return 'No journal entries.';
  return lines
    .map(
      (line) =>
        `${(line.ts ?? '?').slice(0, 16).replace('T', ' ')} ${line.symbol ?? '-'} ${line.agent} ${line.outcome} (${line.decidedBy})${line.explainId ? ` · explain ${line.explainId}` : ''}`,
    )
    .join('\n');
}

export function renderExplain(explanation: Explanation): string {
  // A challenger's decision in shadow is beside the chain, never a link of it.
  const shadows = explanation.chain.candidates.flatMap((candidate) =>
    candidate.shadows.map((shadow) => ({ symbol: candidate.symbol, ...shadow })),
  );
  const shadowIds = new Set(shadows.map((shadow) => shadow.messageId));
  const chain = explanation.messages
    .filter((message) => !shadowIds.has(message.id))
    .map((message) => message.topic)
    .join(' → ');
  const orders = explanation.orders
    .map((order) => `${String(order.clientOrderId)} ${String(order.status)}`)
    .join(', ');
  return [
    `Cycle ${explanation.cycleId}${explanation.orderId ? ` · order ${explanation.orderId}` : ''}`,
    `Chain: ${chain || 'no messages'}`,
    ...shadows.map(
      (shadow) =>
        `[shadow] ${shadow.challenger} on ${shadow.symbol}: ${shadow.decision} (by ${shadow.decidedBy ?? 'nobody'})`,
    ),
    `Orders: ${orders || 'none'}`,
    ...explanation.journal.map(
      (entry) => `${entry.agent} ${entry.outcome} (${entry.decidedBy}) · ${entry.path}`,
    ),
  ].join('\n');
}

export function renderLlm(llm: LlmStatus): string {
  const routes = llm.routes.map(
    (route) =>
      `${route.name} (${route.kind} ${route.model}) ${route.enabled ? route.state : 'disabled'}${route.consecutiveFailures ? `, ${route.consecutiveFailures} failures` : ''}`,
  );
  return [
    llm.configured ? `Routes:\n${routes.join('\n')}` : 'No LLM route configured: the fallbacks decide.',
    `Spend today ${fmt(llm.budget.spentTodayUsd)} of ${fmt(llm.budget.dailyUsd)} USD${llm.budget.exhausted ? ' (budget exhausted)' : ''}`,
    ...llm.rejections.map((rejection) => `Refused: ${rejection.headline}`),
  ].join('\n');
}

export const helpText = [
  '/status · /positions · /profit · /daily [n] · /journal [symbol] · /explain <order|cycle|message> · /llm',
  '/halt <1-4> <reason> · /stopentries [reason] (level 2) · /forceexit <symbol> (asks to confirm)',
  '/resume: not from chat (see the answer for how)',
].join('\n');

export const resumeText =
  'Trading is not resumed from chat. Resume from the console (Resume… on the halt banner) or with `signet resume` on the host; both need the operator token and a written acknowledgement.';
