export { beat, type HeartbeatKind, startHeartbeat } from '../heartbeats/index.ts';
export { type LoadedAgents, loadAgents } from './agent-runtime.ts';
export { type Brain, type BrainOptions, type BrainStatus, startBrain } from './brain.ts';
export type { DatabaseStatus } from './database-wait.ts';
export { MarketSession, type MarketSessionOptions, type MarketStatus } from './market-session.ts';
export {
  type PipelineBacktestOptions,
  type PipelineBacktestResult,
  runPipelineBacktest,
} from './pipeline-backtest.ts';
export { AccountBook, portfolioOf } from './portfolio.ts';
export { BrokerRecorder } from './recorder.ts';
export { type ResumeReport, type SessionStatus, SimSession, type SimSessionOptions } from './sim-session.ts';
export {
  cycleDepsFor,
  journalWriter,
  monitorPassFor,
  type TradingKernel,
  type TradingKernelOptions,
  tradingKernel,
  type VenueSettings,
} from './trading-kernel.ts';
export type { Pointers } from './where-to-look.ts';
