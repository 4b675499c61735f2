import type { Book, BookOrder } from './book.ts';
import { isOpen } from './book.ts';
import { type HistoricalRequest, type Pacing, validateHistorical } from './history.ts';
import type { Ledger } from './ledger.ts';
import * as M from './messages.ts';
import { readContract, readOrderHead, readOrderTail, SUPPORTED_ORDER_TYPES } from './place-order.ts';
import { OUT, V } from './protocol.ts';
import type { Session } from './session.ts';
import { type FieldReader, RequestParseError } from './wire.ts';

/** What the request handlers need from the server. */
export interface Handlers {
  book: Book;
  ledger: Ledger;
  pacing: Pacing;
  accounts: readonly string[];
  now(): number;
  /** While connectivity is lost, order actions wait for its restoration (see server.ts). */
  deferOrderAction(action: () => void): boolean;
  historical(session: Session, r: HistoricalRequest): void;
  cancelHistorical(session: Session, reqId: number): void;
  sendOrder(session: Session, o: BookOrder): void;
}

/**
 * Account summary tags the fake reports (https://interactivebrokers.github.io/tws-api/account_summary.html).
 * At most two summary subscriptions may be active (same page: "only two active summary
 * subscriptions"; MC 322 "Error processing request" otherwise).
 */
const SUMMARY_TAGS = [
  'AccountType',
  'NetLiquidation',
  'TotalCashValue',
  'SettledCash',
  'BuyingPower',
  'AvailableFunds',
  'ExcessLiquidity',
  'GrossPositionValue',
  'EquityWithLoanValue',
];

export function handleRequest(h: Handlers, s: Session, id: number, r: FieldReader): void {
  try {
    dispatch(h, s, id, r);
  } catch (e) {
    if (!(e instanceof RequestParseError)) throw e;
    // MC 320 "Server error when reading an API client request."
    s.error(-1, 320, `Server error when reading an API client request. ${e.message}`);
  }
}

