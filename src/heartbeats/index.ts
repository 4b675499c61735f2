export { beat, type HeartbeatKind, startHeartbeat } from './heartbeats.ts';
