import { V } from './protocol.ts';
import { type FieldReader, RequestParseError } from './wire.ts';

/**
 * PLACE_ORDER (3) as EClient.java `placeOrder` writes it for server versions >= ORDER_CONTAINER
 * (145, no version field), field by field; @stoqey/ib 1.6.10 core/io/encoder.js `placeOrder`
 * writes the same list. Every field is read so a layout drift fails loudly (error 320), and the
 * fields the fake acts on are kept.
 */
export interface WireContract {
  conId: number;
  symbol: string;
  secType: string;
  lastTradeDateOrContractMonth: string;
  strike: number;
  right: string;
  multiplier: string;
  exchange: string;
  primaryExch: string;
  currency: string;
  localSymbol: string;
  tradingClass: string;
}

export interface WireOrder {
  orderId: number;
  contract: WireContract;
  action: string;
  totalQuantity: number;
  orderType: string;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: string;
  ocaGroup: string;
  account: string;
  orderRef: string;
  transmit: boolean;
  parentId: number;
  outsideRth: boolean;
  ocaType: number;
  goodTillDate: string;
  whatIf: boolean;
}

/** Order types the fake works; others are refused before the rest is read (see session.ts, 387). */
export const SUPPORTED_ORDER_TYPES = new Set(['MKT', 'LMT', 'STP', 'STP LMT']);

export function readContract(r: FieldReader, withPrimaryExch = true): WireContract {
  const contract: WireContract = {
    conId: r.int('conId'),
    symbol: r.str('symbol'),
    secType: r.str('secType'),
    lastTradeDateOrContractMonth: r.str('lastTradeDateOrContractMonth'),
    strike: r.double('strike'),
    right: r.str('right'),
    multiplier: r.str('multiplier'),
    exchange: r.str('exchange'),
    primaryExch: '',
    currency: '',
    localSymbol: '',
    tradingClass: '',
  };
  if (withPrimaryExch) contract.primaryExch = r.str('primaryExch');
  contract.currency = r.str('currency');
  contract.localSymbol = r.str('localSymbol');
  contract.tradingClass = r.str('tradingClass');
  return contract;
}

/** The head of the message, up to orderType: enough to refuse an unsupported order early. */
export function readOrderHead(
  r: FieldReader,
): Pick<WireOrder, 'orderId' | 'contract' | 'action' | 'totalQuantity' | 'orderType'> {
  const orderId = r.int('orderId');
  const contract = readContract(r);
  r.skip('secIdType/secId', 2);
  const action = r.str('action');
  const qty = r.str('totalQuantity');
  const totalQuantity = Number(qty);
  if (qty === '' || !Number.isFinite(totalQuantity))
    throw new RequestParseError(`placeOrder: totalQuantity is not a number: ${qty}`);
  const orderType = r.str('orderType');
  return { orderId, contract, action, totalQuantity, orderType };
}

