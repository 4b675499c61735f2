export { AlpacaBroker, type AlpacaBrokerOptions, type LedgerStore, toOrderBody } from './alpaca-broker.ts';
export { type AlpacaOrderBody, AlpacaTradingClient } from './client.ts';
export * from './errors.ts';
export { type AlpacaCredentials, AlpacaHttp, type AlpacaHttpOptions, parseBody } from './http.ts';
export {
  alpacaCredentials,
  confirmLiveTrading,
  createAlpacaBroker,
  createAlpacaClient,
  type RunningAlpaca,
  startAlpacaBroker,
} from './live.ts';
export { alpacaStatus, legClientOrderId, orderStates, splitLegId, toOrder } from './mapping.ts';
export {
  type AlpacaBar,
  type AlpacaTradeUpdate,
  barSchema as alpacaBarSchema,
  latestBarsSchema,
  multiBarsSchema,
} from './schemas.ts';
export { AlpacaTradeStream, type TradeStreamOptions } from './stream.ts';
export { type AlpacaSync, type AlpacaSyncOptions, startAlpacaSync } from './sync.ts';
