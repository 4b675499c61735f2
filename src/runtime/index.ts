export { type Brain, type BrainOptions, startBrain } from './brain.ts';
export { beat, type HeartbeatKind, startHeartbeat } from './heartbeat.ts';
export { BrokerRecorder } from './recorder.ts';
export { type SessionStatus, SimSession, type SimSessionOptions } from './sim-session.ts';
