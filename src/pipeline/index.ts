export { closedReason, exchangeDate, isTradingDay, nyseHolidays } from './calendar.ts';
export {
  type CandidateOutcome,
  type CandidateReport,
  type CycleDeps,
  type CycleReport,
  type CycleSettings,
  clientOrderIdFor,
  type HaltAndPendingEntries,
  type PendingEntryRow,
  type PortfolioSnapshot,
} from './cycle-types.ts';
export { runDecisionCycle } from './decision-cycle.ts';
export {
  brokerEventRecorder,
  cycleIdFor,
  type DecisionContext,
  decisionStep,
  type ExecutionPolicy,
  type StepOutcome,
} from './decision-step.ts';
export {
  AgentDesk,
  type CycleBudget,
  type DeskView,
  defaultCeoLimits,
  defaultMacroSymbols,
  deskOf,
  openDesk,
  tradingDay,
} from './desk.ts';
export { type DeskRecord, type DeskRecordOptions, deskRecordFor } from './desk-record.ts';
export { type Explanation, explain, type OrderRecord } from './explain.ts';
export type { CandidateChain, ChainStep, DecisionChain, ShadowStep } from './explain-chain.ts';
export { haltAndPendingEntriesReader } from './halt-and-entries.ts';
export { copyMessageLog, type WriteLogOptions, writeMessageLog } from './message-log.ts';
export {
  type CycleMessage,
  type CycleMessageInput,
  fillPayload,
  MemorySink,
  type MessageSink,
  topics,
} from './messages.ts';
export { type MonitorDeps, type MonitorReport, runMonitorPass, submitExit } from './monitor.ts';
export { movedStopId, type StopManagementDeps } from './monitor-stops.ts';
export { completeInterruptedOrders, type IntentRepair, type IntentRepairDeps } from './reconcile-intents.ts';
export {
  correlation,
  defaultRiskLimits,
  evaluateRisk,
  type RiskCheck,
  type RiskDecision,
  type RiskInputs,
  type RiskLimits,
} from './risk-gate.ts';
export {
  expectedInterval,
  type JobStatus,
  type ScheduledJob,
  type SchedulerOptions,
  startScheduler,
} from './scheduler.ts';
export { screen } from './screen.ts';
export { allSigned, withTimeout } from './signatures.ts';
export { type ManagedStop, nextStop, type StopDecision } from './stop-management.ts';
