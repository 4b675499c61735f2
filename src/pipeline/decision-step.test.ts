import { describe, expect, it } from 'vitest';
import { PaperBroker } from '../broker/index.ts';
import { type BarSeries, emptySeries } from '../market/index.ts';
import type { Proposal, Strategy } from '../strategies/index.ts';
import { brokerEventRecorder, type DecisionContext, decisionStep } from './decision-step.ts';
import { MemorySink, topics } from './messages.ts';

function flatSeries(length: number): BarSeries {
  const series = emptySeries('ABC', length);
  for (let at = 0; at < length; at += 1) {
    series.time[at] = Date.UTC(2021, 0, 4 + at);
    series.open[at] = 100;
    series.high[at] = 101;
    series.low[at] = 99;
    series.close[at] = 100;
    series.volume[at] = 1;
  }
  series.length = length;
  return series;
}

/** Enters at bar 1, asks to exit at bar 3. */
const scripted: Strategy = {
  name: 'scripted',
  warmup: 0,
  parameters: {},
  decide(series, index, held): Proposal | null {
    const intent = index === 1 && held === 0 ? 'enter' : index === 3 && held > 0 ? 'exit' : null;
    if (!intent) return null;
    return {
      symbol: series.symbol,
      side: intent === 'enter' ? 'buy' : 'sell',
      intent,
      referencePrice: series.close[index]!,
      reason: `scripted ${intent}`,
      facts: [],
      strategy: 'scripted',
      time: series.time[index]!,
    };
  },
};

function setup(exitOnSignal: boolean) {
  const clock = { time: 0, now: () => clock.time };
  const sink = new MemorySink();
  const orderRefs = new Map<string, number>();
  const broker = new PaperBroker({
    cash: 10_000,
    clock,
    onEvent: brokerEventRecorder(sink, clock, 'run', orderRefs),
  });
  const context: DecisionContext = {
    clock,
    broker,
    portfolio: broker,
    strategy: scripted,
    sink,
    policy: { sizePct: 0.5, stopPct: 0.1, takeProfitPct: 0.1, exitOnSignal },
    runId: 'run',
    orderRefs,
  };
  const series = flatSeries(6);
  const book = broker.book('ABC');
  for (let at = 0; at < series.length; at += 1) {
    clock.time = series.time[at]!;
    broker.processBar(book, clock.time, 100, 101, 99, 100);
    const outcome = decisionStep(context, series, at);
    expect(outcome instanceof Promise).toBe(false);
  }
  return { sink, broker };
}

describe('decision step', () => {
  it('sizes the entry, brackets it, and links proposal → order → fill', () => {
    const { sink, broker } = setup(false);
    const [proposal, order, fill] = sink.messages;
    expect(proposal).toMatchObject({ topic: topics.proposal, causedBy: null, cycleId: 'run/ABC/2021-01-05' });
    // floor(10 000 × 0.5 / 100) = 50 shares; stop 90, target 110.
    expect(order).toMatchObject({
      topic: topics.order,
      causedBy: proposal!.ref,
      payload: {
        qty: 50,
        clientOrderId: 'run.ABC.2021-01-05.enter',
        bracket: { stopLoss: 90, takeProfit: 110.00000000000001 },
      },
    });
    expect(fill).toMatchObject({
      topic: topics.fill,
      causedBy: order!.ref,
      payload: { price: 100, qty: 50 },
    });
    expect(broker.positionQty('ABC')).toBe(50);
  });

  it('keeps a bracketed position when exit-on-signal is off, and says so', () => {
    const { sink, broker } = setup(false);
    const skipped = sink.messages.find((message) => message.topic === topics.skipped);
    expect(skipped?.payload).toMatchObject({ reason: expect.stringContaining('bracketed') });
    expect(broker.positionQty('ABC')).toBe(50);
  });

  it('exits on the signal when allowed, cancelling the bracket', () => {
    const { sink, broker } = setup(true);
    expect(broker.positionQty('ABC')).toBe(0);
    const seen = sink.messages.map((message) => message.topic);
    expect(seen.filter((topic) => topic === topics.cancelled)).toHaveLength(2);
    expect(seen.at(-1)).toBe(topics.exit);
    const exit = sink.messages.at(-1)!;
    const exitFill = sink.messages.find((message) => message.ref === exit.causedBy);
    expect(exitFill).toMatchObject({ topic: topics.fill, payload: { leg: 'exit' } });
  });
});
