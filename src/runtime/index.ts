export { type Brain, startBrain } from './brain.ts';
export { beat, type HeartbeatKind, startHeartbeat } from './heartbeat.ts';
