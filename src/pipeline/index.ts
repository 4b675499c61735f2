export {
  brokerEventRecorder,
  cycleIdFor,
  type DecisionContext,
  decisionStep,
  type ExecutionPolicy,
  type StepOutcome,
} from './decision-step.ts';
export { type WriteLogOptions, writeMessageLog } from './message-log.ts';
export {
  type CycleMessage,
  type CycleMessageInput,
  MemorySink,
  type MessageSink,
  topics,
} from './messages.ts';
