export { beat, type HeartbeatKind, startHeartbeat } from '../heartbeats/index.ts';
export { type Brain, type BrainOptions, startBrain } from './brain.ts';
export { BrokerRecorder } from './recorder.ts';
export { type ResumeReport, type SessionStatus, SimSession, type SimSessionOptions } from './sim-session.ts';
