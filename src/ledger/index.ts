export {
  type BrokerExecution,
  explainedSymbols,
  lockBroker,
  recordExecution,
  unexplainedPositions,
} from './executions.ts';
export { type FillRecord, moveFill, recordFill, recordFillCommission } from './fills.ts';
export {
  answerIntent,
  answerIntentWrites,
  applyOrderState,
  type BracketIntent,
  type BrokerOrderState,
  bracketLegIntents,
  cancelSiblingLegs,
  dropOrder,
  intentsWrite,
  legClientOrderId,
  markOrder,
  markQueued,
  type OrderIntent,
  type OrderStateReport,
  type ProtectiveOrder,
  recordBracketLegs,
  recordIntent,
  recordIntents,
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
export { followReplacedLeg, recordStopMove, type StopMove } from './stop-moves.ts';
