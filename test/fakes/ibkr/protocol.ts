/**
 * Message ids and the server-version thresholds the fake's layouts depend on. Values are IB's:
 * EClient.java / EDecoder.java (OUT/IN message ids) and EClient.java MIN_SERVER_VER_* constants,
 * which @stoqey/ib 1.6.10 mirrors in core/io/encoder.js (OUT_MSG_ID), core/io/enum/in-msg-id.js
 * and api/data/enum/min-server-version.js.
 */

/** Requests from the client (EClient.java: REQ_*, CANCEL_*, PLACE_ORDER, START_API). */
export const OUT = {
  REQ_MKT_DATA: 1,
  CANCEL_MKT_DATA: 2,
  PLACE_ORDER: 3,
  CANCEL_ORDER: 4,
  REQ_OPEN_ORDERS: 5,
  REQ_ACCOUNT_DATA: 6,
  REQ_EXECUTIONS: 7,
  REQ_IDS: 8,
  REQ_CONTRACT_DATA: 9,
  REQ_AUTO_OPEN_ORDERS: 15,
  REQ_ALL_OPEN_ORDERS: 16,
  REQ_MANAGED_ACCTS: 17,
  REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25,
  REQ_CURRENT_TIME: 49,
  REQ_REAL_TIME_BARS: 50,
  CANCEL_REAL_TIME_BARS: 51,
  REQ_GLOBAL_CANCEL: 58,
  REQ_MARKET_DATA_TYPE: 59,
  REQ_POSITIONS: 61,
  REQ_ACCOUNT_SUMMARY: 62,
  CANCEL_ACCOUNT_SUMMARY: 63,
  CANCEL_POSITIONS: 64,
  START_API: 71,
  REQ_COMPLETED_ORDERS: 99,
} as const;

/** Messages to the client (EDecoder.java: the IN ids). */
export const IN = {
  ORDER_STATUS: 3,
  ERR_MSG: 4,
  OPEN_ORDER: 5,
  ACCT_VALUE: 6,
  PORTFOLIO_VALUE: 7,
  ACCT_UPDATE_TIME: 8,
  NEXT_VALID_ID: 9,
  CONTRACT_DATA: 10,
  EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15,
  HISTORICAL_DATA: 17,
  CURRENT_TIME: 49,
  REAL_TIME_BARS: 50,
  CONTRACT_DATA_END: 52,
  OPEN_ORDER_END: 53,
  ACCT_DOWNLOAD_END: 54,
  EXECUTION_DATA_END: 55,
  COMMISSION_REPORT: 59,
  POSITION: 61,
  POSITION_END: 62,
  ACCOUNT_SUMMARY: 63,
  ACCOUNT_SUMMARY_END: 64,
  HISTORICAL_DATA_UPDATE: 90,
  COMPLETED_ORDER: 101,
  COMPLETED_ORDERS_END: 102,
} as const;

/** Names for `requests()`, keyed by request id. */
export const REQUEST_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(OUT).map(([name, id]) => [id, name]),
);

/** EClient.java MIN_SERVER_VER_* thresholds that change a layout between the versions the fake speaks. */
export const V = {
  ORDER_CONTAINER: 145,
  DURATION: 158,
  POST_TO_ATS: 160,
  AUTO_CANCEL_PARENT: 162,
  FRACTIONAL_SIZE_SUPPORT: 163,
  SIZE_RULES: 164,
  ADVANCED_ORDER_REJECT: 166,
  MANUAL_ORDER_TIME: 169,
  PEGBEST_PEGMID_OFFSETS: 170,
  BOND_ISSUERID: 176,
  FA_PROFILE_DESUPPORT: 177,
  PENDING_PRICE_REVISION: 178,
  FUND_DATA_FIELDS: 179,
  LAST_TRADE_DATE: 182,
  CUSTOMER_ACCOUNT: 183,
  PROFESSIONAL_CUSTOMER: 184,
  BOND_ACCRUED_INTEREST: 185,
  INELIGIBILITY_REASONS: 186,
  RFQ_FIELDS: 187,
  INCLUDE_OVERNIGHT: 189,
  UNDO_RFQ_FIELDS: 190,
  CME_TAGGING_FIELDS: 192,
  CME_TAGGING_FIELDS_IN_OPEN_ORDER: 193,
} as const;

/**
 * The versions the fake can speak. Below 163 quantities are not decimals and openOrder/contractData
 * carry version fields the fake does not write; 193 is the highest @stoqey/ib 1.6.10 asks for
 * (api/api.js MAX_SUPPORTED_SERVER_VERSION = CME_TAGGING_FIELDS_IN_OPEN_ORDER).
 */
export const MIN_FAKE_SERVER_VERSION = V.FRACTIONAL_SIZE_SUPPORT;
export const MAX_FAKE_SERVER_VERSION = V.CME_TAGGING_FIELDS_IN_OPEN_ORDER;

/** Order statuses as TWS reports them (https://interactivebrokers.github.io/tws-api/order_submission.html#order_status). */
export type OrderStatus =
  | 'ApiPending'
  | 'PendingSubmit'
  | 'PendingCancel'
  | 'PreSubmitted'
  | 'Submitted'
  | 'ApiCancelled'
  | 'Cancelled'
  | 'Filled'
  | 'Inactive';
