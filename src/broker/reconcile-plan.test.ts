import { describe, expect, it } from 'vitest';
import type { BrokerOrderState } from '../ledger/index.ts';
import { type BrokerSnapshot, type LocalLedger, planRepairs, withoutWrite } from './reconcile-plan.ts';

const t0 = Date.UTC(2026, 0, 5, 15);

function brokerOrder(overrides: Partial<BrokerOrderState> & { clientOrderId: string }): BrokerOrderState {
  return {
    brokerOrderId: `b-${overrides.clientOrderId}`,
    parentClientOrderId: null,
    leg: 'entry',
    symbol: 'ALPHA',
    side: 'buy',
    type: 'market',
    qty: 10,
    limitPrice: null,
    stopPrice: null,
    timeInForce: 'gtc',
    status: 'filled',
    filledQty: 10,
    avgFillPrice: 100,
    submittedAt: t0,
    filledAt: t0 + 60_000,
    reason: null,
    ...overrides,
  };
}

const empty: LocalLedger = { orders: [], fillTotals: [], positions: [] };
const noSnapshot: BrokerSnapshot = { orders: [], positions: [], unknownClientOrderIds: [] };

describe('planRepairs (pure: our ledger against the broker)', () => {
  it('an entry filled while we were away: the order, its fill, its legs and the position, each written once', () => {
    const local: LocalLedger = {
      ...empty,
      orders: [
        {
          clientOrderId: 'sg-1',
          brokerOrderId: null,
          parentClientOrderId: null,
          symbol: 'ALPHA',
          status: 'pending_submit',
          filledQty: 0,
          avgFillPrice: null,
        },
      ],
    };
    const snapshot: BrokerSnapshot = {
      orders: [
        brokerOrder({ clientOrderId: 'sg-1' }),
        brokerOrder({
          clientOrderId: 'sg-1.sl',
          parentClientOrderId: 'sg-1',
          leg: 'stop_loss',
          side: 'sell',
          type: 'stop',
          stopPrice: 95,
          status: 'open',
          filledQty: 0,
          avgFillPrice: null,
          filledAt: null,
        }),
        brokerOrder({ clientOrderId: 'someone-else', symbol: 'BETA' }),
      ],
      positions: [{ symbol: 'ALPHA', qty: 10, avgPrice: 100 }],
      unknownClientOrderIds: [],
    };
    const plan = planRepairs(local, snapshot);
    expect(plan.repairs.map((repair) => [repair.kind, repair.key, repair.write.kind])).toEqual([
      ['order_updated', 'sg-1', 'order_state'],
      ['order_inserted', 'sg-1.sl', 'order_state'],
      ['fill_inserted', 'sg-1', 'fill'],
      ['position_inserted', 'ALPHA', 'position'],
    ]);
    expect(plan.foreignOrders).toEqual(['someone-else']);
    expect(plan.unexplained).toEqual([]);
    const fill = plan.repairs[2]!;
    expect(fill.after).toEqual({ filledQty: 10, qty: 10, price: 100, fillId: 'reconciled:b-sg-1:10' });
    expect(fill.write).toEqual({
      kind: 'fill',
      fill: {
        clientOrderId: 'sg-1',
        executionId: 'reconciled:b-sg-1:10',
        symbol: 'ALPHA',
        side: 'buy',
        qty: 10,
        price: 100,
        time: t0 + 60_000,
      },
    });
    expect(withoutWrite(plan.repairs[3]!)).toEqual({
      kind: 'position_inserted',
      key: 'ALPHA',
      before: null,
      after: {
        qty: 10,
        avgPrice: 100,
        stopClientOrderId: 'sg-1.sl',
        takeProfitClientOrderId: null,
        explained: true,
      },
    });
  });

  it('the same two states after the repairs: nothing to do', () => {
    const local: LocalLedger = {
      orders: [
        {
          clientOrderId: 'sg-1',
          brokerOrderId: 'b-sg-1',
          parentClientOrderId: null,
          symbol: 'ALPHA',
          status: 'filled',
          filledQty: 10,
          avgFillPrice: 100,
        },
      ],
      fillTotals: [{ clientOrderId: 'sg-1', qty: 10, value: 1000 }],
      positions: [
        { symbol: 'ALPHA', qty: 10, avgPrice: 100, stopClientOrderId: null, takeProfitClientOrderId: null },
      ],
    };
    const snapshot: BrokerSnapshot = {
      orders: [brokerOrder({ clientOrderId: 'sg-1' })],
      positions: [{ symbol: 'ALPHA', qty: 10, avgPrice: 100 }],
      unknownClientOrderIds: [],
    };
    expect(planRepairs(local, snapshot)).toEqual({
      repairs: [],
      backfills: [],
      unexplained: [],
      foreignOrders: [],
    });
  });

  it('an order the broker never got is rejected; a position no order explains is reported and told once', () => {
    const local: LocalLedger = {
      ...empty,
      orders: [
        {
          clientOrderId: 'sg-lost',
          brokerOrderId: null,
          parentClientOrderId: null,
          symbol: 'MSFT',
          status: 'open',
          filledQty: 0,
          avgFillPrice: null,
        },
      ],
      positions: [
        { symbol: 'GONE', qty: 3, avgPrice: 20, stopClientOrderId: null, takeProfitClientOrderId: null },
      ],
    };
    const snapshot: BrokerSnapshot = {
      orders: [],
      positions: [
        { symbol: 'MSFT', qty: 1, avgPrice: 300 },
        { symbol: 'TSLA', qty: 5, avgPrice: 200 },
      ],
      unknownClientOrderIds: ['sg-lost'],
    };
    const plan = planRepairs(local, snapshot);
    expect(plan.repairs.map(withoutWrite)).toEqual([
      {
        kind: 'order_unknown_at_broker',
        key: 'sg-lost',
        before: { status: 'open' },
        after: { status: 'rejected', reason: 'the broker has no such order (never reached it)' },
      },
      {
        kind: 'position_inserted',
        key: 'MSFT',
        before: null,
        after: {
          qty: 1,
          avgPrice: 300,
          stopClientOrderId: null,
          takeProfitClientOrderId: null,
          explained: false,
        },
      },
      {
        kind: 'position_inserted',
        key: 'TSLA',
        before: null,
        after: {
          qty: 5,
          avgPrice: 200,
          stopClientOrderId: null,
          takeProfitClientOrderId: null,
          explained: false,
        },
      },
      { kind: 'position_removed', key: 'GONE', before: { qty: 3, avgPrice: 20 }, after: null },
    ]);
    // MSFT's only order is rejected by the same plan: it no longer explains the position.
    expect(plan.unexplained.map((each) => each.symbol)).toEqual(['MSFT', 'TSLA']);
    expect(plan.repairs[1]!.write).toMatchObject({ kind: 'position', unexplained: { symbol: 'MSFT' } });
  });

  it('a late broker state that the ledger will refuse does not count as explaining a position', () => {
    const local: LocalLedger = {
      ...empty,
      orders: [
        {
          clientOrderId: 'sg-2',
          brokerOrderId: 'b-sg-2',
          parentClientOrderId: null,
          symbol: 'ALPHA',
          status: 'cancelled',
          filledQty: 0,
          avgFillPrice: null,
        },
      ],
    };
    const snapshot: BrokerSnapshot = {
      orders: [brokerOrder({ clientOrderId: 'sg-2', status: 'open', filledQty: 0, avgFillPrice: null })],
      positions: [{ symbol: 'ALPHA', qty: 1, avgPrice: 100 }],
      unknownClientOrderIds: [],
    };
    const plan = planRepairs(local, snapshot);
    expect(plan.repairs.map((repair) => repair.kind)).toEqual(['order_updated', 'position_inserted']);
    expect(plan.unexplained.map((each) => each.symbol)).toEqual(['ALPHA']);
  });

  it('is the same plan whatever order the broker lists things in', () => {
    const snapshot: BrokerSnapshot = {
      ...noSnapshot,
      orders: [brokerOrder({ clientOrderId: 'b' }), brokerOrder({ clientOrderId: 'a' })],
      positions: [
        { symbol: 'Z', qty: 1, avgPrice: 1 },
        { symbol: 'A', qty: 1, avgPrice: 1 },
      ],
    };
    const reversed = {
      ...snapshot,
      orders: [...snapshot.orders].reverse(),
      positions: [...snapshot.positions].reverse(),
    };
    expect(planRepairs(empty, snapshot)).toEqual(planRepairs(empty, reversed));
  });

  it('a broker id our writes never set is filled in silently; only a change of state is a repair', () => {
    const row = (clientOrderId: string, brokerOrderId: string | null, status = 'filled') => ({
      clientOrderId,
      brokerOrderId,
      parentClientOrderId: null,
      symbol: 'ALPHA',
      status,
      filledQty: status === 'filled' ? 10 : 0,
      avgFillPrice: status === 'filled' ? 100 : null,
    });
    const local: LocalLedger = {
      orders: [row('sg-quiet', null), row('sg-moved', null, 'open'), row('sg-other-id', 'b-old')],
      fillTotals: [
        { clientOrderId: 'sg-quiet', qty: 10, value: 1000 },
        { clientOrderId: 'sg-moved', qty: 10, value: 1000 },
        { clientOrderId: 'sg-other-id', qty: 10, value: 1000 },
      ],
      positions: [],
    };
    const snapshot: BrokerSnapshot = {
      ...noSnapshot,
      orders: [
        brokerOrder({ clientOrderId: 'sg-quiet' }),
        brokerOrder({ clientOrderId: 'sg-moved' }),
        brokerOrder({ clientOrderId: 'sg-other-id', brokerOrderId: 'b-new' }),
      ],
    };
    const plan = planRepairs(local, snapshot);
    // The first only gains its broker id: written, neither counted nor journaled.
    expect(plan.repairs.map((repair) => [repair.kind, repair.key])).toEqual([
      ['order_updated', 'sg-moved'],
      ['order_updated', 'sg-other-id'],
    ]);
    expect(plan.backfills).toEqual([
      { kind: 'order_state', state: brokerOrder({ clientOrderId: 'sg-quiet' }) },
    ]);
    // Once written, the same states plan nothing at all.
    const after: LocalLedger = { ...local, orders: [row('sg-quiet', 'b-sg-quiet')] };
    expect(
      planRepairs(after, { ...noSnapshot, orders: [brokerOrder({ clientOrderId: 'sg-quiet' })] }),
    ).toEqual({
      repairs: [],
      backfills: [],
      unexplained: [],
      foreignOrders: [],
    });
  });

  it('a leg waiting on an entry of ours that the broker does not know follows its entry, not a repair', () => {
    const local: LocalLedger = {
      ...empty,
      orders: [
        {
          clientOrderId: 'sg-3',
          brokerOrderId: null,
          parentClientOrderId: null,
          symbol: 'ALPHA',
          status: 'pending_submit',
          filledQty: 0,
          avgFillPrice: null,
        },
        {
          clientOrderId: 'sg-3.sl',
          brokerOrderId: null,
          parentClientOrderId: 'sg-3',
          symbol: 'ALPHA',
          status: 'waiting',
          filledQty: 0,
          avgFillPrice: null,
        },
        {
          clientOrderId: 'orphan.sl',
          brokerOrderId: null,
          parentClientOrderId: 'not-ours',
          symbol: 'ALPHA',
          status: 'waiting',
          filledQty: 0,
          avgFillPrice: null,
        },
      ],
    };
    const plan = planRepairs(local, { ...noSnapshot, unknownClientOrderIds: ['orphan.sl', 'sg-3.sl'] });
    expect(plan.repairs.map((repair) => [repair.kind, repair.key])).toEqual([
      ['order_unknown_at_broker', 'orphan.sl'],
    ]);
  });

  it('a short is linked to its buy stop, never to a sell stop still working on the symbol (issue 21)', () => {
    const legs = (id: string, side: 'buy' | 'sell', stopPrice: number) =>
      brokerOrder({
        clientOrderId: id,
        parentClientOrderId: id.replace(/\.sl$/, ''),
        leg: 'stop_loss',
        side,
        type: 'stop',
        stopPrice,
        status: 'open',
        filledQty: 0,
        avgFillPrice: null,
        filledAt: null,
      });
    const snapshot: BrokerSnapshot = {
      orders: [
        brokerOrder({ clientOrderId: 'sg-short', side: 'sell' }),
        // Sorted first by id, and on the wrong side: it must not be taken for the short's stop.
        legs('a-stray.sl', 'sell', 90),
        legs('sg-short.sl', 'buy', 105),
      ],
      positions: [{ symbol: 'ALPHA', qty: -10, avgPrice: 100 }],
      unknownClientOrderIds: [],
    };
    const local: LocalLedger = {
      ...empty,
      orders: ['sg-short', 'a-stray'].map((clientOrderId) => ({
        clientOrderId,
        brokerOrderId: null,
        parentClientOrderId: null,
        symbol: 'ALPHA',
        status: 'pending_submit',
        filledQty: 0,
        avgFillPrice: null,
      })),
    };
    const position = planRepairs(local, snapshot).repairs.find(
      (repair) => repair.kind === 'position_inserted',
    );
    expect(position?.after).toMatchObject({ qty: -10, stopClientOrderId: 'sg-short.sl' });
  });
});