function dispatch(h: Handlers, s: Session, id: number, r: FieldReader): void {
  switch (id) {
    case OUT.PLACE_ORDER: {
      const head = readOrderHead(r);
      // MC 387 "Unsupported order type for this exchange and security type."
      if (!SUPPORTED_ORDER_TYPES.has(head.orderType)) {
        s.error(head.orderId, 387, 'Unsupported order type for this exchange and security type.');
        return;
      }
      const order = readOrderTail(r, head, s.version);
      if (h.deferOrderAction(() => h.book.place(s.clientId, order))) return;
      h.book.place(s.clientId, order);
      return;
    }
    case OUT.CANCEL_ORDER: {
      if (s.version < V.CME_TAGGING_FIELDS) r.int('version');
      const orderId = r.int('orderId');
      if (s.version >= V.MANUAL_ORDER_TIME) r.str('manualOrderCancelTime');
      if (s.version >= V.RFQ_FIELDS && s.version < V.UNDO_RFQ_FIELDS) r.skip('rfq fields', 3);
      if (s.version >= V.CME_TAGGING_FIELDS) r.skip('extOperator/manualOrderIndicator', 2);
      r.end();
      if (h.deferOrderAction(() => h.book.cancel(s.clientId, orderId))) return;
      h.book.cancel(s.clientId, orderId);
      return;
    }
    case OUT.REQ_GLOBAL_CANCEL: {
      if (s.version < V.CME_TAGGING_FIELDS) r.int('version');
      else r.skip('extOperator/manualOrderIndicator', 2);
      r.end();
      if (h.deferOrderAction(() => h.book.globalCancel())) return;
      h.book.globalCancel();
      return;
    }
    case OUT.REQ_OPEN_ORDERS:
    case OUT.REQ_ALL_OPEN_ORDERS: {
      r.int('version');
      r.end();
      // https://interactivebrokers.github.io/tws-api/open_orders.html: reqOpenOrders returns this
      // client's open orders, reqAllOpenOrders every API client's (and TWS's), then openOrderEnd.
      const all = id === OUT.REQ_ALL_OPEN_ORDERS;
      for (const o of [...h.book.orders.values()].sort((a, b) => a.orderId - b.orderId)) {
        if (!o.transmitted || !isOpen(o)) continue;
        if (!all && o.clientId !== s.clientId) continue;
        h.sendOrder(s, o);
      }
      s.send(M.openOrderEnd());
      return;
    }
    case OUT.REQ_COMPLETED_ORDERS: {
      r.bool('apiOnly');
      r.end();
      // https://interactivebrokers.github.io/tws-api/completed_orders.html: today's filled and
      // cancelled orders (of every client), then completedOrdersEnd.
      for (const o of [...h.book.orders.values()].sort((a, b) => a.orderId - b.orderId)) {
        if (!o.transmitted || (o.status !== 'Filled' && o.status !== 'Cancelled')) continue;
        const parentPermId = o.parentId ? (h.book.orders.get(o.parentId)?.permId ?? 0) : 0;
        s.send(M.completedOrder(s.version, o, parentPermId, o.completedTime ?? ''));
      }
      s.send(M.completedOrdersEnd());
      return;
    }
    case OUT.REQ_AUTO_OPEN_ORDERS: {
      r.int('version');
      r.bool('autoBind');
      r.end();
      // MC 327 "Only API connections with clientId set to 0 can set the auto bind TWS orders property."
      if (s.clientId !== 0)
        s.error(
          -1,
          327,
          'Only API connections with clientId set to 0 can set the auto bind TWS orders property.',
        );
      return;
    }
    case OUT.REQ_EXECUTIONS: {
      executions(h, s, r);
      return;
    }
    case OUT.REQ_IDS:
      r.int('version');
      r.int('numIds');
      r.end();
      {
        s.send(M.nextValidId(h.book.nextValidId()));
        return;
      }
    case OUT.REQ_MANAGED_ACCTS:
      r.int('version');
      r.end();
      {
        s.send(M.managedAccounts(h.accounts));
        return;
      }
    case OUT.REQ_CURRENT_TIME:
      r.int('version');
      r.end();
      {
        s.send(M.currentTime(Math.floor(h.now() / 1000)));
        return;
      }
    case OUT.REQ_MARKET_DATA_TYPE: {
      r.int('version');
      const type = r.int('marketDataType');
      r.end();
      // https://interactivebrokers.github.io/tws-api/market_data_type.html: 1 live, 2 frozen, 3 delayed, 4 delayed frozen.
      if (type < 1 || type > 4)
        s.error(-1, 321, `Error validating request.-'bH' : cause - Invalid market data type ${type}`);
      return;
    }
    case OUT.REQ_CONTRACT_DATA: {
      contractDetails(h, s, r);
      return;
    }
    case OUT.REQ_POSITIONS:
      r.int('version');
      r.end();
      s.positionsSubscribed = true;
      for (const p of h.ledger.positions()) s.send(M.position(p.account, p.contract, p.qty, p.avgCost));
      {
        s.send(M.positionEnd());
        return;
      }
    case OUT.CANCEL_POSITIONS:
      r.int('version');
      r.end();
      s.positionsSubscribed = false;
      return;
    case OUT.REQ_ACCOUNT_SUMMARY: {
      accountSummary(h, s, r);
      return;
    }
    case OUT.CANCEL_ACCOUNT_SUMMARY: {
      r.int('version');
      const reqId = r.int('reqId');
      r.end();
      s.accountSummaries.delete(reqId);
      return;
    }
    case OUT.REQ_ACCOUNT_DATA: {
      accountUpdates(h, s, r);
      return;
    }
    case OUT.REQ_HISTORICAL_DATA: {
      historical(h, s, r);
      return;
    }
    case OUT.CANCEL_HISTORICAL_DATA: {
      r.int('version');
      const reqId = r.int('reqId');
      r.end();
      h.cancelHistorical(s, reqId);
      return;
    }
    default: {
      // "TWS will almost always respond with the relevant data or send an error message"
      // (https://interactivebrokers.github.io/tws-api/error_handling.html): requests the fake does
      // not implement get MC 321 "Error validating request" (id -1) rather than silence.
      s.error(
        -1,
        321,
        `Error validating request.-'${id}' : cause - message id ${id} is not supported by the fake TWS`,
      );
      return;
    }
  }
}

/** REQ_EXECUTIONS (7) version 3: reqId, then the ExecutionFilter (clientId, acctCode, time, symbol, secType, exchange, side). */
function executions(h: Handlers, s: Session, r: FieldReader): void {
  r.int('version');
  const reqId = r.int('reqId');
  const clientId = r.int('filter.clientId');
  const acctCode = r.str('filter.acctCode');
  r.str('filter.time');
  const symbol = r.str('filter.symbol');
  const secType = r.str('filter.secType');
  const exchange = r.str('filter.exchange');
  const side = r.str('filter.side');
  r.end();
  // https://interactivebrokers.github.io/tws-api/executions_commissions.html: the filter's empty
  // fields (and clientId 0) match everything; each execDetails is followed by its commission report.
  for (const e of h.ledger.executions) {
    if (clientId !== 0 && e.clientId !== clientId) continue;
    if (acctCode !== '' && e.account !== acctCode) continue;
    if (symbol !== '' && e.contract.symbol !== symbol) continue;
    if (secType !== '' && e.contract.secType !== secType) continue;
    if (exchange !== '' && e.contract.exchange !== exchange) continue;
    if (side !== '' && !(side === 'BUY' ? e.side === 'BOT' : side === 'SELL' ? e.side === 'SLD' : false))
      continue;
    s.send(M.execDetails(s.version, reqId, e));
    s.send(M.commissionReport(e));
  }
  s.send(M.execDetailsEnd(reqId));
}

