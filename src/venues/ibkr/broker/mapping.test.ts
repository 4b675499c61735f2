import { describe, expect, it } from 'vitest';
import { type IbOrderRecord, ibStatus, parseBrokerOrderId, parseIbTime, toOrderState } from './mapping.ts';

const record = (overrides: Partial<IbOrderRecord>): IbOrderRecord => ({
  orderId: 5,
  clientId: 1,
  permId: 0,
  parentId: 0,
  symbol: 'AAPL',
  side: 'buy',
  orderType: 'LMT',
  qty: 10,
  lmtPrice: 100,
  auxPrice: null,
  tif: 'GTC',
  orderRef: 'c1',
  account: 'DU1',
  status: 'Submitted',
  filled: 0,
  avgFillPrice: null,
  reason: null,
  submittedAt: 1,
  filledAt: null,
  ...overrides,
});

describe('IB statuses and orders in our words', () => {
  it('maps each IB status', () => {
    expect(ibStatus('PreSubmitted', null)).toBe('open');
    expect(ibStatus('Submitted', null)).toBe('open');
    expect(ibStatus('PendingCancel', null)).toBe('open');
    expect(ibStatus('Filled', null)).toBe('filled');
    expect(ibStatus('Cancelled', null)).toBe('cancelled');
    expect(ibStatus('ApiCancelled', null)).toBe('cancelled');
    expect(ibStatus('Inactive', null)).toBe('rejected');
    expect(ibStatus('PreSubmitted', { parentFilled: false })).toBe('waiting');
    expect(ibStatus('PreSubmitted', { parentFilled: true })).toBe('open');
  });

  it('a bracket child is a leg of its parent by orderRef, waiting until the parent fills', () => {
    const parent = record({});
    const stop = record({
      orderId: 6,
      parentId: 5,
      orderRef: 'c1.sl',
      orderType: 'STP',
      auxPrice: 95,
      lmtPrice: null,
      side: 'sell',
      status: 'PreSubmitted',
    });
    expect(toOrderState(stop, parent)).toMatchObject({
      clientOrderId: 'c1.sl',
      brokerOrderId: '1/6',
      parentClientOrderId: 'c1',
      leg: 'stop_loss',
      type: 'stop',
      stopPrice: 95,
      status: 'waiting',
    });
    expect(toOrderState(stop, { ...parent, status: 'Filled' }).status).toBe('open');
  });

  it('a rejected order keeps IB’s reason; a foreign order gets an id of IB’s', () => {
    expect(
      toOrderState(record({ status: 'Inactive', reason: 'Order rejected - reason: margin' }), undefined),
    ).toMatchObject({
      status: 'rejected',
      reason: 'Order rejected - reason: margin',
    });
    expect(toOrderState(record({ orderRef: null, clientId: 0, orderId: -3 }), undefined).clientOrderId).toBe(
      'ib:0/-3',
    );
    expect(parseBrokerOrderId('12/345')).toEqual({ clientId: 12, orderId: 345 });
  });

  it('reads execution times with and without a zone', () => {
    expect(parseIbTime('20240102  15:30:00', 0)).toBe(Date.UTC(2024, 0, 2, 15, 30));
    expect(parseIbTime('20240102 10:30:00 US/Eastern', 0)).toBe(Date.UTC(2024, 0, 2, 15, 30));
    expect(parseIbTime('nonsense', 42)).toBe(42);
  });
});
