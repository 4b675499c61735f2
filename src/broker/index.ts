export type {
  Account,
  BracketRequest,
  Broker,
  BrokerEvent,
  ClosedTrade,
  Fill,
  MaybePromise,
  Order,
  OrderLeg,
  OrderRequest,
  OrderSide,
  OrderStatus,
  OrderType,
  PortfolioView,
  Position,
} from './broker.ts';
export { liveStopOf, positionSide, protectiveStop } from './broker.ts';
export { BrokerNotConnectedError } from './not-connected.ts';
export { matchPrice, type PaperBook, slipPrice } from './paper/book.ts';
export {
  PaperBroker,
  type PaperBrokerOptions,
  type PaperBrokerSettings,
  paperBrokerOptionsSchema,
} from './paper/paper-broker.ts';
export {
  closingSide,
  defaultStopPrice,
  type EnsureStopOptions,
  type EnsureStopOutcome,
  ensureProtectiveStop,
  type Protection,
  type ProtectionLedger,
  protectionOf,
  protectiveStopId,
  workingOrdersOf,
} from './protection.ts';
export * from './reconcile.ts';
export * from './reconcile-ledger.ts';
export {
  closedTradeMessage,
  closedTradePayload,
  type FillFacts,
  fillEventPayload,
  fillMessage,
  type LedgerFillOptions,
  type MessageLinks,
  publishLedgerFill,
  roundTrip,
} from './trade-messages.ts';