/** REQ_CONTRACT_DATA (9) version 8 with reqId, conId, contract, includeExpired, secIdType, secId [, issuerId]. */
function contractDetails(h: Handlers, s: Session, r: FieldReader): void {
  r.int('version');
  const reqId = r.int('reqId');
  const c = readContract(r);
  r.skip('includeExpired/secIdType/secId', 3);
  if (s.version >= V.BOND_ISSUERID) r.skip('issuerId');
  r.end();
  const info = h.book.findContract(c);
  if (!info) {
    s.error(reqId, 200, 'No security definition has been found for the request');
    return;
  }
  s.send(M.contractData(s.version, reqId, info));
  s.send(M.contractDataEnd(reqId));
}

function accountSummary(h: Handlers, s: Session, r: FieldReader): void {
  r.int('version');
  const reqId = r.int('reqId');
  const group = r.str('group');
  const tags = r.str('tags');
  r.end();
  if (s.accountSummaries.size >= 2 && !s.accountSummaries.has(reqId)) {
    s.error(
      reqId,
      322,
      "Error processing request:-'bb' : cause - Maximum number of account summary requests exceeded",
    );
    return;
  }
  if (group !== 'All') {
    s.error(reqId, 321, `Error validating request.-'bb' : cause - Unknown group: ${group}`);
    return;
  }
  s.accountSummaries.add(reqId);
  const wanted = tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const account of h.accounts) {
    const cash = h.ledger.cashOf(account);
    const net = h.ledger.netLiquidation(account);
    const values: Record<string, string> = {
      AccountType: 'INDIVIDUAL',
      NetLiquidation: net.toFixed(2),
      TotalCashValue: cash.toFixed(2),
      SettledCash: cash.toFixed(2),
      // A Reg T margin account: buying power is 4x excess liquidity intraday (simplified to net liq).
      BuyingPower: (4 * net).toFixed(2),
      AvailableFunds: net.toFixed(2),
      ExcessLiquidity: net.toFixed(2),
      GrossPositionValue: h.ledger.grossPosition(account).toFixed(2),
      EquityWithLoanValue: net.toFixed(2),
    };
    for (const tag of SUMMARY_TAGS) {
      if (!wanted.includes(tag)) continue;
      s.send(M.accountSummary(reqId, account, tag, values[tag]!, tag === 'AccountType' ? '' : 'USD'));
    }
  }
  s.send(M.accountSummaryEnd(reqId));
}

/** REQ_ACCOUNT_DATA (6) version 2: subscribe, acctCode (https://interactivebrokers.github.io/tws-api/account_updates.html). */
function accountUpdates(h: Handlers, s: Session, r: FieldReader): void {
  r.int('version');
  const subscribe = r.bool('subscribe');
  const acctCode = r.str('acctCode');
  r.end();
  if (!subscribe) return;
  const account = acctCode || h.accounts[0]!;
  if (!h.accounts.includes(account)) {
    s.error(-1, 321, `Error validating request.-'bA' : cause - Unknown account: ${account}`);
    return;
  }
  const net = h.ledger.netLiquidation(account).toFixed(2);
  s.send(M.accountValue('NetLiquidation', net, 'USD', account));
  s.send(M.accountValue('TotalCashValue', h.ledger.cashOf(account).toFixed(2), 'USD', account));
  for (const p of h.ledger.positions()) {
    if (p.account !== account) continue;
    const mark = h.ledger.lastPrices.get(p.contract.symbol) ?? p.avgCost;
    s.send(M.portfolioValue(p.contract, p.qty, mark, p.avgCost, account));
  }
  const d = new Date(h.now());
  s.send(
    M.accountUpdateTime(
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`,
    ),
  );
  s.send(M.accountDownloadEnd(account));
}

/** REQ_HISTORICAL_DATA (20) from SYNT_REALTIME_BARS: no version; keepUpToDate and chartOptions last. */
function historical(h: Handlers, s: Session, r: FieldReader): void {
  const reqId = r.int('reqId');
  const c = readContract(r);
  r.bool('includeExpired');
  const endDateTime = r.str('endDateTime');
  const barSize = r.str('barSizeSetting');
  const duration = r.str('durationStr');
  const useRth = r.bool('useRTH');
  const whatToShow = r.str('whatToShow');
  const formatDate = r.int('formatDate');
  if (c.secType.toUpperCase() === 'BAG')
    throw new RequestParseError('reqHistoricalData: BAG contracts are not supported by the fake');
  const keepUpToDate = r.bool('keepUpToDate');
  r.str('chartOptions');
  r.end();
  const info = h.book.findContract(c);
  if (!info) {
    s.error(reqId, 200, 'No security definition has been found for the request');
    return;
  }
  const req: HistoricalRequest = {
    reqId,
    contract: info,
    endDateTime,
    barSize,
    duration,
    useRth,
    whatToShow,
    formatDate,
    keepUpToDate,
  };
  const invalid = validateHistorical(req);
  if (invalid) {
    s.error(reqId, invalid.code, invalid.message);
    return;
  }
  const paced = h.pacing.check(req);
  if (paced) {
    s.error(reqId, paced.code, paced.message);
    return;
  }
  h.historical(s, req);
}
