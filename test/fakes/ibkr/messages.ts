import { IN, V } from './protocol.ts';
import type { Field } from './wire.ts';

/**
 * Server messages in the layouts EDecoder.java reads them (and @stoqey/ib 1.6.10's
 * core/io/decoder.js, which checks that every field of a message is consumed: a drift here shows
 * up in the tests as a "Decoding error"/"Underrun error" event). Only versions >= 163 are written.
 */
export interface ContractInfo {
  conId: number;
  symbol: string;
  secType: string;
  exchange: string;
  primaryExch: string;
  currency: string;
  minTick: number;
}

export interface OrderView {
  orderId: number;
  clientId: number;
  permId: number;
  contract: ContractInfo;
  action: string;
  totalQuantity: number;
  orderType: string;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: string;
  ocaGroup: string;
  ocaType: number;
  account: string;
  orderRef: string;
  parentId: number;
  outsideRth: boolean;
  goodTillDate: string;
  status: string;
}

export interface ExecutionView {
  orderId: number;
  clientId: number;
  permId: number;
  execId: string;
  time: string;
  account: string;
  contract: ContractInfo;
  side: 'BOT' | 'SLD';
  shares: number;
  price: number;
  cumQty: number;
  avgPrice: number;
  orderRef: string;
  commission: number;
  realizedPnl: number | undefined;
}

/** Double.MAX_VALUE as Java's Double.toString writes it ("unset" for EDecoder's readDoubleMax). */
const UNSET_DOUBLE = '1.7976931348623157E308';

function contractFields(c: ContractInfo): Field[] {
  // conId, symbol, secType, lastTradeDateOrContractMonth, strike, right, multiplier, exchange, currency, localSymbol, tradingClass
  return [c.conId, c.symbol, c.secType, '', 0, '', '', c.exchange, c.currency, c.symbol, c.symbol];
}

/** ERR_MSG (4), version 2: id, code, message [, advancedOrderRejectJson from ADVANCED_ORDER_REJECT]. */
export function errMsg(version: number, id: number, code: number, message: string): Field[] {
  const fields: Field[] = [IN.ERR_MSG, 2, id, code, message];
  if (version >= V.ADVANCED_ORDER_REJECT) fields.push('');
  return fields;
}

export function nextValidId(orderId: number): Field[] {
  return [IN.NEXT_VALID_ID, 1, orderId];
}

export function managedAccounts(accounts: readonly string[]): Field[] {
  return [IN.MANAGED_ACCTS, 1, accounts.join(',')];
}

export function currentTime(epochSeconds: number): Field[] {
  return [IN.CURRENT_TIME, 1, epochSeconds];
}

/** ORDER_STATUS (3) from MARKET_CAP_PRICE (131): no version field; mktCapPrice last. */
export function orderStatus(
  o: OrderView,
  filled: number,
  remaining: number,
  avgFillPrice: number,
  lastFillPrice: number,
): Field[] {
  return [
    IN.ORDER_STATUS,
    o.orderId,
    o.status,
    filled,
    remaining,
    avgFillPrice,
    o.permId,
    o.parentId,
    lastFillPrice,
    o.clientId,
    '', // whyHeld
    0, // mktCapPrice
  ];
}

