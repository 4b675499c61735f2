export { recordBars } from './bars.ts';
export {
  applyAck,
  eaHeartbeatAge,
  heartbeatName as eaHeartbeatName,
  mt5BrokerName,
  once as oncePerMessage,
  queueCommand,
  type Reply as Mt5Reply,
  recordCapture,
  recordHeartbeat,
  recordPositions,
  type TransactionalStore,
  takeNextCommand,
} from './bridge.ts';
export { recordDeals } from './deals.ts';
export { lotsFor, type SymbolSpec, unitsFor } from './lots.ts';
export { createMt5Broker, Mt5Broker, type Mt5BrokerOptions } from './mt5-broker.ts';
export * from './schemas.ts';
