export {
  type AccountSnapshot,
  accountSnapshotSchema,
  readAccountSnapshot,
} from '../account-state/index.ts';
export {
  HaltError,
  type HaltRowRead,
  type HaltState,
  type HaltStore,
  haltFileFor,
  haltLevelNames,
  haltLevelOrNull,
  haltRowRead,
  haltStateSchema,
  type ResumeRequest,
  raiseHalt,
  readHalt,
  readHaltFile,
  resumeTrading,
  type SubmissionHalt,
  submissionHalt,
} from './halt.ts';
export {
  checkInvariants,
  type InvariantInputs,
  type InvariantReport,
  type InvariantResult,
} from './invariants.ts';
export { logNotifier, type Notifier, type Page, Pager, webhookNotifier } from './pager.ts';
export { spawnWatchdogIfNeeded, startWatchdog, watchdogBroker, watchdogView } from './process.ts';
export {
  type HeartbeatStatus,
  heartbeatStatuses,
} from './status.ts';
export { Watchdog, type WatchdogCheck, type WatchdogOptions } from './watchdog.ts';