/** OPEN_ORDER (5) from ORDER_CONTAINER (145): the message version is the server version (EOrderDecoder). */
export function openOrder(version: number, o: OrderView): Field[] {
  const c = o.contract;
  const f: Field[] = [IN.OPEN_ORDER, o.orderId, ...contractFields(c)];
  f.push(o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.auxPrice, o.tif, o.ocaGroup, o.account);
  f.push('', 0, o.orderRef, o.clientId, o.permId, o.outsideRth, 0, 0, '', ''); // openClose, origin, .., hidden, discretionaryAmt, goodAfterTime, sharesAllocation
  f.push('', '', ''); // faGroup, faMethod, faPercentage
  if (version < V.FA_PROFILE_DESUPPORT) f.push(''); // faProfile
  f.push('', o.goodTillDate, '', '', ''); // modelCode, goodTillDate, rule80A, percentOffset, settlingFirm
  f.push(0, '', -1, 0); // shortSaleSlot, designatedLocation, exemptCode, auctionStrategy
  f.push('', '', '', '', '', ''); // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper, displaySize
  f.push(0, 0, 0, '', o.ocaType, 0, 0, ''); // blockOrder, sweepToFill, allOrNone, minQty, ocaType, eTradeOnly, firmQuoteOnly, nbboPriceCap
  f.push(o.parentId, 0); // parentId, triggerMethod
  f.push('', 0, '', '', 0, 0); // volatility, volatilityType, deltaNeutralOrderType, deltaNeutralAuxPrice, continuousUpdate, referencePriceType
  f.push('', ''); // trailStopPrice, trailingPercent
  f.push('', ''); // basisPoints, basisPointsType
  f.push('', 0, 0); // comboLegsDescription, comboLegs count, orderComboLegs count
  f.push(0); // smartComboRoutingParams count
  f.push('', '', ''); // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
  f.push(''); // hedgeType
  f.push(0, '', '', 0, 0); // optOutSmartRouting, clearingAccount, clearingIntent, notHeld, deltaNeutralContract flag
  f.push(''); // algoStrategy
  f.push(0); // solicited
  f.push(0, o.status); // whatIf, orderState.status
  f.push('', '', '', '', '', ''); // WHAT_IF_EXT_FIELDS: init/maint/equity before and change
  f.push('', '', '', '', '', '', '', ''); // initMarginAfter.. commission, min/max commission, commissionCurrency, warningText
  f.push(0, 0); // randomizeSize, randomizePrice
  f.push(0); // conditions count
  f.push('', '', '', '', '', '', '', 0); // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset, adjusted stop/stopLimit/trailing, trailingUnit
  f.push('', '', ''); // softDollarTier name, value, displayName
  f.push(''); // cashQty
  f.push(0, 0, 0, 0); // dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice, usePriceMgmtAlgo
  if (version >= V.DURATION) f.push('');
  if (version >= V.POST_TO_ATS) f.push('');
  if (version >= V.AUTO_CANCEL_PARENT) f.push(0);
  if (version >= V.PEGBEST_PEGMID_OFFSETS) f.push('', '', '', '', '');
  if (version >= V.CUSTOMER_ACCOUNT) f.push('');
  if (version >= V.PROFESSIONAL_CUSTOMER) f.push(0);
  if (version >= V.BOND_ACCRUED_INTEREST) f.push('');
  if (version >= V.INCLUDE_OVERNIGHT) f.push(0);
  if (version >= V.CME_TAGGING_FIELDS_IN_OPEN_ORDER) f.push('', '');
  return f;
}

/**
 * COMPLETED_ORDER (101), no version field (EDecoder processCompletedOrderMsg; the official Python
 * ibapi decoder.py reads the same list). It carries no order id: clients match by permId/orderRef.
 */
