export { type AccountFields, type AccountView, accountFieldsSchema, readAccount } from './account.ts';
export {
  type HaltOutcome,
  type HaltRequest,
  type OperatorChannel,
  OperatorError,
  operatorChannels,
  type ResumeCommand,
} from './actions.ts';
export type { ChatCommand, ExitRequest } from './chat.ts';
export type { JournalLine, OrderFilter, PositionView } from './ledger.ts';
export { type MessageQuery, type OperatorDeps, OperatorService, type OperatorStatus } from './service.ts';
