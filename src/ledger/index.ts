export {
  type BrokerExecution,
  explainedSymbols,
  lockBroker,
  recordExecution,
  unexplainedPositions,
} from './executions.ts';
export { type FillRecord, moveFill, recordFill } from './fills.ts';
export {
  answerIntent,
  applyOrderState,
  type BrokerOrderState,
  cancelSiblingLegs,
  dropOrder,
  markOrder,
  markQueued,
  type OrderIntent,
  type OrderStateReport,
  type ProtectiveOrder,
  recordIntent,
  recordOrderIntent,
  recordOrderStates,
  recordProtectiveOrder,
  type Settlement,
  type SubmissionAnswer,
  settleLegs,
  settleOrder,
  settleOrderFromFills,
} from './orders.ts';
export {
  applyExecutionToPosition,
  type PositionRecord,
  removePosition,
  replacePositionSizes,
  setPosition,
  setProtection,
  setStop,
} from './positions.ts';
export {
  advances,
  explainsSymbol,
  isOrderState,
  ORDER_STATE_RANK,
  ORDER_STATES,
  type OrderState,
} from './states.ts';
