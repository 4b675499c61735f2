import {
  type Broker,
  type BrokerEvent,
  closedTradePayload,
  type MaybePromise,
  type Order,
  type OrderRequest,
  type PortfolioView,
} from '../broker/index.ts';
import { type BarSeries, isoTime } from '../market/index.ts';
import { withFields } from '../platform/index.ts';
import type { Proposal, Strategy } from '../strategies/index.ts';
import { fillPayload, type MessageSink, topics } from './messages.ts';

/** How proposals become orders: sizing and protection. All fractions (0.95 = 95 %). */
export interface ExecutionPolicy {
  /** Buy floor(cash × sizePct / close) shares on an entry signal. */
  sizePct: number;
  /** Bracket stop-loss this fraction below the signal bar's close. */
  stopPct?: number;
  /** Bracket take-profit this fraction above the signal bar's close. */
  takeProfitPct?: number;
  /** Let an exit signal close a bracketed position (otherwise only its stop or target can). */
  exitOnSignal: boolean;
}

/** Everything the step needs, injected once; the step itself is called per bar. */
export interface DecisionContext {
  clock: { now(): number };
  broker: Broker;
  portfolio: PortfolioView;
  strategy: Strategy;
  sink: MessageSink;
  policy: ExecutionPolicy;
  /** Prefix of cycle and client order ids (one run, one prefix: ids are deterministic). */
  runId: string;
  /** Client order id → reference of the message that sent it (to link the broker's answers). */
  orderRefs: Map<string, number>;
}

export interface StepOutcome {
  proposal: Proposal;
  order: Order | null;
  /** Why no order was sent, when none was. */
  skipped: string | null;
}

function after<T, R>(value: MaybePromise<T>, next: (resolved: T) => R): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** The bar's date for daily bars, its full ISO time for intraday bars (ids must not collide). */
function barKey(time: number): string {
  return isoTime(time).replace('T00:00:00.000Z', '');
}

export function cycleIdFor(runId: string, symbol: string, time: number): string {
  return `${runId}/${symbol}/${barKey(time)}`;
}

/**
 * The one decision step (strategy → order intent → broker), shared by backtest and live.
 * Quiet bars return null synchronously and say nothing; a proposal and everything that follows
 * from it are emitted to the sink. With a synchronous broker the whole step is synchronous.
 */
export function decisionStep(
  context: DecisionContext,
  series: BarSeries,
  index: number,
): MaybePromise<StepOutcome> | null {
  const symbol = series.symbol;
  const held = context.portfolio.positionQty(symbol);
  const proposal = context.strategy.decide(series, index, held);
  if (proposal === null) return null;
  const { sink, policy } = context;
  const time = context.clock.now();
  const cycleId = cycleIdFor(context.runId, symbol, proposal.time);
  const proposalRef = sink.emit({
    fromAgent: 'strategist',
    toAgent: 'executor',
    topic: topics.proposal,
    cycleId,
    causedBy: null,
    time,
    payload: {
      symbol,
      side: proposal.side,
      intent: proposal.intent,
      referencePrice: proposal.referencePrice,
      reason: proposal.reason,
      strategy: proposal.strategy,
      decidedBy: 'fallback',
      barTime: isoTime(proposal.time),
    },
  });
  const skip = (reason: string): StepOutcome => {
    sink.emit({
      fromAgent: 'executor',
      toAgent: 'strategist',
      topic: topics.skipped,
      cycleId,
      causedBy: proposalRef,
      time,
      payload: { symbol, reason },
    });
    return { proposal, order: null, skipped: reason };
  };
  let request: OrderRequest;
  const clientOrderId = `${context.runId}.${symbol}.${barKey(proposal.time)}.${proposal.intent}`;
  if (proposal.intent === 'enter') {
    if (held !== 0) return skip(`already holding ${held} ${symbol}`);
    const close = proposal.referencePrice;
    const qty = Math.floor((context.portfolio.cash() * policy.sizePct) / close);
    if (qty < 1)
      return skip(`size rounds to 0 shares (cash ${context.portfolio.cash().toFixed(2)}, close ${close})`);
    request = {
      clientOrderId,
      symbol,
      side: 'buy',
      type: 'market',
      qty,
      leg: 'entry',
      referencePrice: close,
      cycleId,
    };
    if (policy.stopPct !== undefined || policy.takeProfitPct !== undefined) {
      request.bracket = {};
      if (policy.stopPct !== undefined) request.bracket.stopLoss = close * (1 - policy.stopPct);
      if (policy.takeProfitPct !== undefined) request.bracket.takeProfit = close * (1 + policy.takeProfitPct);
    }
  } else {
    if (held <= 0) return skip(`no ${symbol} position to exit`);
    if (context.portfolio.isProtected(symbol) && !policy.exitOnSignal) {
      return skip('position is bracketed: it leaves by its stop or its target only (exit-on-signal is off)');
    }
    request = { clientOrderId, symbol, side: 'sell', type: 'market', qty: held, leg: 'exit', cycleId };
  }
  const orderRef = sink.emit({
    fromAgent: 'executor',
    toAgent: 'broker',
    topic: topics.order,
    cycleId,
    causedBy: proposalRef,
    time,
    payload: { ...request },
  });
  context.orderRefs.set(clientOrderId, orderRef);
  return after(context.broker.submit(request), (order) => {
    for (const linked of order.linkedClientOrderIds) context.orderRefs.set(linked, orderRef);
    return { proposal, order, skipped: null };
  });
}

/**
 * Turns broker events into messages linked to the order that caused them: fills, rejections,
 * cancellations, and `position.closed` when a position returns to flat.
 */
export function brokerEventRecorder(
  sink: MessageSink,
  clock: { now(): number },
  runId: string,
  orderRefs: Map<string, number>,
): (event: BrokerEvent) => void {
  const fillRefs = new Map<string, number>();
  const causeOf = (order: Order) =>
    orderRefs.get(order.clientOrderId) ??
    (order.parentClientOrderId ? orderRefs.get(order.parentClientOrderId) : undefined) ??
    null;
  return (event) => {
    const time = clock.now();
    switch (event.kind) {
      case 'fill': {
        const { fill, order } = event;
        const ref = sink.emit({
          fromAgent: 'broker',
          toAgent: 'executor',
          topic: topics.fill,
          cycleId: order.cycleId,
          causedBy: causeOf(order),
          time,
          payload: withFields(fillPayload(event), { at: isoTime(fill.time) }),
        });
        fillRefs.set(fill.clientOrderId, ref);
        return;
      }
      case 'rejected':
      case 'cancelled': {
        const { order } = event;
        sink.emit({
          fromAgent: 'broker',
          toAgent: 'executor',
          topic: event.kind === 'rejected' ? topics.rejected : topics.cancelled,
          cycleId: order.cycleId,
          causedBy: causeOf(order),
          time,
          payload: {
            clientOrderId: order.clientOrderId,
            symbol: order.symbol,
            leg: order.leg,
            reason: order.reason,
          },
        });
        return;
      }
      case 'trade-closed': {
        const { trade } = event;
        sink.emit({
          fromAgent: 'monitor',
          toAgent: 'journal',
          topic: topics.exit,
          cycleId: cycleIdFor(runId, trade.symbol, trade.exitTime),
          causedBy: fillRefs.get(trade.exitClientOrderId) ?? null,
          time,
          // The ClosedTrade every venue publishes, with readable times for the log's reader.
          payload: withFields(closedTradePayload(trade), {
            entryAt: isoTime(trade.entryTime),
            exitAt: isoTime(trade.exitTime),
          }),
        });
        return;
      }
    }
  };
}
