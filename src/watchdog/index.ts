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