export function completedOrder(
  version: number,
  o: OrderView & { filled: number },
  parentPermId: number,
  completedTime: string,
): Field[] {
  const f: Field[] = [IN.COMPLETED_ORDER, ...contractFields(o.contract)];
  f.push(o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.auxPrice, o.tif, o.ocaGroup, o.account);
  f.push('', 0, o.orderRef, o.permId, o.outsideRth, 0, 0, ''); // openClose, origin, orderRef, permId, outsideRth, hidden, discretionaryAmt, goodAfterTime
  f.push('', '', ''); // faGroup, faMethod, faPercentage
  if (version < V.FA_PROFILE_DESUPPORT) f.push(''); // faProfile (decoder.py reads it by server version)
  f.push('', o.goodTillDate, '', '', ''); // modelCode, goodTillDate, rule80A, percentOffset, settlingFirm
  f.push(0, '', -1); // shortSaleSlot, designatedLocation, exemptCode
  f.push('', '', '', '', '', ''); // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper, displaySize
  f.push(0, 0, '', o.ocaType, 0); // sweepToFill, allOrNone, minQty, ocaType, triggerMethod
  f.push('', 0, '', '', 0, 0); // volatility, volatilityType, deltaNeutralOrderType, deltaNeutralAuxPrice, continuousUpdate, referencePriceType
  f.push('', ''); // trailStopPrice, trailingPercent
  f.push('', 0, 0, 0); // comboLegsDescription, comboLegs, orderComboLegs, smartComboRoutingParams counts
  f.push('', '', ''); // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
  f.push('', '', '', 0, 0, '', 0); // hedgeType, clearingAccount, clearingIntent, notHeld, deltaNeutral flag, algoStrategy, solicited
  f.push(o.status); // orderState.status
  f.push(0, 0, 0); // randomizeSize, randomizePrice, conditions count
  f.push('', '', ''); // trailStopPrice, lmtPriceOffset, cashQty
  f.push(0, 0, '', o.filled, 0, 0); // dontUseAutoPriceForHedge, isOmsContainer, autoCancelDate, filledQuantity, refFuturesConId, autoCancelParent
  f.push('', 0, 0, parentPermId); // shareholder, imbalanceOnly, routeMarketableToBbo, parentPermId
  f.push(completedTime, o.status); // completedTime, completedStatus
  if (version >= V.PEGBEST_PEGMID_OFFSETS) f.push('', '', '', '', '');
  if (version >= V.CUSTOMER_ACCOUNT) f.push('');
  if (version >= V.PROFESSIONAL_CUSTOMER) f.push(0);
  return f;
}

export function completedOrdersEnd(): Field[] {
  return [IN.COMPLETED_ORDERS_END];
}

export function openOrderEnd(): Field[] {
  return [IN.OPEN_ORDER_END, 1];
}

/** EXECUTION_DATA (11) from LAST_LIQUIDITY (136): no version field; pendingPriceRevision from 178. */
export function execDetails(version: number, reqId: number, e: ExecutionView): Field[] {
  const c = e.contract;
  const f: Field[] = [IN.EXECUTION_DATA, reqId, e.orderId, ...contractFields(c)];
  f.push(e.execId, e.time, e.account, c.exchange, e.side, e.shares, e.price, e.permId, e.clientId, 0);
  f.push(e.cumQty, e.avgPrice, e.orderRef, '', '', ''); // evRule, evMultiplier, modelCode
  f.push(1); // lastLiquidity: 1 = added liquidity
  if (version >= V.PENDING_PRICE_REVISION) f.push(0);
  return f;
}

export function execDetailsEnd(reqId: number): Field[] {
  return [IN.EXECUTION_DATA_END, 1, reqId];
}

/** COMMISSION_REPORT (59) version 1: execId, commission, currency, realizedPNL, yield, yieldRedemptionDate. */
export function commissionReport(e: ExecutionView): Field[] {
  // No realized P&L (an opening trade) and no yield are Double.MAX_VALUE on the wire, as TWS sends them.
  const pnl = e.realizedPnl === undefined ? UNSET_DOUBLE : e.realizedPnl;
  return [IN.COMMISSION_REPORT, 1, e.execId, e.commission, e.contract.currency, pnl, UNSET_DOUBLE, 0];
}

/** POSITION (61) version 3: account, contract (with multiplier), position, avgCost. */
export function position(account: string, c: ContractInfo, qty: number, avgCost: number): Field[] {
  return [IN.POSITION, 3, account, ...contractFields(c), qty, avgCost];
}

export function positionEnd(): Field[] {
  return [IN.POSITION_END, 1];
}

export function accountSummary(
  reqId: number,
  account: string,
  tag: string,
  value: string,
  currency: string,
): Field[] {
  return [IN.ACCOUNT_SUMMARY, 1, reqId, account, tag, value, currency];
}

export function accountSummaryEnd(reqId: number): Field[] {
  return [IN.ACCOUNT_SUMMARY_END, 1, reqId];
}

