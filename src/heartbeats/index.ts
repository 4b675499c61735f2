export { beat, forgetHeartbeats, type HeartbeatKind, startHeartbeat } from './heartbeats.ts';
export {
  type HeartbeatStatus,
  heartbeatStaleAfterMs,
  isHeartbeatStale,
  readHeartbeats,
  staleAfterIntervals,
} from './staleness.ts';
