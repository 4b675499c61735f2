export { beat, forgetHeartbeats, type HeartbeatKind, startHeartbeat } from './heartbeats.ts';
