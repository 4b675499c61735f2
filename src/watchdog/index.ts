export {
  HaltError,
  type HaltState,
  type HaltStore,
  haltFileFor,
  haltLevelNames,
  haltLevelOrNull,
  haltStateSchema,
  type ResumeRequest,
  raiseHalt,
  readHalt,
  readHaltFile,
  resumeTrading,
} from './halt.ts';
export {
  type AccountSnapshot,
  accountSnapshotSchema,
  type HeartbeatStatus,
  heartbeatStatuses,
  readAccountSnapshot,
  readJournalEntryText,
  type StatusReport,
  statusReport,
} from './status.ts';