/** Reads the rest of a PLACE_ORDER after `readOrderHead`, for the negotiated `version`. */
export function readOrderTail(
  r: FieldReader,
  head: ReturnType<typeof readOrderHead>,
  version: number,
): WireOrder {
  const lmtPrice = r.doubleMax('lmtPrice');
  const auxPrice = r.doubleMax('auxPrice');
  const tif = r.str('tif');
  const ocaGroup = r.str('ocaGroup');
  const account = r.str('account');
  r.skip('openClose/origin');
  r.skip('origin');
  const orderRef = r.str('orderRef');
  const transmit = r.bool('transmit');
  const parentId = r.int('parentId');
  r.skip('blockOrder/sweepToFill/displaySize/triggerMethod', 4);
  const outsideRth = r.bool('outsideRth');
  r.skip('hidden');
  if (head.contract.secType.toUpperCase() === 'BAG')
    throw new RequestParseError('placeOrder: combo (BAG) orders are not supported by the fake');
  r.skip('sharesAllocation (deprecated, empty)');
  r.skip('discretionaryAmt');
  r.skip('goodAfterTime');
  const goodTillDate = r.str('goodTillDate');
  r.skip('faGroup/faMethod/faPercentage', 3);
  if (version < V.FA_PROFILE_DESUPPORT) r.skip('faProfile');
  r.skip('modelCode');
  r.skip('shortSaleSlot/designatedLocation/exemptCode', 3);
  const ocaType = r.int('ocaType');
  r.skip('rule80A/settlingFirm/allOrNone/minQty/percentOffset/eTradeOnly/firmQuoteOnly/nbboPriceCap', 8);
  r.skip('auctionStrategy/startingPrice/stockRefPrice/delta/stockRangeLower/stockRangeUpper', 6);
  r.skip('overridePercentageConstraints');
  r.skip('volatility/volatilityType', 2);
  const deltaNeutralOrderType = r.str('deltaNeutralOrderType');
  r.skip('deltaNeutralAuxPrice');
  if (deltaNeutralOrderType !== '') r.skip('deltaNeutral conId..designatedLocation', 8);
  r.skip('continuousUpdate/referencePriceType', 2);
  r.skip('trailStopPrice/trailingPercent', 2);
  r.skip('scaleInitLevelSize/scaleSubsLevelSize', 2);
  const scalePriceIncrement = r.doubleMax('scalePriceIncrement');
  // EClient.java sends the seven scale fields only when scalePriceIncrement > 0.
  if (scalePriceIncrement !== undefined && scalePriceIncrement > 0) r.skip('scale params', 7);
  r.skip('scaleTable/activeStartTime/activeStopTime', 3);
  const hedgeType = r.str('hedgeType');
  if (hedgeType !== '') r.skip('hedgeParam');
  r.skip('optOutSmartRouting/clearingAccount/clearingIntent/notHeld', 4);
  if (r.bool('deltaNeutralContract present')) r.skip('deltaNeutralContract conId/delta/price', 3);
  const algoStrategy = r.str('algoStrategy');
  if (algoStrategy !== '') {
    const n = r.int('algoParams count');
    r.skip('algoParams', n * 2);
  }
  r.skip('algoId');
  const whatIf = r.bool('whatIf');
  r.skip('orderMiscOptions/solicited/randomizeSize/randomizePrice', 4);
  // PEG BENCH fields are only sent for that order type, which the fake refuses earlier.
  const conditions = r.int('conditions count');
  if (conditions > 0)
    throw new RequestParseError('placeOrder: order conditions are not supported by the fake');
  r.skip('adjustedOrderType..adjustableTrailingUnit', 7);
  r.skip('extOperator/softDollarTier name/value/cashQty', 4);
  r.skip('mifid2 decisionMaker/decisionAlgo/executionTrader/executionAlgo', 4);
  r.skip('dontUseAutoPriceForHedge/isOmsContainer/discretionaryUpToLimitPrice/usePriceMgmtAlgo', 4);
  if (version >= V.DURATION) r.skip('duration');
  if (version >= V.POST_TO_ATS) r.skip('postToAts');
  if (version >= V.AUTO_CANCEL_PARENT) r.skip('autoCancelParent');
  if (version >= V.ADVANCED_ORDER_REJECT) r.skip('advancedErrorOverride');
  if (version >= V.MANUAL_ORDER_TIME) r.skip('manualOrderTime');
  // PEGBEST_PEGMID_OFFSETS: minTradeQty only for IBKRATS; PEG BEST / PEG MID fields not sent for MKT/LMT/STP.
  if (version >= V.PEGBEST_PEGMID_OFFSETS && head.contract.exchange === 'IBKRATS') r.skip('minTradeQty');
  if (version >= V.CUSTOMER_ACCOUNT) r.skip('customerAccount');
  if (version >= V.PROFESSIONAL_CUSTOMER) r.skip('professionalCustomer');
  if (version >= V.RFQ_FIELDS && version < V.UNDO_RFQ_FIELDS) r.skip('rfq fields', 2);
  if (version >= V.INCLUDE_OVERNIGHT) r.skip('includeOvernight');
  if (version >= V.CME_TAGGING_FIELDS) r.skip('manualOrderIndicator');
  r.end();
  return {
    ...head,
    lmtPrice,
    auxPrice,
    tif,
    ocaGroup,
    account,
    orderRef,
    transmit,
    parentId,
    outsideRth,
    ocaType,
    goodTillDate,
    whatIf,
  };
}