/** ACCT_VALUE (6), PORTFOLIO_VALUE (7) version 8, ACCT_UPDATE_TIME (8), ACCT_DOWNLOAD_END (54). */
export function accountValue(key: string, value: string, currency: string, account: string): Field[] {
  return [IN.ACCT_VALUE, 2, key, value, currency, account];
}

export function portfolioValue(
  c: ContractInfo,
  qty: number,
  marketPrice: number,
  avgCost: number,
  account: string,
): Field[] {
  const marketValue = qty * marketPrice;
  const unrealized = (marketPrice - avgCost) * qty;
  return [
    IN.PORTFOLIO_VALUE,
    8,
    c.conId,
    c.symbol,
    c.secType,
    '',
    0,
    '',
    '',
    c.primaryExch,
    c.currency,
    c.symbol,
    c.symbol,
    qty,
    marketPrice,
    marketValue,
    avgCost,
    unrealized,
    0,
    account,
  ];
}

export function accountUpdateTime(hhmm: string): Field[] {
  return [IN.ACCT_UPDATE_TIME, 1, hhmm];
}

export function accountDownloadEnd(account: string): Field[] {
  return [IN.ACCT_DOWNLOAD_END, 1, account];
}

export interface WireBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** HISTORICAL_DATA (17) from SYNT_REALTIME_BARS (124): no version, no hasGaps; WAP then barCount per bar. */
export function historicalData(reqId: number, start: string, end: string, bars: readonly WireBar[]): Field[] {
  const f: Field[] = [IN.HISTORICAL_DATA, reqId, start, end, bars.length];
  for (const b of bars)
    f.push(b.date, b.open, b.high, b.low, b.close, b.volume, (b.high + b.low + b.close) / 3, 1);
  return f;
}

/** HISTORICAL_DATA_UPDATE (90): reqId, barCount, date, open, close, high, low, WAP, volume (EDecoder order). */
export function historicalDataUpdate(reqId: number, b: WireBar): Field[] {
  return [
    IN.HISTORICAL_DATA_UPDATE,
    reqId,
    1,
    b.date,
    b.open,
    b.close,
    b.high,
    b.low,
    (b.high + b.low + b.close) / 3,
    b.volume,
  ];
}

/** CONTRACT_DATA (10) from SIZE_RULES (164): no version field; reqId first. */
export function contractData(version: number, reqId: number, c: ContractInfo): Field[] {
  const f: Field[] = [IN.CONTRACT_DATA];
  if (version < V.SIZE_RULES) f.push(8);
  f.push(reqId, c.symbol, c.secType, ''); // lastTradeDateOrContractMonth
  if (version >= V.LAST_TRADE_DATE) f.push(''); // lastTradeDate
  f.push(0, '', c.exchange, c.currency, c.symbol, c.symbol, c.symbol, c.conId, c.minTick);
  if (version < V.SIZE_RULES) f.push(1); // mdSizeMultiplier (MD_SIZE_MULTIPLIER..SIZE_RULES)
  // marketName, tradingClass, conId, minTick above; multiplier, orderTypes, validExchanges, priceMagnifier, underConId
  f.push('', 'LMT,MKT,STP,STP LMT', `SMART,${c.primaryExch}`, 1, 0);
  f.push(c.symbol, c.primaryExch); // longName, primaryExch
  f.push('', '', '', '', 'US/Eastern', '', ''); // contractMonth, industry, category, subcategory, timeZoneId, tradingHours, liquidHours
  f.push('', ''); // evRule, evMultiplier
  f.push(0); // secIdList count
  f.push(1, '', '', '26', '', 'COMMON'); // aggGroup, underSymbol, underSecType, marketRuleIds, realExpirationDate, stockType
  if (version < V.SIZE_RULES)
    f.push(1); // sizeMinTick
  else f.push(1, 1, 100); // minSize, sizeIncrement, suggestedSizeIncrement
  if (version >= V.INELIGIBILITY_REASONS) f.push(0);
  return f;
}

export function contractDataEnd(reqId: number): Field[] {
  return [IN.CONTRACT_DATA_END, 1, reqId];
}
